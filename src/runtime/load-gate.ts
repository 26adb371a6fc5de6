/**
 * When the ONNX loader's WebAssembly (./load-wasm.ts) runs. Apart from it so that the decoder and the
 * attribute reader decide without loading the forest's graph, which the runtime bundle keeps in a
 * file of its own (./ops/forest.ts).
 */
import { jsChosen } from '../tensor/kernels.js';

/** The smallest run (elements, or bytes for the codec) worth the WebAssembly. */
export const WASM_LOAD_MIN = 256;

/**
 * True when the loader's WebAssembly may run: not under the js backend, on an engine with
 * WebAssembly. The module is compiled by the first step that runs (a model without long runs never
 * pays for it); if the engine refuses it, every step answers null.
 */
export function wasmLoaderActive(): boolean {
  return !jsChosen() && typeof WebAssembly === 'object';
}

/** Runs a computation under the js backend, then under the wasm backend, for twin-against-twin tests. */
import { setBackend } from '../../../src/tensor/index.js';

/** `[fn() under js, fn() under wasm]`; the caller restores its backend afterwards. */
export function underBoth<T>(fn: () => T): [T, T] {
  setBackend('js');
  const js = fn();
  setBackend('wasm');
  return [js, fn()];
}

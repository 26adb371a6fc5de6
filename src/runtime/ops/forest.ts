/**
 * The forest's graph: the TreeEnsemble planner and the loader's WebAssembly that decodes a forest's
 * long runs (node lists, modes). The registry, the decoder and the attribute reader reach them
 * through this module's namespace, never by name at import: the runtime bundle keeps this graph in a
 * file of its own that it loads when one of them is first read, so a neural model's start-up never
 * parses it (tools/bundle-runtime.ts `deferred`, docs/edge.md "What start-up pays for").
 */
export { planTreeEnsembleRegressor } from './tree-ensemble.js';
export { wasmByteRun, wasmCodes, wasmVarints } from '../load-wasm.js';

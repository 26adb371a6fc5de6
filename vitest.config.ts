import { defineConfig } from 'vitest/config';

/**
 * Two projects: the whole suite on the `wasm` kernel backend (what `auto` picks on Node), and every
 * numeric, reference and ORT-agreement folder again on the `js` backend, so both implementations of
 * every kernel meet the same references (issue 16). The CLI, I/O, schema and pipeline folders run
 * once: they test plumbing, and their numbers come from the kernels tested twice (the pipeline's two
 * ORT-agreement files excepted).
 */
const NUMERIC = [
  'tensor/**', 'autograd/**', 'nn/**', 'runtime/**', 'quant/**', 'onnx/**', 'onnx-writer/**', 'explain/**', 'iforest/**', 'ecod/**', 'stats/**',
  'model-spec/**', 'models/**', 'pipeline/export-onnx', 'pipeline/quantize',
];
/** Tests of the WebAssembly kernels themselves: they need the wasm backend, so they run in that project only. */
const WASM_ONLY = ['explain/kernel-threads'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'wasm', include: ['test/**/*.test.ts'], env: { DADM_BACKEND: 'wasm' } } },
      { extends: true, test: { name: 'js', include: NUMERIC.map((path) => `test/${path}.test.ts`), exclude: WASM_ONLY.map((path) => `test/${path}.test.ts`), env: { DADM_BACKEND: 'js' } } },
    ],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Two projects: the whole suite on the `wasm` kernel backend (what `auto` picks on Node), and every
 * numeric, reference and ORT-agreement folder again on the `js` backend, so both implementations of
 * every kernel meet the same references (issue 16). The CLI, I/O, schema and pipeline folders run
 * once: they test plumbing, and their numbers come from the kernels tested twice.
 */
const NUMERIC = ['tensor', 'autograd', 'nn', 'runtime', 'quant', 'onnx-writer', 'explain', 'iforest', 'stats'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'wasm', include: ['test/**/*.test.ts'], env: { DADM_BACKEND: 'wasm' } } },
      { extends: true, test: { name: 'js', include: NUMERIC.map((dir) => `test/${dir}/**/*.test.ts`), env: { DADM_BACKEND: 'js' } } },
    ],
  },
});

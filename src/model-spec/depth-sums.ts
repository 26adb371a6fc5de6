/**
 * The compiled forest's one scoring walk: sum over trees of each row's isolation path length. The
 * forest (src/iforest) and the explainers' forest score function both run it.
 */
import { wasmActive, wasmForestWalk } from '../tensor/index.js';
import type { CompiledForest } from './forest.js';

/**
 * Rows scored per pass over the trees. Trees outer, rows inner within a block keeps one tree's
 * nodes hot in L1 while the block's rows stream from L2/L3; on W3 (100,000 x 12, 100 trees) blocks
 * of 8192..100,000 rows ran in ~0.29 s, 2048 in ~0.31 s and rows-outer-trees-inner in ~0.48 s
 * (docs/iforest.md). Blocking keeps that locality for inputs far larger than the cache.
 */
export const ROW_BLOCK = 16384;

/** The rows {@link addDepthSums} walks: `x [rows, cols]` row-major. */
export interface ForestRows {
  x: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Adds to `out[r]` the sum over trees of `depth(leaf) + c(nNodeSamples[leaf])` for row `r` of `x`.
 * The caller validates shapes and zeroes `out` ([rows]). Trees are added in tree order on both
 * backends, so the wasm twin (tensor/wasm/forest-kernel.ts) gives the same sums.
 */
export function addDepthSums(f: CompiledForest, input: ForestRows, out: Float64Array): void {
  const { x, rows, cols } = input;
  if (wasmActive() && wasmForestWalk(f, x, rows, cols, out)) return;
  const { roots, firstChild, column, threshold, leafValue } = f;
  const nTrees = roots.length;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = Math.min(rows, r0 + ROW_BLOCK);
    for (let t = 0; t < nTrees; t++) {
      const root = roots[t]!;
      for (let r = r0, base = r0 * cols; r < r1; r++, base += cols) {
        let node = root;
        let child = firstChild[node]!;
        while (child >= 0) {
          // Right child is left + 1: the comparison picks the child without a second load.
          node = x[base + column[node]!]! <= threshold[node]! ? child : child + 1;
          child = firstChild[node]!;
        }
        out[r] += leafValue[node]!;
      }
    }
  }
}

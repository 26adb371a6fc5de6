/**
 * The isolation forest as ONNX: `exportIsolationForest` on the checkpoint arrays, with a scaler folded
 * exactly into the split thresholds so the graph reads raw rows.
 */
import type { ForestArrays, IsolationForest } from '../../iforest/index.js';
import type { onnx } from '../../onnx/index.js';
import { exportIsolationForest } from '../../onnx-writer/index.js';
import type { Standardizer } from '../../schema/index.js';
import type { OnnxExportContext } from '../kind.js';

/** The forest's ONNX graph (`score` and `path_length` outputs) reading raw rows. */
export function exportForest(forest: IsolationForest, ctx: OnnxExportContext): onnx.ModelProto {
  const { arrays, meta } = forest.toArrays();
  const folded = ctx.standardizer === null ? arrays : foldForestScaler(arrays, meta.maxFeatures, ctx.standardizer);
  return exportIsolationForest({ arrays: folded, meta }, { opset: ctx.opset, dynamicBatch: ctx.dynamicBatch, metadata: ctx.metadata });
}

/**
 * A forest fitted on standardized rows, rewritten to read raw rows with the same decisions: the
 * engine tests `fround((x - mean) / scale) <= t`, which is monotone in the float32 x, so it holds
 * exactly for x up to some float32 x*; x* becomes the node's threshold.
 */
function foldForestScaler(a: ForestArrays, maxFeatures: number, s: Standardizer): ForestArrays {
  const threshold = a.threshold.slice();
  const nTrees = a.nodeOffsets.length - 1;
  for (let t = 0; t < nTrees; t++) {
    for (let node = a.nodeOffsets[t]!; node < a.nodeOffsets[t + 1]!; node++) {
      if (a.childrenLeft[node] === -1) continue;
      const col = a.features[t * maxFeatures + a.feature[node]!]!;
      threshold[node] = rawThresholdFor(a.threshold[node]!, s.mean[col]!, s.scale[col]!);
    }
  }
  return { ...a, threshold };
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
/** Largest finite float32 as an ordered key (bit pattern 0x7f7fffff). */
const MAX_KEY = 0x7f7fffff;

/** The float32 with ordered key k: keys run monotonically with the values, 0 = +-0. */
function fromKey(k: number): number {
  I32[0] = k >= 0 ? k : -k | 0x80000000;
  return F32[0]!;
}

/**
 * The largest float32 x with `fround((x - mean) / scale) <= t` (scale > 0), by bisection over the
 * ordered float32 bit patterns; +Infinity when every finite x passes, -Infinity when none does.
 */
export function rawThresholdFor(t: number, mean: number, scale: number): number {
  const passes = (k: number): boolean => Math.fround((fromKey(k) - mean) / scale) <= t;
  if (passes(MAX_KEY)) return Infinity;
  if (!passes(-MAX_KEY)) return -Infinity;
  let lo = -MAX_KEY; // passes
  let hi = MAX_KEY; // fails
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return fromKey(lo);
}

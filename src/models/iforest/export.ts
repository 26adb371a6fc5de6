/**
 * The isolation forest as ONNX: `exportIsolationForest` on the checkpoint arrays, with a scaler folded
 * exactly into the split thresholds so the graph reads raw rows.
 */
import type { ForestArrays, IsolationForest } from '../../iforest/index.js';
import type { onnx } from '../../onnx/index.js';
import { exportIsolationForest } from '../../onnx-writer/index.js';
import type { Standardizer } from '../../schema/index.js';
import type { OnnxExportContext } from '../kind.js';
import { rawThresholdFor } from '../scaler-fold.js';

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

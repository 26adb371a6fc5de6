/** The per-row traversal for TreeEnsembleRegressor over the flattened arrays built at plan time. */
import type { TensorData } from '../dtypes.js';

/** Trees as flat typed arrays; node indices are positions in the ONNX node attribute lists. */
export interface Forest {
  feature: Int32Array;
  threshold: Float64Array;
  /** 0 LEAF, 1 LEQ, 2 LT, 3 GTE, 4 GT, 5 EQ, 6 NEQ. */
  mode: Uint8Array;
  trueChild: Int32Array;
  falseChild: Int32Array;
  missingTrue: Uint8Array;
  roots: Int32Array;
  /** Leaf i's weights are entries leafStart[i] .. leafStart[i+1]-1 of leafTarget / leafWeight. */
  leafStart: Int32Array;
  leafTarget: Int32Array;
  leafWeight: Float64Array;
}

interface WalkConfig {
  rows: number;
  nFeatures: number;
  nTargets: number;
  aggregate: string;
  base: Float64Array;
}

export function walkTrees(f: Forest, x: TensorData, y: TensorData, cfg: WalkConfig): () => void {
  const { rows, nFeatures, nTargets, base } = cfg;
  const acc = new Float64Array(nTargets);
  const isMin = cfg.aggregate === 'MIN';
  const isMax = cfg.aggregate === 'MAX';
  const divisor = cfg.aggregate === 'AVERAGE' ? f.roots.length : 1;
  return () => {
    for (let r = 0; r < rows; r++) {
      acc.fill(isMin ? Infinity : isMax ? -Infinity : 0);
      const off = r * nFeatures;
      for (let t = 0; t < f.roots.length; t++) {
        let i = f.roots[t]!;
        for (let m = f.mode[i]!; m !== 0; m = f.mode[i]!) {
          const v = x[off + f.feature[i]!]!;
          const th = f.threshold[i]!;
          const go = v !== v ? f.missingTrue[i] === 1
            : m === 1 ? v <= th : m === 2 ? v < th : m === 3 ? v >= th : m === 4 ? v > th : m === 5 ? v === th : v !== th;
          i = go ? f.trueChild[i]! : f.falseChild[i]!;
        }
        for (let e = f.leafStart[i]!; e < f.leafStart[i + 1]!; e++) {
          const tg = f.leafTarget[e]!;
          const w = f.leafWeight[e]!;
          acc[tg] = isMin ? Math.min(acc[tg]!, w) : isMax ? Math.max(acc[tg]!, w) : acc[tg]! + w;
        }
      }
      for (let tg = 0; tg < nTargets; tg++) y[r * nTargets + tg] = acc[tg]! / divisor + base[tg]!;
    }
  };
}

/**
 * The isolation forest back from a graph `exportIsolationForest` wrote: the trees read from the
 * TreeEnsembleRegressor's node lists (tree-local ids, breadth-first, true = left child), each leaf's
 * training-row count recovered from its weight `depth + c(n)` and `maxSamples` from the exponent
 * scale `-ln 2 / (nTrees c(maxSamples))`; checked by model-spec's `compileForest`, then exported again
 * and compared with the file's graph, so the rebuilt forest takes exactly the file's decisions. The
 * columns are the graph's (a scaler folded into the thresholds stays folded): the forest reads raw rows.
 */
import { averagePathLength, compileForest, pathLengthDenominator, type ForestArrays } from '../../model-spec/index.js';
import { findAttribute, toNumber, type onnx } from '../../onnx/index.js';
import { exportIsolationForest } from '../../onnx-writer/index.js';
import type { ExplainHooks } from '../kind.js';
import { GraphInitializers, defaultOpset, hasDynamicBatch, sameGraph } from '../onnx-graph.js';

/** Largest row count searched for when inverting c(n) (scikit-learn's max_samples is an int32). */
const MAX_ROWS = 2 ** 31 - 1;

/** The explain hooks of a dadm-exported isolation-forest graph, or null for any other graph. */
export function iforestFromOnnx(model: onnx.ModelProto): ExplainHooks | null {
  const graph = model.graph;
  const opset = defaultOpset(model);
  const ensemble = graph?.node?.find((n) => n.opType === 'TreeEnsembleRegressor');
  const width = graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[1]?.dimValue;
  const scale = graph == null ? null : new GraphInitializers(graph).read('forest.exponent_scale');
  if (graph == null || opset === null || ensemble === undefined || width == null || scale === null || scale.data.length !== 1) return null;
  const mlOpset = (model.opsetImport ?? []).find((o) => o.domain === 'ai.onnx.ml');
  try {
    const nFeaturesIn = toNumber(width);
    const treeIds = findAttribute(ensemble, 'nodes_treeids')?.ints ?? [];
    const nTrees = treeIds.length === 0 ? 0 : toNumber(treeIds[treeIds.length - 1]) + 1;
    const maxSamples = smallestCount({ from: 2, to: MAX_ROWS }, (m) => Math.fround(-Math.LN2 / pathLengthDenominator(nTrees, m)), scale.data[0]!);
    if (nTrees === 0 || maxSamples === null) return null;
    const arrays = forestArraysOf(ensemble, { width: nFeaturesIn, maxSamples });
    if (arrays === null) return null;
    const meta = { nFeaturesIn, maxFeatures: nFeaturesIn, maxSamples };
    const again = exportIsolationForest(
      { arrays, meta },
      { opset, dynamicBatch: hasDynamicBatch(graph), ...(mlOpset ? { mlOpset: toNumber(mlOpset.version) } : {}) },
    );
    if (again.graph == null || !sameGraph(graph, again.graph)) return null;
    const compiled = compileForest(arrays, meta, 'iforestFromOnnx');
    return {
      shapModel: { kind: 'isolation-forest', ...compiled, denominator: pathLengthDenominator(nTrees, maxSamples), inputDim: nFeaturesIn },
      reconstruct: null,
    };
  } catch {
    return null;
  }
}

/**
 * The checkpoint arrays of the ensemble's trees, every column seen by every tree (features = the
 * identity, so a node's feature is its column). Null when the node lists are not one contiguous,
 * 0-based, breadth-first run per tree with adjacent children, as the exporter writes them.
 */
function forestArraysOf(node: onnx.NodeProto, sizes: { width: number; maxSamples: number }): ForestArrays | null {
  const { width, maxSamples } = sizes;
  const ints = (name: string): number[] => Array.from(findAttribute(node, name)?.ints ?? [], (v) => toNumber(v));
  const floats = (name: string): number[] => Array.from(findAttribute(node, name)?.floats ?? []);
  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  const values = floats('nodes_values');
  const decoder = new TextDecoder();
  // The runtime's decode gives an attribute's strings as a ByteList (iterable), the writer's as an array.
  const modes = Array.from(findAttribute(node, 'nodes_modes')?.strings ?? [], (s: Uint8Array) => decoder.decode(s));
  const weights = floats('target_weights');
  const n = treeIds.length;
  if (n === 0 || [nodeIds, featureIds, trueIds, falseIds, values, modes].some((a) => a.length !== n)) return null;
  const nTrees = treeIds[n - 1]! + 1;
  const a: ForestArrays = {
    nodeOffsets: new Int32Array(nTrees + 1),
    childrenLeft: new Int32Array(n).fill(-1),
    childrenRight: new Int32Array(n).fill(-1),
    feature: new Int32Array(n).fill(-2),
    threshold: new Float64Array(n).fill(-2),
    nNodeSamples: new Int32Array(n),
    features: new Int32Array(nTrees * width),
  };
  for (let t = 0; t < nTrees; t++) for (let j = 0; j < width; j++) a.features[t * width + j] = j;
  const depth = new Int32Array(n);
  let leaf = 0;
  for (let g = 0, t = -1; g < n; g++) {
    if (treeIds[g] !== t) {
      if (treeIds[g] !== t + 1) return null;
      t++;
      a.nodeOffsets[t] = g;
    }
    const root = a.nodeOffsets[t]!;
    if (nodeIds[g] !== g - root) return null;
    if (modes[g] === 'LEAF') {
      const count = smallestCount({ from: 1, to: maxSamples }, (k) => Math.fround(depth[g]! + averagePathLength(k)), weights[leaf++] ?? Number.NaN);
      if (count === null) return null;
      a.nNodeSamples[g] = count;
      continue;
    }
    const left = trueIds[g]!;
    if (modes[g] !== 'BRANCH_LEQ' || falseIds[g] !== left + 1 || left <= g - root || root + left + 1 >= n) return null;
    a.childrenLeft[g] = left;
    a.childrenRight[g] = left + 1;
    a.feature[g] = featureIds[g]!;
    a.threshold[g] = values[g]!;
    depth[root + left] = depth[root + left + 1] = depth[g]! + 1;
  }
  a.nodeOffsets[nTrees] = n;
  // A branch's count is not in the graph (only leaves' are): the sum of its children's, bottom-up.
  for (let g = n - 1; g >= 0; g--) {
    if (a.childrenLeft[g] !== -1) {
      const root = a.nodeOffsets[treeIds[g]!]!;
      a.nNodeSamples[g] = a.nNodeSamples[root + a.childrenLeft[g]!]! + a.nNodeSamples[root + a.childrenRight[g]!]!;
    }
  }
  return leaf === weights.length ? a : null;
}

/**
 * The smallest integer k in `[from, to]` whose `f(k)` equals `target`, by bisection on `f`
 * (non-decreasing in k); null when none gives exactly `target`.
 */
function smallestCount(range: { from: number; to: number }, f: (k: number) => number, target: number): number | null {
  const below = (k: number): boolean => f(k) < target;
  let lo = range.from;
  let hi = range.to;
  if (below(hi)) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return f(lo) === target ? lo : null;
}

/** The TreeEnsembleRegressor node lists of an isolation forest, from its checkpoint arrays. */
import { FormatError } from '../errors.js';
import type { ForestArrays, IsolationForestMeta } from '../iforest/index.js';
import { averagePathLength } from '../tensor/index.js';
import { attrFloats, attrInt, attrInts, attrStrings, type AttributeValue } from './attributes.js';
import { floatThresholdBelow } from './export-float-threshold.js';

/** Parallel lists, one entry per node (`nodes*`) or per leaf (`target*`), as the op's attributes. */
export interface TreeEnsembleNodes {
  nTrees: number;
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetIds: number[];
  targetWeights: number[];
}

/**
 * The attributes of an ai.onnx.ml TreeEnsembleRegressor (aggregate SUM, one target, no post
 * transform) holding `nodes`.
 */
export function treeEnsembleAttributes(nodes: TreeEnsembleNodes): Record<string, AttributeValue> {
  return {
    aggregate_function: 'SUM',
    n_targets: attrInt(1),
    post_transform: 'NONE',
    nodes_treeids: attrInts(nodes.treeIds),
    nodes_nodeids: attrInts(nodes.nodeIds),
    nodes_featureids: attrInts(nodes.featureIds),
    nodes_modes: attrStrings(nodes.modes),
    nodes_values: attrFloats(nodes.values),
    nodes_truenodeids: attrInts(nodes.trueIds),
    nodes_falsenodeids: attrInts(nodes.falseIds),
    target_treeids: attrInts(nodes.targetTreeIds),
    target_nodeids: attrInts(nodes.targetNodeIds),
    target_ids: attrInts(nodes.targetIds),
    target_weights: attrFloats(nodes.targetWeights),
  };
}

/**
 * Walks every tree breadth-first from its root (node 0) and lists its nodes in that order, renumbered
 * 0, 1, … (so each tree's root comes first, as onnxruntime expects). Branches: BRANCH_LEQ on column
 * `features[t, feature]` of X with threshold floatThresholdBelow(threshold), true = left child.
 * Leaves: weight `depth + c(nNodeSamples)`, the path length the leaf contributes.
 * @throws FormatError for inconsistent lengths, out-of-range indices, a node not reached exactly once
 *   from its root, a NaN threshold or a bad meta field
 */
export function treeEnsembleNodes(a: ForestArrays, meta: IsolationForestMeta, where: string): TreeEnsembleNodes {
  const bad = (what: string): never => {
    throw new FormatError(`${where}: ${what}`, 'isolation forest');
  };
  if (typeof a !== 'object' || a === null || typeof meta !== 'object' || meta === null) bad(`forest must be { arrays, meta } from IsolationForest.toArrays(), got ${String(a)} and ${String(meta)}`);
  const { nFeaturesIn, maxFeatures, maxSamples } = meta;
  if (!(Number.isSafeInteger(nFeaturesIn) && nFeaturesIn >= 1)) bad(`meta.nFeaturesIn must be an integer >= 1, got ${nFeaturesIn}`);
  if (!(Number.isSafeInteger(maxFeatures) && maxFeatures >= 1 && maxFeatures <= nFeaturesIn)) bad(`meta.maxFeatures must be an integer in [1, ${nFeaturesIn}], got ${maxFeatures}`);
  if (!(Number.isSafeInteger(maxSamples) && maxSamples >= 2)) bad(`meta.maxSamples must be an integer >= 2, got ${maxSamples}`);
  const nTrees = (a.nodeOffsets?.length ?? 0) - 1;
  if (nTrees < 1 || a.nodeOffsets[0] !== 0) bad(`arrays.nodeOffsets must start with 0 and hold at least 2 entries, got length ${a.nodeOffsets?.length}`);
  const nNodes = a.nodeOffsets[nTrees]!;
  for (const name of ['childrenLeft', 'childrenRight', 'feature', 'threshold', 'nNodeSamples'] as const) {
    if (a[name]?.length !== nNodes) bad(`arrays.${name} must have nodeOffsets[nTrees] = ${nNodes} entries, got ${a[name]?.length}`);
  }
  if (a.features?.length !== nTrees * maxFeatures) bad(`arrays.features must have nTrees * maxFeatures = ${nTrees * maxFeatures} entries, got ${a.features?.length}`);
  for (let i = 0; i < a.features.length; i++) {
    const c = a.features[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < nFeaturesIn)) bad(`arrays.features[${i}] must be a column in [0, ${nFeaturesIn}), got ${c}`);
  }
  const out: TreeEnsembleNodes = {
    nTrees, treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [],
    targetTreeIds: [], targetNodeIds: [], targetIds: [], targetWeights: [],
  };
  for (let t = 0; t < nTrees; t++) {
    const off = a.nodeOffsets[t]!;
    const count = a.nodeOffsets[t + 1]! - off;
    if (!(count >= 1 && off + count <= nNodes)) bad(`tree ${t} must have at least 1 node within the arrays, got nodeOffsets ${off} .. ${off + count}`);
    // order[p] = local id of the node numbered p (breadth-first); depth[p] its depth.
    const order = new Int32Array(count);
    const depth = new Int32Array(count);
    const seen = new Uint8Array(count);
    seen[0] = 1;
    let placed = 1;
    for (let p = 0; p < placed; p++) {
      const g = off + order[p]!;
      const l = a.childrenLeft[g]!;
      const r = a.childrenRight[g]!;
      const label = `tree ${t} node ${order[p]}`;
      out.treeIds.push(t);
      out.nodeIds.push(p);
      if (l === -1 && r === -1) {
        const n = a.nNodeSamples[g]!;
        if (!(n >= 1)) bad(`${label} nNodeSamples must be >= 1, got ${n}`);
        out.featureIds.push(0);
        out.modes.push('LEAF');
        out.values.push(0);
        out.trueIds.push(0);
        out.falseIds.push(0);
        out.targetTreeIds.push(t);
        out.targetNodeIds.push(p);
        out.targetIds.push(0);
        out.targetWeights.push(depth[p]! + averagePathLength(n));
        continue;
      }
      for (const child of [l, r]) {
        if (!(Number.isInteger(child) && child >= 0 && child < count)) bad(`${label} children must be -1 (both) or in [0, ${count}), got ${l} and ${r}`);
        if (seen[child]) bad(`tree ${t} node ${child} must be reached once from the root, got a second parent`);
        seen[child] = 1;
      }
      const f = a.feature[g]!;
      if (!(Number.isInteger(f) && f >= 0 && f < maxFeatures)) bad(`${label} feature must be in [0, ${maxFeatures}), got ${f}`);
      const thr = a.threshold[g]!;
      if (Number.isNaN(thr)) bad(`${label} threshold must be a number, got NaN`);
      out.featureIds.push(a.features[t * maxFeatures + f]!);
      out.modes.push('BRANCH_LEQ');
      out.values.push(floatThresholdBelow(thr));
      out.trueIds.push(placed);
      out.falseIds.push(placed + 1);
      order[placed] = l;
      order[placed + 1] = r;
      depth[placed] = depth[placed + 1] = depth[p]! + 1;
      placed += 2;
    }
    if (placed !== count) bad(`tree ${t} nodes must all be reachable from the root, got ${placed} of ${count}`);
  }
  return out;
}

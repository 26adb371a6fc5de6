/**
 * What the TreeEnsembleRegressor exporters (isolation forest, ECOD) share: the node lists and their
 * attributes, the ai.onnx.ml opset option and the final checked model; and an isolation forest's node
 * lists from its checkpoint arrays.
 */
import { FormatError, InvalidOptionError } from '../errors.js';
import type { ForestArrays, IsolationForestMeta } from '../iforest/index.js';
import { averagePathLength } from '../tensor/index.js';
import { attrFloats, attrInt, attrInts, attrStrings, type AttributeValue } from './attributes.js';
import { checkModel } from './check-model.js';
import { floatThresholdBelow } from './export-float-threshold.js';
import { type ExportOptions, type ResolvedExportOptions, resolveExportOptions } from './export-options.js';
import type { GraphBuilder } from './graph-builder.js';
import { makeModel } from './make-model.js';
import type { onnx } from './proto.js';

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

/** Options of the tree-ensemble exporters. */
export interface TreeExportOptions extends ExportOptions {
  /** ai.onnx.ml opset imported, 1 to 3 (TreeEnsembleRegressor exists in all); default 3 */
  mlOpset?: number;
  /** written as the model's metadata_props (see modelMetadata); default none */
  metadata?: Readonly<Record<string, string>>;
}

/** {@link TreeExportOptions} checked, with defaults filled in. */
export interface ResolvedTreeExportOptions extends ResolvedExportOptions {
  mlOpset: number;
}

/**
 * resolveExportOptions plus the ai.onnx.ml opset.
 * @throws InvalidOptionError for a bad shared option or an mlOpset outside [1, 3]
 */
export function resolveTreeExportOptions(options: TreeExportOptions, where: string): ResolvedTreeExportOptions {
  const resolved = resolveExportOptions(options, where);
  const mlOpset = options.mlOpset ?? 3;
  if (!Number.isInteger(mlOpset) || mlOpset < 1 || mlOpset > 3) {
    throw new InvalidOptionError(`${where}: mlOpset must be an integer in [1, 3], got ${mlOpset}`, 'mlOpset');
  }
  return { ...resolved, mlOpset };
}

/**
 * The model around a finished graph (default-domain and ai.onnx.ml opsets, metadata), checked.
 * @throws InvalidOptionError for a bad metadata value; the errors of checkModel
 */
export function treeModel(b: GraphBuilder, resolved: ResolvedTreeExportOptions, metadata?: Readonly<Record<string, string>>): onnx.ModelProto {
  const model = makeModel(b.build(), {
    irVersion: resolved.irVersion,
    opsets: [{ domain: '', version: resolved.opset }],
    mlOpset: resolved.mlOpset,
    ...(metadata !== undefined ? { metadataProps: metadata } : {}),
  });
  checkModel(model);
  return model;
}

/** Appends leaf `node` of tree `tree` with its one target weight. */
export function pushLeaf(out: TreeEnsembleNodes, tree: number, node: number, weight: number): void {
  out.treeIds.push(tree);
  out.nodeIds.push(node);
  out.featureIds.push(0);
  out.modes.push('LEAF');
  out.values.push(0);
  out.trueIds.push(0);
  out.falseIds.push(0);
  out.targetTreeIds.push(tree);
  out.targetNodeIds.push(node);
  out.targetIds.push(0);
  out.targetWeights.push(weight);
}

/** Appends branch `node` of tree `tree`: `x[feature] <= threshold` goes to `trueId`, else `falseId`. */
export function pushBranch(out: TreeEnsembleNodes, tree: number, node: number, split: { feature: number; threshold: number; trueId: number; falseId: number }): void {
  out.treeIds.push(tree);
  out.nodeIds.push(node);
  out.featureIds.push(split.feature);
  out.modes.push('BRANCH_LEQ');
  out.values.push(floatThresholdBelow(split.threshold));
  out.trueIds.push(split.trueId);
  out.falseIds.push(split.falseId);
}

/** Empty node lists for `nTrees` trees. */
export function emptyTreeNodes(nTrees: number): TreeEnsembleNodes {
  return {
    nTrees, treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [],
    targetTreeIds: [], targetNodeIds: [], targetIds: [], targetWeights: [],
  };
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
  const out = emptyTreeNodes(nTrees);
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
      if (l === -1 && r === -1) {
        const n = a.nNodeSamples[g]!;
        if (!(n >= 1)) bad(`${label} nNodeSamples must be >= 1, got ${n}`);
        pushLeaf(out, t, p, depth[p]! + averagePathLength(n));
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
      pushBranch(out, t, p, { feature: a.features[t * maxFeatures + f]!, threshold: thr, trueId: placed, falseId: placed + 1 });
      order[placed] = l;
      order[placed + 1] = r;
      depth[placed] = depth[placed + 1] = depth[p]! + 1;
      placed += 2;
    }
    if (placed !== count) bad(`tree ${t} nodes must all be reachable from the root, got ${placed} of ${count}`);
  }
  return out;
}

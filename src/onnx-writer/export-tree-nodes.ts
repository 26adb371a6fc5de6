/**
 * What the TreeEnsembleRegressor exporters (isolation forest, ECOD) share: the node lists and their
 * attributes, the ai.onnx.ml opset option and the final checked model; and an isolation forest's node
 * lists from its checkpoint arrays.
 */
import { FormatError, InvalidOptionError } from '../errors.js';
import { checkForestShape, compileForest, type ForestArrays, type ForestShape } from '../model-spec/index.js';
import { attrFloats, attrInt, attrInts, attrStrings, checkModel, makeModel, type AttributeValue, type GraphBuilder, type onnx } from '../onnx/index.js';
import { floatThresholdBelow } from '../tensor/index.js';
import { type ExportOptions, type ResolvedExportOptions, resolveExportOptions } from './export-options.js';

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
 * The nodes of every tree in the breadth-first order of the compiled forest (`compileForest`, the one
 * checker of forest arrays), renumbered 0, 1, … per tree, so each tree's root comes first as
 * onnxruntime expects. Branches: BRANCH_LEQ on the node's column of X with threshold
 * floatThresholdBelow(threshold), true = left child. Leaves: weight `depth + c(nNodeSamples)`, the
 * path length the leaf contributes.
 * @throws FormatError for arrays or sizes that do not describe a valid forest (see compileForest)
 */
export function treeEnsembleNodes(a: ForestArrays, meta: ForestShape, where: string): TreeEnsembleNodes {
  if (typeof a !== 'object' || a === null || typeof meta !== 'object' || meta === null) {
    throw new FormatError(`${where}: forest must be { arrays, meta } from IsolationForest.toArrays(), got ${String(a)} and ${String(meta)}`, 'isolation forest');
  }
  checkForestShape(meta, where);
  const { roots, firstChild, column, threshold, leafValue } = compileForest(a, meta, where);
  const nTrees = roots.length;
  const out = emptyTreeNodes(nTrees);
  for (let t = 0; t < nTrees; t++) {
    const root = roots[t]!;
    const end = t + 1 < nTrees ? roots[t + 1]! : firstChild.length;
    for (let g = root; g < end; g++) {
      const p = g - root;
      if (firstChild[g]! < 0) {
        pushLeaf(out, t, p, leafValue[g]!);
        continue;
      }
      pushBranch(out, t, p, { feature: column[g]!, threshold: threshold[g]!, trueId: firstChild[g]! - root, falseId: firstChild[g]! - root + 1 });
    }
  }
  return out;
}

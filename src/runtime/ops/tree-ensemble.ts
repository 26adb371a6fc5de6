/**
 * TreeEnsembleRegressor (ai.onnx.ml 1-3): trees flattened at plan time into typed arrays (feature,
 * threshold, mode, children, leaf weights in CSR form); each row walks every tree from its root.
 * Aggregates SUM, AVERAGE, MIN, MAX; post_transform NONE only. Every attribute length, and
 * `n_targets`, is checked against the node and target arrays, and the flat arrays are reserved in the
 * plan's budget, before anything is allocated.
 * https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsembleRegressor.html
 */
import { FormatError, ShapeError, UnsupportedOpError, fmtShape } from '../../errors.js';
import { onnx } from '../../onnx/reader.js';
import { attributeTensor, need, needDType, newScratch, newValue, type OpArgs, type OpPlan } from './types.js';
import { walkTrees, type Forest } from './tree-walk.js';
import { wasmForestLinks, type ForestAttributes, type ForestLinks } from '../forest-links-wasm.js';
import { WASM_LOAD_MIN } from '../load-gate.js';

const MODES = ['LEAF', 'BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ'];
const AGGREGATES = ['SUM', 'AVERAGE', 'MIN', 'MAX'];

const NO_INTS = new Float64Array(0);
const NO_FLOATS = new Float32Array(0);

/** A float list attribute or its `_as_tensor` twin, read in place (no copy of a forest-sized array). */
function floatsOrTensor(args: OpArgs, name: string): ArrayLike<number> {
  const t = attributeTensor(args, `${name}_as_tensor`);
  if (t) return t.data;
  return args.attrs.floatArray(name) ?? NO_FLOATS;
}

/** Tree and node ids must be integers in [0, 2^26) (67M nodes per tree, far beyond any exported forest). */
const ID_LIMIT = 2 ** 26;
const isId = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < ID_LIMIT;

/**
 * Node (tree, id) → flat index, keyed by the one exact number tree * stride + id with stride = 1 + the
 * largest node id (< 2^52 for ids below 2^26), not a string per node. When the keys fill most of
 * their range (every exporter we know numbers a tree's nodes 0, 1, 2, ...), the index is an array
 * over it, -1 where no node is: for a 12,432-node forest a 200 kB Int32Array built and read in a few
 * milliseconds, where a Map took ~4 ms and its hashing most of the plan's lookups (docs/edge.md).
 * Otherwise a Map; a small forest's keys stay below 2^31, small integers that V8 neither boxes nor
 * hashes as doubles.
 */
interface NodeIndex {
  dense: Int32Array | null;
  flat: Map<number, number> | null;
  stride: number;
}

/** Dense keys may span up to this many slots per node (plus a small forest's slack) before a Map is used. */
const DENSE_SLOTS_PER_NODE = 4;

function indexNodes(treeIds: ArrayLike<number>, nodeIds: ArrayLike<number>): NodeIndex {
  let stride = 1;
  let trees = 1;
  for (let i = 0; i < nodeIds.length; i++) {
    if (nodeIds[i]! >= stride) stride = nodeIds[i]! + 1;
    if (treeIds[i]! >= trees) trees = treeIds[i]! + 1;
  }
  if (trees * stride <= DENSE_SLOTS_PER_NODE * nodeIds.length + 1024) {
    const dense = new Int32Array(trees * stride).fill(-1);
    for (let i = 0; i < treeIds.length; i++) dense[treeIds[i]! * stride + nodeIds[i]!] = i;
    return { dense, flat: null, stride };
  }
  const flat = new Map<number, number>();
  for (let i = 0; i < treeIds.length; i++) flat.set(treeIds[i]! * stride + nodeIds[i]!, i);
  return { dense: null, flat, stride };
}

/** The flat index of node `id` of tree `tree`, or undefined (also for ids no node has). */
function lookup(index: NodeIndex, tree: number, id: number): number | undefined {
  if (!isId(tree) || !isId(id) || id >= index.stride) return undefined;
  const key = tree * index.stride + id;
  if (index.dense === null) return index.flat!.get(key);
  const at = key < index.dense.length ? index.dense[key]! : -1;
  return at >= 0 ? at : undefined;
}

function checkIds(ids: ArrayLike<number>, name: string, where: string): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!isId(v)) throw new FormatError(`${where}: ${name} must be integers in [0, 2^26), got ${v} at index ${i}`);
  }
}

export function planTreeEnsembleRegressor(args: OpArgs): OpPlan {
  const X = need(args, 0, 'X');
  needDType(args, X, 'X', ['float32', 'float64', 'int64', 'int32']);
  const A = args.attrs;
  const where = args.where;
  const post = A.string('post_transform', 'NONE');
  A.refuse('post_transform', ['NONE'], post, args.opType);
  const agg = A.string('aggregate_function', 'SUM');
  A.refuse('aggregate_function', AGGREGATES, agg, args.opType);
  const treeIds = A.intArray('nodes_treeids') ?? NO_INTS;
  const nodeIds = A.intArray('nodes_nodeids') ?? NO_INTS;
  const n = treeIds.length;
  const features = A.intArray('nodes_featureids') ?? NO_INTS;
  const values = floatsOrTensor(args, 'nodes_values');
  const modes = A.codes('nodes_modes', MODES) ?? new Uint8Array(0);
  const trueIds = A.intArray('nodes_truenodeids') ?? NO_INTS;
  const falseIds = A.intArray('nodes_falsenodeids') ?? NO_INTS;
  const missing = A.intArray('nodes_missing_value_tracks_true') ?? NO_INTS;
  for (const [name, arr] of [['nodes_nodeids', nodeIds], ['nodes_featureids', features], ['nodes_values', values], ['nodes_modes', modes], ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds]] as const) {
    if (arr.length !== n) throw new FormatError(`${where}: attribute ${name} must have ${n} entries (one per node), got ${arr.length}`);
  }
  if (missing.length !== 0 && missing.length !== n) {
    throw new FormatError(`${where}: attribute nodes_missing_value_tracks_true must be absent or have ${n} entries (one per node), got ${missing.length}`);
  }
  const targets = readTargets(args);
  const nTargets = A.int('n_targets', 1);
  const base = A.floats('base_values') ?? [];
  // Every target needs a leaf weight or a base value, so n_targets cannot exceed what the arrays hold.
  const maxTargets = Math.max(1, targets.ids.length, base.length);
  if (!Number.isSafeInteger(nTargets) || nTargets < 1 || nTargets > maxTargets) {
    throw new FormatError(`${where}: n_targets must be an integer in [1, ${maxTargets}] (at most one target per target_ids or base_values entry), got ${nTargets}`);
  }
  if (base.length !== 0 && base.length !== nTargets) {
    throw new FormatError(`${where}: base_values must have n_targets=${nTargets} entries, got ${base.length}`);
  }
  const unknownMode = modes.indexOf(onnx.NO_CODE);
  if (unknownMode >= 0) {
    throw new UnsupportedOpError(`${where}: nodes_modes must be one of ${MODES.join(', ')}, got ${A.strings('nodes_modes')![unknownMode]}`, args.opType);
  }
  args.budget.reserve(n * FOREST_BYTES_PER_NODE + targets.ids.length * FOREST_BYTES_PER_TARGET, where, `flattened forest of ${n} nodes and ${targets.ids.length} target weights`);
  const nFeatures = X.shape.length === 2 ? X.shape[1]! : X.shape.length === 1 ? X.shape[0]! : -1;
  const attributes: ForestAttributes = {
    treeIds, nodeIds, features, modes, trueIds, falseIds, nFeatures, nTargets,
    targetTrees: targets.trees, targetNodes: targets.nodes, targetIds: targets.ids, targetWeights: targets.weights,
  };
  // The same tables from the loader's WebAssembly when it takes this forest (docs/edge.md, "The forest").
  const links = (n >= WASM_LOAD_MIN ? wasmForestLinks(attributes) : null) ?? linkForest(args, attributes);
  const forest: Forest = {
    ...links,
    feature: Int32Array.from(features),
    threshold: Float64Array.from(values),
    mode: modes,
    missingTrue: missingFlags(missing, n),
  };
  const rows = X.shape.length === 2 ? X.shape[0]! : 1;
  const Y = newValue(args, 'float32', [rows, nTargets]);
  const baseValues = newScratch(args, nTargets);
  baseValues.set(base);
  const cfg = { rows, nFeatures, nTargets, aggregate: agg, base: baseValues };
  return { outputs: [Y], run: walkTrees(forest, X.data, Y.data, cfg) };
}

/**
 * The JavaScript plan of the forest's links and leaf table, the reference the WebAssembly one
 * (../forest-links-wasm.ts) must equal: ids checked, nodes indexed, each branch's feature and children
 * checked, the roots, the cycle check and the leaf weights in CSR form.
 * @throws FormatError for an id out of range, a missing child or leaf, a revisited node or no root
 * @throws ShapeError when X is not rank 1 or 2, or a feature index lies outside its rows
 */
function linkForest(args: OpArgs, a: ForestAttributes): ForestLinks {
  const { treeIds, nodeIds, features, modes, trueIds, falseIds, nFeatures } = a;
  const where = args.where;
  const n = modes.length;
  checkIds(treeIds, 'nodes_treeids', where);
  checkIds(nodeIds, 'nodes_nodeids', where);
  const nodes = indexNodes(treeIds, nodeIds);
  const X = args.inputs[0]!;
  if (nFeatures < 0) throw new ShapeError(`${where}: X must have rank 1 or 2, got ${fmtShape(X.shape)}`, args.opType);
  const links: ForestLinks = {
    trueChild: new Int32Array(n),
    falseChild: new Int32Array(n),
    roots: new Int32Array(0),
    leafStart: new Int32Array(n + 1),
    leafTarget: new Int32Array(0),
    leafWeight: new Float64Array(0),
  };
  const isChild = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (modes[i] === 0) continue;
    if (features[i]! < 0 || features[i]! >= nFeatures) {
      throw new ShapeError(`${where}: nodes_featureids must lie in [0, ${nFeatures - 1}] for X ${fmtShape(X.shape)}, got ${features[i]}`, args.opType);
    }
    links.trueChild[i] = childIndex(nodes, treeIds[i]!, trueIds[i]!, where);
    links.falseChild[i] = childIndex(nodes, treeIds[i]!, falseIds[i]!, where);
    isChild[links.trueChild[i]!] = 1;
    isChild[links.falseChild[i]!] = 1;
  }
  const rootOf = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!isChild[i] && !rootOf.has(treeIds[i]!)) rootOf.set(treeIds[i]!, i);
  links.roots = Int32Array.from(rootOf.values());
  checkAcyclic(links, modes, where);
  buildLeaves(args, links, { nodes, a });
  return links;
}

/**
 * Typed arrays per node: feature, true/false child, leaf start (Int32), threshold (Float64), mode,
 * missing, two marks (Uint8), the fast walk's packed copy (four 32-bit words, tree-walk.ts) and its
 * WebAssembly copy in the kernel heap (a 16-byte record and a float64 weight).
 */
const FOREST_BYTES_PER_NODE = 4 * 4 + 8 + 4 * 1 + 16 + 16 + 8;
/** Typed arrays per target weight: leaf index and target id (Int32), weight (Float64). */
const FOREST_BYTES_PER_TARGET = 2 * 4 + 8;

/** nodes_missing_value_tracks_true as 0/1 per node (all 0 when absent). */
function missingFlags(missing: ArrayLike<number>, n: number): Uint8Array {
  const flags = new Uint8Array(n);
  for (let i = 0; i < missing.length; i++) if (missing[i]) flags[i] = 1;
  return flags;
}

/** The flat index of a child node. @throws FormatError when the tree has no such node */
function childIndex(nodes: NodeIndex, tree: number, id: number, where: string): number {
  const c = lookup(nodes, tree, id);
  if (c === undefined) throw new FormatError(`${where}: child node ${id} of tree ${tree} must exist, got no such node`);
  return c;
}

interface Targets {
  trees: ArrayLike<number>;
  nodes: ArrayLike<number>;
  ids: ArrayLike<number>;
  weights: ArrayLike<number>;
}

/** The target_* attributes. @throws FormatError unless they have equal lengths */
function readTargets(args: OpArgs): Targets {
  const t: Targets = {
    trees: args.attrs.intArray('target_treeids') ?? NO_INTS,
    nodes: args.attrs.intArray('target_nodeids') ?? NO_INTS,
    ids: args.attrs.intArray('target_ids') ?? NO_INTS,
    weights: floatsOrTensor(args, 'target_weights'),
  };
  const m = t.trees.length;
  if (t.nodes.length !== m || t.ids.length !== m || t.weights.length !== m) {
    throw new FormatError(`${args.where}: target_* attributes must have equal lengths, got ${m}, ${t.nodes.length}, ${t.ids.length}, ${t.weights.length}`);
  }
  return t;
}

function buildLeaves(args: OpArgs, forest: ForestLinks, ctx: { nodes: NodeIndex; a: ForestAttributes }): void {
  const { targetTrees: tTrees, targetNodes: tNodes, targetIds: tIds, targetWeights: tWeights, nTargets } = ctx.a;
  const m = tTrees.length;
  const node = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const f = lookup(ctx.nodes, tTrees[j]!, tNodes[j]!);
    if (f === undefined || tIds[j]! < 0 || tIds[j]! >= nTargets) {
      throw new FormatError(`${args.where}: target ${j} must name an existing leaf and a target id in [0, ${nTargets - 1}], got tree ${tTrees[j]} node ${tNodes[j]} target ${tIds[j]}`);
    }
    node[j] = f;
    forest.leafStart[f + 1]++;
  }
  for (let i = 0; i + 1 < forest.leafStart.length; i++) forest.leafStart[i + 1]! += forest.leafStart[i]!;
  const fill = forest.leafStart.slice(0, -1);
  forest.leafTarget = new Int32Array(m);
  forest.leafWeight = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const at = fill[node[j]!]!++;
    forest.leafTarget[at] = tIds[j]!;
    forest.leafWeight[at] = tWeights[j]!;
  }
}

/** Every tree must be a tree: walking from its root never revisits a node. */
function checkAcyclic(forest: ForestLinks, mode: Uint8Array, where: string): void {
  const n = mode.length;
  const seen = new Uint8Array(n);
  const stack: number[] = [];
  for (const r of forest.roots) {
    stack.push(r);
    while (stack.length) {
      const i = stack.pop()!;
      if (seen[i]) throw new FormatError(`${where}: trees must not share or revisit nodes, got node index ${i} reached twice`);
      seen[i] = 1;
      if (mode[i] !== 0) stack.push(forest.trueChild[i]!, forest.falseChild[i]!);
    }
  }
  if (n > 0 && forest.roots.length === 0) throw new FormatError(`${where}: each tree must have a root, got a cycle through every node`);
}

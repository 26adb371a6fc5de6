/**
 * The flat-array form of a fitted forest (the checkpoint layout, scikit-learn's `tree_` arrays
 * concatenated) and its compiled scoring form.
 */
import { FormatError } from '../errors.js';
import { averagePathLength } from '../tensor/index.js';
import type { ResolvedOptions } from './options.js';

/** The JSON-able metadata stored beside {@link ForestArrays} in a checkpoint. */
export interface IsolationForestMeta {
  format: 'dadm.isolation-forest';
  version: 1;
  /** The options the forest was built with (every default filled in). */
  options: ResolvedOptions;
  /** Columns of X at fit (scikit-learn's `n_features_in_`). */
  nFeaturesIn: number;
  /** Rows each tree was grown on (scikit-learn's `max_samples_`); scores divide by c(maxSamples). */
  maxSamples: number;
  /** Columns each tree sees (scikit-learn's `max_features_`): the row length of `features`. */
  maxFeatures: number;
  /** decisionFunction = scoreSamples - offset (scikit-learn's `offset_`). */
  offset: number;
}

/**
 * A forest as flat typed arrays: scikit-learn's per-tree `tree_` arrays concatenated, tree `t`
 * owning node rows `nodeOffsets[t] .. nodeOffsets[t + 1] - 1`. Child indices are local to their
 * tree (node 0 is each tree's root), as in scikit-learn.
 */
export interface ForestArrays {
  /** [nTrees + 1] start of each tree's nodes; the last entry is the total node count. */
  nodeOffsets: Int32Array;
  /** [nNodes] tree-local index of the left child (`x <= threshold`), -1 at leaves. */
  childrenLeft: Int32Array;
  /** [nNodes] tree-local index of the right child, -1 at leaves. */
  childrenRight: Int32Array;
  /** [nNodes] split feature as an index into the tree's row of `features`, -2 at leaves. */
  feature: Int32Array;
  /** [nNodes] split threshold, compared as `float64(x_float32) <= threshold`; -2 at leaves. */
  threshold: Float64Array;
  /** [nNodes] training rows that reached the node. */
  nNodeSamples: Int32Array;
  /** [nTrees, maxFeatures] row-major: the columns of X each tree sees, in the order it indexes them. */
  features: Int32Array;
}

/**
 * The scoring form: every tree re-laid out breadth-first so that a node's two children are adjacent
 * (right = left + 1), features already mapped to columns of X, and each leaf's
 * `depth + c(nNodeSamples)` precomputed.
 */
export interface CompiledForest {
  /** [nTrees] global index of each tree's root. */
  roots: Int32Array;
  /** [nNodes] global index of the left child (the right child follows it), -1 at leaves. */
  firstChild: Int32Array;
  /** [nNodes] column of X tested at the node. */
  column: Int32Array;
  /** [nNodes] split threshold. */
  threshold: Float64Array;
  /** [nNodes] at leaves: depth + c(nNodeSamples), the path length the leaf contributes. */
  leafValue: Float64Array;
}

/** One tree's node arrays (scikit-learn's `tree_` fields), all of the tree's node count. */
export interface TreeNodes {
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  nNodeSamples: Int32Array;
}

/**
 * Concatenates per-tree node arrays into {@link ForestArrays}: tree `t`'s nodes land at rows
 * `nodeOffsets[t] ..`, child indices stay tree-local. `features` ([nTrees, maxFeatures]) is taken,
 * not copied. Trusts its caller: within a tree every array has the same length.
 */
export function concatTrees(trees: readonly TreeNodes[], features: Int32Array): ForestArrays {
  const nodeOffsets = new Int32Array(trees.length + 1);
  for (let t = 0; t < trees.length; t++) nodeOffsets[t + 1] = nodeOffsets[t]! + trees[t]!.left.length;
  const n = nodeOffsets[trees.length]!;
  const a: ForestArrays = {
    nodeOffsets,
    childrenLeft: new Int32Array(n),
    childrenRight: new Int32Array(n),
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    nNodeSamples: new Int32Array(n),
    features,
  };
  for (let t = 0; t < trees.length; t++) {
    const g = trees[t]!;
    const off = nodeOffsets[t]!;
    a.childrenLeft.set(g.left, off);
    a.childrenRight.set(g.right, off);
    a.feature.set(g.feature, off);
    a.threshold.set(g.threshold, off);
    a.nNodeSamples.set(g.nNodeSamples, off);
  }
  return a;
}

const INT_FIELDS = ['nodeOffsets', 'childrenLeft', 'childrenRight', 'feature', 'nNodeSamples', 'features'] as const;

/**
 * A deep copy of `a`, checking that every field is the typed array the layout names.
 * @throws FormatError for a missing field or a wrong array type.
 */
export function copyForestArrays(a: ForestArrays): ForestArrays {
  if (typeof a !== 'object' || a === null) bad('arrays', `must be an object of typed arrays, got ${String(a)}`);
  for (const name of INT_FIELDS) {
    if (!(a[name] instanceof Int32Array)) bad(name, `must be an Int32Array, got ${Object.prototype.toString.call(a[name])}`);
  }
  if (!(a.threshold instanceof Float64Array)) bad('threshold', `must be a Float64Array, got ${Object.prototype.toString.call(a.threshold)}`);
  return {
    nodeOffsets: a.nodeOffsets.slice(),
    childrenLeft: a.childrenLeft.slice(),
    childrenRight: a.childrenRight.slice(),
    feature: a.feature.slice(),
    threshold: a.threshold.slice(),
    nNodeSamples: a.nNodeSamples.slice(),
    features: a.features.slice(),
  };
}

function bad(where: string, what: string): never {
  throw new FormatError(`IsolationForest.fromArrays: ${where} ${what}`, 'isolation forest');
}

/**
 * Checks `a` (lengths, index ranges, one root-reachable binary tree per entry of `nodeOffsets`)
 * and builds the {@link CompiledForest}. Any node order is accepted.
 * @throws FormatError when the arrays do not describe valid trees.
 */
export function compileForest(a: ForestArrays, nFeaturesIn: number, maxFeatures: number): CompiledForest {
  const nTrees = a.nodeOffsets.length - 1;
  if (nTrees < 1 || a.nodeOffsets[0] !== 0) bad('nodeOffsets', `must start with 0 and hold at least 2 entries, got length ${a.nodeOffsets.length}`);
  const nNodes = a.nodeOffsets[nTrees]!;
  for (const [name, arr] of [['childrenLeft', a.childrenLeft], ['childrenRight', a.childrenRight], ['feature', a.feature],
    ['threshold', a.threshold], ['nNodeSamples', a.nNodeSamples]] as const) {
    if (arr.length !== nNodes) bad(name, `must have nodeOffsets[nTrees] = ${nNodes} entries, got ${arr.length}`);
  }
  if (a.features.length !== nTrees * maxFeatures) {
    bad('features', `must have nTrees * maxFeatures = ${nTrees * maxFeatures} entries, got ${a.features.length}`);
  }
  for (let i = 0; i < a.features.length; i++) {
    const c = a.features[i]!;
    if (!(c >= 0 && c < nFeaturesIn)) bad(`features[${i}]`, `must be a column in [0, ${nFeaturesIn}), got ${c}`);
  }
  const out: CompiledForest = {
    roots: new Int32Array(nTrees),
    firstChild: new Int32Array(nNodes),
    column: new Int32Array(nNodes),
    threshold: new Float64Array(nNodes),
    leafValue: new Float64Array(nNodes),
  };
  const order = new Int32Array(nNodes);
  const depth = new Int32Array(nNodes);
  const seen = new Uint8Array(nNodes);
  for (let t = 0; t < nTrees; t++) {
    const off = a.nodeOffsets[t]!;
    const count = a.nodeOffsets[t + 1]! - off;
    if (!(count >= 1)) bad(`tree ${t}`, `must have at least 1 node, got ${count}`);
    out.roots[t] = off;
    // Breadth-first relayout: order[off + i] is the old local id of new node off + i.
    order[off] = 0;
    seen[off] = 1;
    depth[off] = 0;
    let placed = 1;
    for (let i = 0; i < placed; i++) {
      const g = off + i;
      const old = off + order[g]!;
      const l = a.childrenLeft[old]!;
      const r = a.childrenRight[old]!;
      const n = a.nNodeSamples[old]!;
      if (!(n >= 1)) bad(`tree ${t} node ${order[g]}`, `nNodeSamples must be >= 1, got ${n}`);
      if (l === -1 && r === -1) {
        out.firstChild[g] = -1;
        out.column[g] = -2;
        out.threshold[g] = -2;
        out.leafValue[g] = depth[g]! + averagePathLength(n);
        continue;
      }
      for (const child of [l, r]) {
        if (!(child >= 0 && child < count)) bad(`tree ${t} node ${order[g]}`, `children must be -1 (both) or in [0, ${count}), got ${l} and ${r}`);
        if (seen[off + child]) bad(`tree ${t} node ${child}`, 'must be reached once from the root, got a second parent');
        seen[off + child] = 1;
      }
      const f = a.feature[old]!;
      if (!(f >= 0 && f < maxFeatures)) bad(`tree ${t} node ${order[g]}`, `feature must be in [0, ${maxFeatures}), got ${f}`);
      const thr = a.threshold[old]!;
      if (Number.isNaN(thr)) bad(`tree ${t} node ${order[g]}`, 'threshold must be a number, got NaN');
      out.firstChild[g] = off + placed;
      out.column[g] = a.features[t * maxFeatures + f]!;
      out.threshold[g] = thr;
      order[off + placed] = l;
      order[off + placed + 1] = r;
      depth[off + placed] = depth[off + placed + 1] = depth[g]! + 1;
      placed += 2;
    }
    if (placed !== count) bad(`tree ${t}`, `nodes must all be reachable from the root, got ${placed} of ${count}`);
  }
  return out;
}

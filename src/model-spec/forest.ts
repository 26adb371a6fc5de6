/**
 * The isolation forest as plain data: the flat-array form of a fitted forest (the checkpoint layout,
 * scikit-learn's `tree_` arrays concatenated), its compiled scoring form, and the one checker that
 * turns the first into the second. The forest (src/iforest), the explainer's structured path and the
 * ONNX exporter all read these shapes.
 */
import { FormatError } from '../errors.js';
import { averagePathLength } from './average-path-length.js';

export { averagePathLength };

/** The sizes a forest's arrays are read against (part of the checkpoint metadata). */
export interface ForestShape {
  /** Columns of X at fit (scikit-learn's `n_features_in_`). */
  nFeaturesIn: number;
  /** Columns each tree sees (scikit-learn's `max_features_`): the row length of `features`. */
  maxFeatures: number;
  /** Rows each tree was grown on (scikit-learn's `max_samples_`); scores divide by c(maxSamples). */
  maxSamples: number;
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

/**
 * Checks the sizes of a forest: nFeaturesIn >= 1, 1 <= maxFeatures <= nFeaturesIn, maxSamples >= 2.
 * @throws FormatError `"<where>: meta.maxSamples must be an integer >= 2, got 1"`
 */
export function checkForestShape(shape: ForestShape, where: string): void {
  const intAtLeast = (name: keyof ForestShape, min: number): void => {
    const v = shape[name];
    if (!(Number.isSafeInteger(v) && v >= min)) throw new FormatError(`${where}: meta.${name} must be an integer >= ${min}, got ${v}`, 'isolation forest');
  };
  intAtLeast('nFeaturesIn', 1);
  intAtLeast('maxSamples', 2);
  intAtLeast('maxFeatures', 1);
  if (shape.maxFeatures > shape.nFeaturesIn) {
    throw new FormatError(`${where}: meta.maxFeatures must be <= nFeaturesIn (${shape.nFeaturesIn}), got ${shape.maxFeatures}`, 'isolation forest');
  }
}

/** `nTrees · c(maxSamples)`: the anomaly score is `2^(-sum of path lengths / this)`. */
export function pathLengthDenominator(nTrees: number, maxSamples: number): number {
  return nTrees * averagePathLength(maxSamples);
}

/**
 * The one checker of forest arrays: checks `a` (lengths, index ranges, one root-reachable binary tree
 * per entry of `nodeOffsets`) and builds the {@link CompiledForest}. Any node order is accepted.
 * @param where leads every message, e.g. `IsolationForest.fromArrays`
 * @throws FormatError `"<where>: tree 0 node 3 children must be -1 (both) or in [0, 7), got 9 and 10"`
 */
export function compileForest(a: ForestArrays, shape: Pick<ForestShape, 'nFeaturesIn' | 'maxFeatures'>, where: string): CompiledForest {
  const { nFeaturesIn, maxFeatures } = shape;
  const bad = (what: string, why: string): never => {
    throw new FormatError(`${where}: ${what} ${why}`, 'isolation forest');
  };
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

/**
 * Growing isolation trees (Liu, Ting & Zhou 2008, https://doi.org/10.1109/ICDM.2008.17) with
 * scikit-learn's `ExtraTreeRegressor(max_features=1, splitter='random')` split rule.
 */
import type { Random } from '../tensor/index.js';
import type { ForestArrays } from '../model-spec/index.js';
import { type TreeNodes, concatTrees } from './forest-arrays.js';
import type { ForestSizes, ResolvedOptions } from './options.js';

/** scikit-learn's FEATURE_THRESHOLD: a feature whose range at a node is <= this counts as constant. */
const FEATURE_THRESHOLD = 1e-7;

/**
 * Grows one tree at a time into node arrays reused across trees; node 0 is the root, children are
 * allocated in pairs.
 */
class TreeGrower {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly nNodeSamples: Int32Array;
  nodeCount = 0;
  private readonly candidates: Int32Array;
  private readonly maxDepth: number;
  private rows: Int32Array = new Int32Array(0);
  private treeColumns: Int32Array = new Int32Array(0);

  constructor(
    private readonly x: Float32Array,
    private readonly cols: number,
    sizes: ForestSizes,
    private readonly rng: Random,
  ) {
    this.maxDepth = sizes.maxDepth;
    // A binary tree whose leaves hold >= 1 row each has at most 2 * rows - 1 nodes.
    const cap = 2 * sizes.maxSamples - 1;
    this.left = new Int32Array(cap);
    this.right = new Int32Array(cap);
    this.feature = new Int32Array(cap);
    this.threshold = new Float64Array(cap);
    this.nNodeSamples = new Int32Array(cap);
    this.candidates = new Int32Array(sizes.maxFeatures);
  }

  /** Grows a tree on `rows` (indices into x, reordered in place) using `treeColumns`. */
  grow(rows: Int32Array, treeColumns: Int32Array): void {
    this.rows = rows;
    this.treeColumns = treeColumns;
    this.nodeCount = 1;
    this.growNode(0, 0, this.rows.length, 0);
  }

  private growNode(node: number, start: number, end: number, depth: number): void {
    this.nNodeSamples[node] = end - start;
    if (end - start <= 1 || depth >= this.maxDepth || !this.split(node, start, end, depth)) {
      this.left[node] = -1;
      this.right[node] = -1;
      this.feature[node] = -2;
      this.threshold[node] = -2;
    }
  }

  /**
   * Draws features uniformly without replacement until one is not constant on the node's rows
   * (scikit-learn's RandomSplitter with max_features=1), splits at a uniform threshold in
   * [min, max) and grows both children. Returns false (a leaf) when every feature is constant.
   */
  private split(node: number, start: number, end: number, depth: number): boolean {
    const { x, cols, rows, candidates, rng } = this;
    let remaining = candidates.length;
    for (let i = 0; i < remaining; i++) candidates[i] = i;
    while (remaining > 0) {
      const j = rng.int(0, remaining);
      const f = candidates[j]!;
      const col = this.treeColumns[f]!;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        const v = x[rows[i]! * cols + col]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi <= lo + FEATURE_THRESHOLD) {
        candidates[j] = candidates[--remaining]!;
        continue;
      }
      let thr = lo + (hi - lo) * rng.next();
      if (thr === hi) thr = lo; // as scikit-learn: keep the right side non-empty after rounding
      // Partition rows[start:end] so that rows with x <= thr come first.
      let i = start;
      let k = end - 1;
      while (i <= k) {
        if (x[rows[i]! * cols + col]! <= thr) {
          i++;
        } else {
          const t = rows[i]!;
          rows[i] = rows[k]!;
          rows[k--] = t;
        }
      }
      const l = this.nodeCount;
      this.nodeCount += 2;
      this.left[node] = l;
      this.right[node] = l + 1;
      this.feature[node] = f;
      this.threshold[node] = thr;
      this.growNode(l, start, i, depth + 1);
      this.growNode(l + 1, i, end, depth + 1);
      return true;
    }
    return false;
  }
}

/**
 * Fits `o.nEstimators` isolation trees on `x` ([rows, cols] row-major, finite) and returns them
 * in the checkpoint layout. Per tree: draw the column subset, then the rows, then grow.
 */
export function fitForest(
  x: Float32Array,
  shape: readonly [number, number],
  o: ResolvedOptions,
  sizes: ForestSizes,
  rng: Random,
): ForestArrays {
  const [nRows, cols] = shape;
  const { maxSamples, maxFeatures } = sizes;
  const features = new Int32Array(o.nEstimators * maxFeatures);
  // Partial Fisher–Yates over a pool that is never reset: any permutation is a valid start.
  const rowPool = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) rowPool[i] = i;
  const treeRows = new Int32Array(maxSamples);
  const grower = new TreeGrower(x, cols, sizes, rng);
  const parts: TreeNodes[] = [];
  for (let t = 0; t < o.nEstimators; t++) {
    const treeColumns = features.subarray(t * maxFeatures, (t + 1) * maxFeatures);
    if (maxFeatures === cols) {
      for (let c = 0; c < cols; c++) treeColumns[c] = c;
    } else {
      treeColumns.set(rng.sampleWithoutReplacement(cols, maxFeatures));
    }
    for (let i = 0; i < maxSamples; i++) {
      if (o.bootstrap) {
        treeRows[i] = rng.int(0, nRows);
      } else {
        const j = rng.int(i, nRows);
        const v = rowPool[j]!;
        rowPool[j] = rowPool[i]!;
        rowPool[i] = v;
        treeRows[i] = v;
      }
    }
    grower.grow(treeRows, treeColumns);
    const m = grower.nodeCount;
    parts.push({
      left: grower.left.slice(0, m),
      right: grower.right.slice(0, m),
      feature: grower.feature.slice(0, m),
      threshold: grower.threshold.slice(0, m),
      nNodeSamples: grower.nNodeSamples.slice(0, m),
    });
  }
  return concatTrees(parts, features);
}

/** Conversion of a fitted scikit-learn IsolationForest (its `tree_` arrays) to the checkpoint layout. */
import { FormatError } from '../errors.js';
import type { ForestArrays } from '../model-spec/index.js';
import { type IsolationForestMeta, type TreeNodes, concatTrees } from './forest-arrays.js';

/** One scikit-learn tree: `estimators_[t].tree_` arrays plus `estimators_features_[t]`. */
export interface SklearnTree {
  children_left: ArrayLike<number>;
  children_right: ArrayLike<number>;
  /** Index into `features` (or a column of X when the forest does not subsample features); -2 at leaves. */
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  n_node_samples: ArrayLike<number>;
  /** `estimators_features_[t]`; ignored (may be omitted) when `subsampleFeatures` is false. */
  features?: ArrayLike<number>;
}

/** A fitted scikit-learn `IsolationForest`, as its attributes name it. */
export interface SklearnForest {
  /** One entry per estimator, in `estimators_` order. */
  trees: readonly SklearnTree[];
  /** `max_samples_`. */
  maxSamples: number;
  /** `n_features_in_`. */
  nFeaturesIn: number;
  /** `max_features_ != n_features_in_`: trees index a column subset (`features`). */
  subsampleFeatures: boolean;
  /** `offset_`. */
  offset: number;
  /** The `contamination` parameter (informational; `offset` is what scoring uses). Default 'auto'. */
  contamination?: 'auto' | number;
  /** The `bootstrap` parameter (informational). Default false. */
  bootstrap?: boolean;
}

const WHERE = 'IsolationForest.fromSklearn';

function toInt32(name: string, v: ArrayLike<number> | undefined): Int32Array {
  if (!v || typeof v.length !== 'number') throw new FormatError(`${WHERE}: ${name} must be an array of integers, got ${String(v)}`);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isInteger(x) || x !== (x | 0)) throw new FormatError(`${WHERE}: ${name}[${i}] must be a 32-bit integer, got ${x}`);
    out[i] = x;
  }
  return out;
}

/**
 * Concatenates scikit-learn's per-tree arrays into {@link ForestArrays} plus metadata. Tree
 * structure is checked later by `compileForest`.
 * @throws FormatError for missing or inconsistent fields.
 */
export function sklearnToArrays(f: SklearnForest): { arrays: ForestArrays; meta: IsolationForestMeta } {
  if (typeof f !== 'object' || f === null || !Array.isArray(f.trees) || f.trees.length < 1) {
    throw new FormatError(`${WHERE}: trees must be a non-empty array, got ${Array.isArray(f?.trees) ? '[]' : String(f?.trees)}`);
  }
  if (!(Number.isSafeInteger(f.nFeaturesIn) && f.nFeaturesIn >= 1)) {
    throw new FormatError(`${WHERE}: nFeaturesIn must be an integer >= 1, got ${f.nFeaturesIn}`);
  }
  const nTrees = f.trees.length;
  const maxFeatures = f.subsampleFeatures ? (f.trees[0]!.features?.length ?? 0) : f.nFeaturesIn;
  const features = new Int32Array(nTrees * maxFeatures);
  const trees = f.trees.map((t, i): TreeNodes => {
    const tree: TreeNodes = {
      left: toInt32(`trees[${i}].children_left`, t.children_left),
      right: toInt32(`trees[${i}].children_right`, t.children_right),
      feature: toInt32(`trees[${i}].feature`, t.feature),
      threshold: Float64Array.from(t.threshold ?? []),
      nNodeSamples: toInt32(`trees[${i}].n_node_samples`, t.n_node_samples),
    };
    const cols = f.subsampleFeatures ? toInt32(`trees[${i}].features`, t.features) : null;
    if (cols && cols.length !== maxFeatures) {
      throw new FormatError(`${WHERE}: trees[${i}].features must have ${maxFeatures} entries like trees[0], got ${cols.length}`);
    }
    for (let c = 0; c < maxFeatures; c++) features[i * maxFeatures + c] = cols ? cols[c]! : c;
    // concatTrees trusts that a tree's arrays agree in length; tree structure is checked in compileForest.
    for (const [name, arr] of [['children_right', tree.right], ['feature', tree.feature], ['threshold', tree.threshold], ['n_node_samples', tree.nNodeSamples]] as const) {
      if (arr.length !== tree.left.length) throw new FormatError(`${WHERE}: trees[${i}].${name} must have ${tree.left.length} entries like children_left, got ${arr.length}`);
    }
    return tree;
  });
  const arrays = concatTrees(trees, features);
  const meta: IsolationForestMeta = {
    format: 'dadm.isolation-forest',
    version: 1,
    options: {
      nEstimators: nTrees,
      maxSamples: f.maxSamples,
      // A count of 1 is not expressible as a count (1 means "all"); any fraction below 2/cols floors to 1.
      maxFeatures: maxFeatures > 1 ? maxFeatures : 1 / f.nFeaturesIn,
      bootstrap: f.bootstrap ?? false,
      contamination: f.contamination ?? 'auto',
      seed: 0,
    },
    nFeaturesIn: f.nFeaturesIn,
    maxSamples: f.maxSamples,
    maxFeatures,
    offset: f.offset,
  };
  return { arrays, meta };
}

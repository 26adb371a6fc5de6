/**
 * The forest's checkpoint metadata, building {@link ForestArrays} from per-tree node arrays, and the
 * typed copy `fromArrays` makes. The array layout itself and its checker live in ../model-spec.
 */
import { FormatError } from '../errors.js';
import type { ForestArrays, ForestShape } from '../model-spec/index.js';
import type { ResolvedOptions } from './options.js';

/** The JSON-able metadata stored beside {@link ForestArrays} in a checkpoint. */
export interface IsolationForestMeta extends ForestShape {
  format: 'dadm.isolation-forest';
  version: 1;
  /** The options the forest was built with (every default filled in). */
  options: ResolvedOptions;
  /** decisionFunction = scoreSamples - offset (scikit-learn's `offset_`). */
  offset: number;
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


/**
 * Isolation forest (Liu, Ting & Zhou 2008, https://doi.org/10.1109/ICDM.2008.17) with
 * scikit-learn's `IsolationForest` semantics, options and sign conventions.
 */
import { FormatError, NotFittedError, ShapeError } from '../errors.js';
import { addDepthSums, checkForestShape, compileForest, pathLengthDenominator, type CompiledForest, type ForestArrays } from '../model-spec/index.js';
import { quantileSorted } from '../stats/index.js';
import { Random, checkMatrix, type FloatMatrix } from '../tensor/index.js';
import { fitForest } from './fit-forest.js';
import { copyForestArrays, type IsolationForestMeta } from './forest-arrays.js';
import { resolveOptions, resolveScoringThreads, resolveSizes, type IsolationForestOptions, type ResolvedOptions } from './options.js';
import { parallelDepthSums } from './parallel-depth-sums.js';
import { sklearnToArrays, type SklearnForest } from './from-sklearn.js';

interface FittedState {
  arrays: ForestArrays;
  compiled: CompiledForest;
  nFeaturesIn: number;
  maxSamples: number;
  maxFeatures: number;
  offset: number;
}

/**
 * An isolation forest: an ensemble of random trees in which anomalies, being few and different,
 * are isolated by shorter paths.
 *
 * Sign conventions (as scikit-learn):
 * - {@link scoreSamples}: `-2^(-E[h(x)] / c(maxSamples))`, in [-1, 0); LOWER = more anomalous.
 * - {@link decisionFunction}: `scoreSamples - offset`; negative = outlier.
 * - {@link predict}: -1 outlier, +1 inlier.
 * - {@link anomalyScore}: `2^(-E[h(x)] / c(maxSamples))`, in (0, 1]; HIGHER = more anomalous.
 *
 * @example
 * const model = new IsolationForest({ nEstimators: 100, seed: 0 }).fit({ data, shape: [rows, cols] });
 * const scores = model.anomalyScore({ data, shape: [rows, cols] }); // Float64Array [rows]
 */
export class IsolationForest {
  /** The options with defaults filled in. */
  readonly options: ResolvedOptions;
  /** Threads that score (the `threads` option resolved; not part of the model). */
  readonly threads: number;
  private fitWarnings: readonly string[] = [];
  private state: FittedState | undefined;

  /** @throws InvalidOptionError for an unknown option or a value out of range (scikit-learn wording). */
  constructor(options: IsolationForestOptions = {}) {
    this.options = resolveOptions(options);
    this.threads = resolveScoringThreads(options);
  }

  /**
   * Grows `nEstimators` trees on `x` [rows, cols] (rows >= 2, all values finite) and sets `offset`.
   * Randomness comes only from `new Random(options.seed)`, so equal seeds give equal forests.
   * @returns this
   * @throws DataError / ShapeError for bad data; InvalidOptionError when `maxFeatures` exceeds the
   *   columns or `maxSamples` gives fewer than 2 rows per tree.
   */
  fit(x: FloatMatrix): this {
    const shape = checkMatrix('IsolationForest.fit', x, 2);
    const sizes = resolveSizes(this.options, shape[0], shape[1]);
    const arrays = fitForest(x.data, shape, this.options, sizes, new Random(this.options.seed));
    const compiled = compileForest(arrays, { nFeaturesIn: shape[1], maxFeatures: sizes.maxFeatures }, 'IsolationForest.fit');
    this.state = { arrays, compiled, nFeaturesIn: shape[1], maxSamples: sizes.maxSamples, maxFeatures: sizes.maxFeatures, offset: -0.5 };
    this.fitWarnings = sizes.warnings;
    if (this.options.contamination !== 'auto') {
      this.state.offset = percentileLinear(this.scoreSamples(x), this.options.contamination);
    }
    return this;
  }

  /** Warnings scikit-learn would emit during the last `fit` (never printed), e.g. maxSamples clipped to the rows. */
  get warnings(): readonly string[] {
    return this.fitWarnings;
  }

  /** True once `fit`, `fromArrays` or `fromSklearn` has produced trees. */
  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** scikit-learn's `offset_`: -0.5 for contamination 'auto', else the contamination percentile of the training scoreSamples. */
  get offset(): number {
    return this.fitted('offset').offset;
  }

  /** Columns of X at fit. */
  get nFeaturesIn(): number {
    return this.fitted('nFeaturesIn').nFeaturesIn;
  }

  /** Rows each tree was grown on (maxSamples after 'auto', fractions and clipping). */
  get maxSamples(): number {
    return this.fitted('maxSamples').maxSamples;
  }

  /** Columns each tree sees. */
  get maxFeatures(): number {
    return this.fitted('maxFeatures').maxFeatures;
  }

  /**
   * scikit-learn's `score_samples`: `-2^(-E[h(x)] / c(maxSamples))` per row of `x` [rows, nFeaturesIn].
   * Sign: values in [-1, 0); the LOWER, the more anomalous (the opposite of {@link anomalyScore}).
   * @returns Float64Array [rows]
   * @throws NotFittedError before fit; ShapeError for a different column count than at fit; DataError for NaN/Inf.
   */
  scoreSamples(x: FloatMatrix): Float64Array {
    const out = this.pathScore(x, 'IsolationForest.scoreSamples');
    for (let i = 0; i < out.length; i++) out[i] = -out[i]!;
    return out;
  }

  /**
   * The anomaly score of Liu et al.: `s(x) = 2^(-E[h(x)] / c(maxSamples))` per row.
   * Sign: values in (0, 1]; the HIGHER, the more anomalous (about 0.5 or below: normal; near 1: anomaly).
   * Equals `-scoreSamples(x)`.
   * @returns Float64Array [rows]
   * @throws NotFittedError before fit; ShapeError for a different column count than at fit; DataError for NaN/Inf.
   */
  anomalyScore(x: FloatMatrix): Float64Array {
    return this.pathScore(x, 'IsolationForest.anomalyScore');
  }

  /**
   * E[h(x)]: the mean over trees of the path length `depth(leaf) + c(nNodeSamples[leaf])` per row.
   * Sign: SHORTER paths = more anomalous.
   * @returns Float64Array [rows]
   * @throws as {@link scoreSamples}
   */
  pathLengths(x: FloatMatrix): Float64Array {
    const out = this.depthSums(x, 'IsolationForest.pathLengths');
    const nTrees = this.fitted('pathLengths').compiled.roots.length;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / nTrees;
    return out;
  }

  /** Sum over trees of the path length per row, with input checks reported as coming from `where`. */
  private depthSums(x: FloatMatrix, where: string): Float64Array {
    const s = this.fitted(where);
    const [rows, cols] = checkMatrix(where, x, 0);
    if (cols !== s.nFeaturesIn) {
      throw new ShapeError(`${where}: X must have ${s.nFeaturesIn} columns as at fit, got ${cols}`, where, [[rows, cols], [rows, s.nFeaturesIn]]);
    }
    const out = new Float64Array(rows);
    if (this.threads > 1) parallelDepthSums(s.compiled, x.data, out, { rows, cols, threads: this.threads });
    else addDepthSums(s.compiled, { x: x.data, rows, cols }, out);
    return out;
  }

  /** `scoreSamples(x) - offset` per row, with input checks reported as coming from `where`. */
  private decision(x: FloatMatrix, where: string): Float64Array {
    const out = this.pathScore(x, where);
    const offset = this.fitted(where).offset;
    for (let i = 0; i < out.length; i++) out[i] = -out[i]! - offset;
    return out;
  }

  /** `2^(-E[h(x)] / c(maxSamples))` per row, with input checks reported as coming from `where`. */
  private pathScore(x: FloatMatrix, where: string): Float64Array {
    const out = this.depthSums(x, where);
    const s = this.fitted(where);
    const denom = pathLengthDenominator(s.compiled.roots.length, s.maxSamples);
    for (let i = 0; i < out.length; i++) out[i] = 2 ** (-out[i]! / denom);
    return out;
  }

  /**
   * scikit-learn's `decision_function`: `scoreSamples(x) - offset` per row.
   * Sign: negative = outlier, positive or zero = inlier; the LOWER, the more anomalous.
   * @returns Float64Array [rows]
   * @throws as {@link scoreSamples}
   */
  decisionFunction(x: FloatMatrix): Float64Array {
    return this.decision(x, 'IsolationForest.decisionFunction');
  }

  /**
   * scikit-learn's `predict`: -1 (outlier) where `decisionFunction(x) < 0`, else +1 (inlier).
   * @returns Int8Array [rows] of -1/+1
   * @throws as {@link scoreSamples}
   */
  predict(x: FloatMatrix): Int8Array {
    const d = this.decision(x, 'IsolationForest.predict');
    const out = new Int8Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = d[i]! < 0 ? -1 : 1;
    return out;
  }

  /**
   * The scoring form of the trees (breadth-first, right child = left + 1, leaf path lengths
   * precomputed; shared, not copied: read only) and `denominator = nTrees · c(maxSamples)`, so that
   * `anomalyScore = 2^(-sum of leafValue / denominator)`. For structured explainers.
   * @throws NotFittedError before fit.
   */
  compiledTrees(): { compiled: CompiledForest; denominator: number; nFeaturesIn: number } {
    const s = this.fitted('compiledTrees');
    return { compiled: s.compiled, denominator: pathLengthDenominator(s.compiled.roots.length, s.maxSamples), nFeaturesIn: s.nFeaturesIn };
  }

  /**
   * The fitted forest as flat typed arrays (copies) plus JSON-able metadata, for a checkpoint
   * (layout in docs/iforest.md). `IsolationForest.fromArrays(m.toArrays())` scores identically.
   * @throws NotFittedError before fit.
   */
  toArrays(): { arrays: ForestArrays; meta: IsolationForestMeta } {
    const s = this.fitted('toArrays');
    const arrays = copyForestArrays(s.arrays);
    const meta: IsolationForestMeta = {
      format: 'dadm.isolation-forest',
      version: 1,
      options: { ...this.options },
      nFeaturesIn: s.nFeaturesIn,
      maxSamples: s.maxSamples,
      maxFeatures: s.maxFeatures,
      offset: s.offset,
    };
    return { arrays, meta };
  }

  /**
   * Rebuilds a fitted forest from {@link toArrays} output (the arrays are copied); `options.threads`
   * sets the scoring threads (default 1).
   * @throws FormatError when the metadata or the tree arrays are invalid; InvalidOptionError for bad threads.
   */
  static fromArrays(checkpoint: { arrays: ForestArrays; meta: IsolationForestMeta }, options: Pick<IsolationForestOptions, 'threads'> = {}): IsolationForest {
    const { arrays, meta } = checkpoint;
    const where = 'IsolationForest.fromArrays';
    if (meta?.format !== 'dadm.isolation-forest' || meta.version !== 1) {
      throw new FormatError(`${where}: meta.format/version must be 'dadm.isolation-forest'/1, got ${String(meta?.format)}/${String(meta?.version)}`);
    }
    checkForestShape(meta, where);
    if (!Number.isFinite(meta.offset)) throw new FormatError(`${where}: meta.offset must be a finite number, got ${meta.offset}`);
    resolveScoringThreads(options);
    let model: IsolationForest;
    try {
      model = new IsolationForest({ ...meta.options, threads: options.threads ?? 1 });
    } catch (e) {
      throw new FormatError(`${where}: meta.options must be valid options, got ${e instanceof Error ? e.message : String(e)}`);
    }
    const copy = copyForestArrays(arrays);
    const compiled = compileForest(copy, meta, where);
    model.state = { arrays: copy, compiled, nFeaturesIn: meta.nFeaturesIn, maxSamples: meta.maxSamples, maxFeatures: meta.maxFeatures, offset: meta.offset };
    return model;
  }

  /**
   * Loads a fitted scikit-learn `IsolationForest` from its per-tree `tree_` arrays (see
   * {@link SklearnForest}); scores, decisions and predictions then match scikit-learn's.
   * @throws FormatError when the arrays are inconsistent.
   */
  static fromSklearn(forest: SklearnForest): IsolationForest {
    return IsolationForest.fromArrays(sklearnToArrays(forest));
  }

  private fitted(method: string): FittedState {
    if (!this.state) {
      throw new NotFittedError(
        `IsolationForest.${method.replace(/^IsolationForest\./, '')}: the model must be fitted first (call fit, fromArrays or fromSklearn), got an unfitted instance`,
      );
    }
    return this.state;
  }
}

/**
 * `numpy.percentile(values, 100 * q)` with the default linear method, as scikit-learn sets `offset_`:
 * numpy.percentile divides the percentage by 100 again, and that round trip can move q by an ulp, so
 * it is kept rather than calling quantile(values, q).
 */
function percentileLinear(values: Float64Array, q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), (100 * q) / 100);
}

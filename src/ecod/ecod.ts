/**
 * ECOD: unsupervised outlier detection using empirical cumulative distribution functions (Li, Zhao,
 * Hu, Botta, Ionescu & Chen, IEEE TKDE 2022, https://doi.org/10.1109/TKDE.2022.3159580), in
 * scikit-learn's estimator shape. Parameter-free: per feature, the empirical left and right tail
 * probabilities of a value, the tail picked by the feature's skewness, summed over features.
 */
import { NotFittedError, ShapeError } from '../errors.js';
import { stepAt, type StepFunction } from '../tensor/index.js';
import { checkMatrix, type FloatMatrix } from '../tensor/index.js';
import { featureSteps } from '../model-spec/index.js';
import { checkEcodArrays, copyEcodArrays, type EcodArrays, type EcodMeta } from './ecod-arrays.js';
import { fitFeature, type FeatureTable } from './feature-table.js';
import { resolveEcodOptions, type EcodOptions, type ResolvedEcodOptions } from './options.js';

interface FittedState {
  arrays: EcodArrays;
  meta: EcodMeta;
  /** Per feature, views into `arrays`. */
  features: StepFunction<Float32Array>[];
}

/**
 * ECOD outlier detector. Fitting sorts each column once (O(n log n) per feature; a radix sort for
 * float32 columns of 512+ rows); scoring a value is one binary search in its feature's table.
 * How values unseen at fit are scored is in docs/ecod.md ("Scoring new rows").
 *
 * Sign conventions:
 * - {@link anomalyScore}: the paper's `O(x) = sum_j max(U_s, (U_l + U_r) / 2)` (PyOD's
 *   `decision_function`), >= 0; HIGHER = more anomalous.
 * - {@link scoreSamples}: `-anomalyScore(x)`, scikit-learn's convention; LOWER = more anomalous.
 * - {@link featureScores}: the per-feature terms of {@link anomalyScore}; HIGHER = more anomalous.
 *
 * @example
 * const model = new ECOD().fit({ data, shape: [rows, cols] });
 * const scores = model.anomalyScore({ data, shape: [rows, cols] }); // Float64Array [rows]
 */
export class ECOD {
  /** The options with defaults filled in. */
  readonly options: ResolvedEcodOptions;
  private state: FittedState | undefined;

  /** @throws InvalidOptionError for an unknown option or a value out of range (scikit-learn wording). */
  constructor(options: EcodOptions = {}) {
    this.options = resolveEcodOptions(options);
  }

  /**
   * Builds each feature's tail tables from `x` [rows, cols] (rows >= 2, all values finite, no
   * constant column). Deterministic and independent of the row order.
   * @returns this
   * @throws DataError for too few rows, a NaN/Inf value or a constant column (named by index);
   *   ShapeError for a malformed matrix.
   */
  fit(x: FloatMatrix): this {
    const where = 'ECOD.fit';
    const [rows, cols] = checkMatrix(where, x, 2);
    const column = new Float32Array(rows);
    const tables: FeatureTable[] = [];
    for (let j = 0; j < cols; j++) {
      for (let r = 0; r < rows; r++) column[r] = x.data[r * cols + j]!;
      tables.push(fitFeature(column, this.options.tolerance, where, j));
    }
    const offsets = new Int32Array(cols + 1);
    for (let j = 0; j < cols; j++) offsets[j + 1] = offsets[j]! + tables[j]!.thresholds.length;
    const arrays: EcodArrays = { thresholds: new Float32Array(offsets[cols]!), values: new Float64Array(offsets[cols]! + cols), offsets };
    tables.forEach((t, j) => {
      arrays.thresholds.set(t.thresholds, offsets[j]!);
      arrays.values.set(t.values, offsets[j]! + j);
    });
    const meta: EcodMeta = {
      format: 'dadm.ecod',
      version: 1,
      options: { ...this.options },
      nFeaturesIn: cols,
      nSamples: rows,
      skewSigns: tables.map((t) => t.skewSign),
    };
    this.state = withViews(arrays, meta);
    return this;
  }

  /** True once `fit` or `fromArrays` has produced tables. */
  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** Columns of X at fit. */
  get nFeaturesIn(): number {
    return this.fitted('nFeaturesIn').meta.nFeaturesIn;
  }

  /** Rows of X at fit. */
  get nSamples(): number {
    return this.fitted('nSamples').meta.nSamples;
  }

  /** Per feature, the sign of its skewness at fit (-1: left tail scored, +1: right tail, 0: both). */
  get skewSigns(): readonly number[] {
    return this.fitted('skewSigns').meta.skewSigns;
  }

  /**
   * ECOD's outlier score per row of `x` [rows, nFeaturesIn]: the sum over features of the table value
   * of `x[r, j]`. For the training rows (with tolerance 0) this is the paper's training score.
   * Sign: >= 0; the HIGHER, the more anomalous.
   * @returns Float64Array [rows]
   * @throws NotFittedError before fit; ShapeError for a different column count than at fit; DataError for NaN/Inf.
   */
  anomalyScore(x: FloatMatrix): Float64Array {
    const { features, rows, cols } = this.checked(x, 'ECOD.anomalyScore');
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        const f = features[j]!;
        sum += stepAt(f.thresholds, f.values, x.data[r * cols + j]!);
      }
      out[r] = sum;
    }
    return out;
  }

  /**
   * scikit-learn's convention: `-anomalyScore(x)` per row.
   * Sign: <= 0; the LOWER, the more anomalous.
   * @returns Float64Array [rows]
   * @throws as {@link anomalyScore}
   */
  scoreSamples(x: FloatMatrix): Float64Array {
    const out = this.anomalyScore(x);
    for (let i = 0; i < out.length; i++) out[i] = -out[i]!;
    return out;
  }

  /**
   * The per-feature terms `max(U_s, (U_l + U_r) / 2)` of {@link anomalyScore} (the paper's
   * dimensional outlier scores): row r's terms sum to its anomaly score, so they are its exact
   * additive explanation. Sign: >= 0; the HIGHER, the more that feature makes the row anomalous.
   * @returns Float64Array [rows, nFeaturesIn] row-major
   * @throws as {@link anomalyScore}
   */
  featureScores(x: FloatMatrix): Float64Array {
    const { features, rows, cols } = this.checked(x, 'ECOD.featureScores');
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < out.length; i++) {
      const f = features[i % cols]!;
      out[i] = stepAt(f.thresholds, f.values, x.data[i]!);
    }
    return out;
  }

  /**
   * The fitted tables as flat typed arrays (copies) plus JSON-able metadata, for a checkpoint and
   * for exportEcod (layout in docs/ecod.md). `ECOD.fromArrays(m.toArrays())` scores identically.
   * @throws NotFittedError before fit.
   */
  toArrays(): { arrays: EcodArrays; meta: EcodMeta } {
    const s = this.fitted('toArrays');
    return { arrays: copyEcodArrays(s.arrays), meta: { ...s.meta, options: { ...s.meta.options }, skewSigns: [...s.meta.skewSigns] } };
  }

  /**
   * Rebuilds a fitted ECOD from {@link toArrays} output (the arrays are copied).
   * @throws FormatError when the metadata or the arrays are invalid.
   */
  static fromArrays(checkpoint: { arrays: EcodArrays; meta: EcodMeta }): ECOD {
    const { arrays, meta } = checkpoint;
    checkEcodArrays(arrays, meta, 'ECOD.fromArrays');
    const model = new ECOD(meta.options);
    model.state = withViews(copyEcodArrays(arrays), { ...meta, options: { ...model.options }, skewSigns: [...meta.skewSigns] });
    return model;
  }

  private checked(x: FloatMatrix, where: string): { features: StepFunction<Float32Array>[]; rows: number; cols: number } {
    const s = this.fitted(where);
    const [rows, cols] = checkMatrix(where, x, 0);
    if (cols !== s.meta.nFeaturesIn) {
      throw new ShapeError(`${where}: X must have ${s.meta.nFeaturesIn} columns as at fit, got ${cols}`, where, [[rows, cols], [rows, s.meta.nFeaturesIn]]);
    }
    return { features: s.features, rows, cols };
  }

  private fitted(method: string): FittedState {
    if (!this.state) {
      throw new NotFittedError(`ECOD.${method.replace(/^ECOD\./, '')}: the model must be fitted first (call fit or fromArrays), got an unfitted instance`);
    }
    return this.state;
  }
}

function withViews(arrays: EcodArrays, meta: EcodMeta): FittedState {
  return { arrays, meta, features: Array.from({ length: meta.nFeaturesIn }, (_, j) => featureSteps(arrays, j)) };
}

/** The transformer model kind as an in-memory estimator over windows (see estimator.ts for the shared shape). */
import { mergeConfig, type DadmConfig } from '../config/index.js';
import { memoryDataFile } from '../data/index.js';
import { DataError, ShapeError, fmtShape } from '../errors.js';
import { KindEstimator, estimatorDefaults, type EstimatorInput, type EstimatorOptions } from './estimator.js';

/** Windows `[windows, T, features]` row-major: `data[(w * T + t) * features + f]` is window w, step t, feature f. */
export interface WindowBatch {
  data: Float32Array;
  shape: readonly [number, number, number];
}

/**
 * Options of {@link TransformerEstimator}: config.yaml's `transformer` section, its `sequence`
 * section (`window` must equal the T of the windows given to `fit`) and {@link EstimatorOptions}.
 */
export interface TransformerEstimatorOptions extends EstimatorOptions, Partial<DadmConfig['transformer']> {
  sequence?: Partial<DadmConfig['sequence']>;
}

/**
 * Checks that `x` is `[windows, T, features]` float32 with at least `minWindows` windows, T >= 2,
 * at least one feature and only finite values. Returns the shape.
 * @throws ShapeError for a malformed shape or a length that does not match it; DataError for a
 *   non-Float32Array buffer, too few windows or a NaN/Inf value (named by window, step and feature)
 */
function checkWindows(where: string, x: WindowBatch, minWindows: number): [number, number, number] {
  if (typeof x !== 'object' || x === null || !(x.data instanceof Float32Array)) {
    const got = typeof x === 'object' && x !== null ? Object.prototype.toString.call(x.data) : String(x);
    throw new DataError(`${where}: X.data must be a Float32Array, got ${got}`, 'X');
  }
  const shape = x.shape as readonly number[];
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${where}: X.shape must be [windows, steps, features] of non-negative integers, got ${JSON.stringify(shape)}`, where);
  }
  const [n, steps, features] = shape as [number, number, number];
  if (x.data.length !== n * steps * features) {
    throw new ShapeError(`${where}: X.data must hold windows * steps * features = ${n * steps * features} values for shape ${fmtShape(shape)}, got ${x.data.length}`, where, [shape]);
  }
  if (steps < 2 || features < 1) throw new ShapeError(`${where}: X must have at least 2 steps and 1 feature per window, got shape ${fmtShape(shape)}`, where, [shape]);
  if (n < minWindows) throw new DataError(`${where}: X must have at least ${minWindows} windows, got ${n}`, 'X');
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    // v - v is NaN exactly when v is NaN or +-Infinity.
    if (v - v !== 0) {
      const w = Math.floor(i / (steps * features));
      const t = Math.floor(i / features) % steps;
      throw new DataError(`${where}: X window ${w}, step ${t}, feature ${i % features} must be finite, got ${v}`, 'X', { row: w * steps + t, column: i % features });
    }
  }
  return [n, steps, features];
}

/** X as windows `[windows, T, features]`: the 3-D form of sequence data. */
const WINDOW_INPUT: EstimatorInput<WindowBatch> = {
  trainingFile(where, x) {
    const [n, steps, features] = checkWindows(where, x, 2);
    return { ...memoryDataFile(x.data, [n * steps, features], 'X'), steps };
  },
  items(where, x, detector) {
    const [n, steps, features] = checkWindows(where, x, 0);
    const want = [n, detector.input.steps, detector.schema.dim];
    if (steps !== want[1] || features !== want[2]) {
      throw new ShapeError(`${where}: X must be windows of shape [windows, ${want[1]}, ${want[2]}] as at fit, got ${fmtShape([n, steps, features])}`, where, [[n, steps, features], want]);
    }
    return { data: x.data, n };
  },
};

/**
 * The `transformer` model kind (a tiny transformer scoring each window's last step from the steps
 * before it; docs/transformer.md) behind dadm's checkpoint, scaler, threshold rule and ONNX export,
 * over windows in memory. One score per window: the score of the row that ends it. For rows with
 * host ids, or streaming from files, use `dadm train --hosts` or `TransformerDetector`.
 * Methods and sign conventions: {@link KindEstimator} (X is a {@link WindowBatch} instead of rows).
 *
 * @example
 * const model = new TransformerEstimator({ sequence: { window: 16 }, training: { epochs: 5 } }).fit({ data, shape: [n, 16, 64] });
 * const scores = model.anomalyScore({ data: recent, shape: [m, 16, 64] }); // [m]
 */
export class TransformerEstimator extends KindEstimator<WindowBatch> {
  /** @throws InvalidOptionError for an unknown option or a value config.yaml would refuse */
  constructor(options: TransformerEstimatorOptions = {}) {
    const { sequence, ...rest } = options;
    const config = sequence === undefined ? rest.config : mergeConfig({ sequence }, rest.config ?? estimatorDefaults(), 'TransformerEstimator');
    super('transformer', 'TransformerEstimator', config === undefined ? rest : { ...rest, config }, WINDOW_INPUT);
  }
}

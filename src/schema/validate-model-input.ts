/**
 * The check every model entry point runs on its input matrix before training or scoring.
 */
import { DataError, ShapeError } from '../errors.js';
import { ENDPOINT_V1, type FeatureSchema } from './feature-schema.js';

/** What {@link widthError} describes: rows of `got` columns that should follow `schema`. */
export interface WidthMismatch {
  source: string;
  schema: FeatureSchema;
  got: number;
  /** 'train': the config chose the schema; 'score': a trained model did. */
  use: 'train' | 'score';
}

/**
 * The error for data whose width is not the schema's, naming the layout and the way out, e.g.
 * `"x.npy: width must be 64 (schema endpoint-v1: 12 features + 52 zero padding), got 7; for data that
 * is not the endpoint schema set `schema: none` in config.yaml"`.
 */
export function widthError(m: WidthMismatch): DataError {
  const { source, schema, got } = m;
  const padded = schema.activeFeatures < schema.dim;
  const layout = padded ? `${schema.activeFeatures} features + ${schema.dim - schema.activeFeatures} zero padding` : `${schema.dim} features`;
  // Only a padded schema (endpoint-v1) is chosen by config.yaml over data it may not fit; a generic model's width is its training data's.
  const hint = !padded ? '' : m.use === 'train' ? '; for data that is not the endpoint schema set `schema: none` in config.yaml' : '; the model was trained on the endpoint schema (for other data, train one with `schema: none` in config.yaml)';
  return new DataError(`${source}: width must be ${schema.dim} (schema ${schema.name}: ${layout}), got ${got}${hint}`, source);
}

/** Options of {@link validateModelInput}. */
export interface ValidateInputOptions {
  /** Schema the data must follow. Default endpoint-v1 (width 64, columns 12..63 zero). */
  schema?: FeatureSchema;
  /** Name used in error messages, e.g. `'data.npy'`. Default `'input'`. */
  source?: string;
}

/**
 * Checks a row-major matrix `[rows, cols]` against a schema: `cols` equals the schema width, at
 * least one row, every value finite, and every padding column (index >= `activeFeatures`) exactly 0.
 * Reports the first offending value in row-major order, e.g.
 * `"data.npy: row 17, column 3 must be finite, got NaN"`.
 * @param data `[rows, cols]` row-major
 * @throws ShapeError if `data.length !== rows * cols`
 * @throws DataError for a wrong width, no rows, a non-finite value or non-zero padding
 */
export function validateModelInput(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
  options: ValidateInputOptions = {},
): void {
  const schema = options.schema ?? ENDPOINT_V1;
  const source = options.source ?? 'input';
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0 || data.length !== rows * cols) {
    throw new ShapeError(`${source}: data length must equal rows x cols = ${rows} x ${cols}, got ${data.length}`, 'validateModelInput');
  }
  if (cols !== schema.dim) throw widthError({ source, schema, got: cols, use: 'train' });
  if (rows === 0) throw new DataError(`${source}: rows must be at least 1, got 0`, source);
  const active = schema.activeFeatures;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j]!;
      if (!Number.isFinite(v)) {
        throw new DataError(`${source}: row ${i}, column ${j} must be finite, got ${v}`, source, { row: i, column: j });
      }
      if (j >= active && v !== 0) {
        throw new DataError(
          `${source}: row ${i}, column ${j} must be 0 (padding of schema ${schema.name}, columns ${active}..${cols - 1}), got ${v}`,
          source,
        );
      }
    }
  }
}

/**
 * The check every model entry point runs on its input matrix before training or scoring.
 */
import { DataError, ShapeError } from '../errors.js';
import { ENDPOINT_V1, type FeatureSchema } from './feature-schema.js';

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
  if (cols !== schema.dim) {
    const layout =
      schema.activeFeatures < schema.dim
        ? `${schema.activeFeatures} features + ${schema.dim - schema.activeFeatures} zero padding`
        : `${schema.dim} features`;
    throw new DataError(`${source}: width must be ${schema.dim} (schema ${schema.name}: ${layout}), got ${cols}`, source);
  }
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

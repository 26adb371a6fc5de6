/**
 * Fixed (not fitted) normalization of raw endpoint-v1 rows and padding to the model width.
 */
import { DataError, ShapeError } from '../errors.js';
import { CORE_FEATURES, CORE_FEATURE_DIM, FEATURE_DIM, NORMALIZED_CLIP } from './feature-schema.js';

/** Options of {@link normalizeCore}. */
export interface NormalizeOptions {
  /** Name used in error messages, e.g. the file the rows came from. Default `'normalizeCore'`. */
  source?: string;
  /** Preallocated output of the same length as `raw`. */
  out?: Float32Array;
}

// Flat copies of the constants so the hot loop reads typed arrays, not objects.
const OFFSET = Float64Array.from(CORE_FEATURES, (f) => f.offset);
const INV_SCALE = Float64Array.from(CORE_FEATURES, (f) => 1 / f.scale);
const IS_LOG = Uint8Array.from(CORE_FEATURES, (f) => (f.transform === 'log1p' ? 1 : 0));

/**
 * Normalizes raw endpoint-v1 rows `[n, 12]` (row-major) feature by feature:
 * `z = clip((t(x) - offset) / scale, -10, 10)` with `t = log1p` for counts and bytes and the
 * identity for `cmdline_entropy`; offsets and scales are the fixed constants of
 * {@link CORE_FEATURES}. Deterministic: the same raw row always gives the same output row, and
 * heavy-tailed counts stay finite (log1p, then the clip).
 * @param raw `[n, 12]` non-negative finite values
 * @returns `[n, 12]` normalized values (`options.out` when given)
 * @throws ShapeError if `raw.length` is not a multiple of 12 or `out` has another length
 * @throws DataError naming row and column for a NaN, infinite or negative value
 */
export function normalizeCore(raw: Float32Array, options: NormalizeOptions = {}): Float32Array {
  const source = options.source ?? 'normalizeCore';
  if (raw.length % CORE_FEATURE_DIM !== 0) {
    throw new ShapeError(`${source}: length must be a multiple of ${CORE_FEATURE_DIM} (rows x core features), got ${raw.length}`, 'normalizeCore');
  }
  const out = options.out ?? new Float32Array(raw.length);
  if (out.length !== raw.length) {
    throw new ShapeError(`${source}: out length must equal input length ${raw.length}, got ${out.length}`, 'normalizeCore');
  }
  const rows = raw.length / CORE_FEATURE_DIM;
  for (let i = 0; i < rows; i++) {
    const base = i * CORE_FEATURE_DIM;
    for (let j = 0; j < CORE_FEATURE_DIM; j++) {
      const x = raw[base + j]!;
      if (!(x >= 0) || x === Infinity) {
        const what = Number.isFinite(x) ? 'must be >= 0' : 'must be finite';
        throw new DataError(`${source}: row ${i}, column ${j} (${CORE_FEATURES[j]!.name}) ${what}, got ${x}`, source, { row: i, column: j });
      }
      const t = IS_LOG[j] === 1 ? Math.log1p(x) : x;
      const z = (t - OFFSET[j]!) * INV_SCALE[j]!;
      out[base + j] = z > NORMALIZED_CLIP ? NORMALIZED_CLIP : z < -NORMALIZED_CLIP ? -NORMALIZED_CLIP : z;
    }
  }
  return out;
}

/**
 * Pads normalized rows `[n, 12]` with zeros to the model width `[n, 64]`.
 * @param normalized `[n, 12]` row-major
 * @param out optional preallocated `[n, 64]` output (its padding columns are overwritten with 0)
 * @returns `[n, 64]` row-major
 * @throws ShapeError if the length is not a multiple of 12 or `out` has the wrong length
 */
export function toModelInput(normalized: Float32Array, out?: Float32Array): Float32Array {
  if (normalized.length % CORE_FEATURE_DIM !== 0) {
    throw new ShapeError(`toModelInput: length must be a multiple of ${CORE_FEATURE_DIM}, got ${normalized.length}`, 'toModelInput');
  }
  const rows = normalized.length / CORE_FEATURE_DIM;
  const result = out ?? new Float32Array(rows * FEATURE_DIM);
  if (result.length !== rows * FEATURE_DIM) {
    throw new ShapeError(`toModelInput: out length must be ${rows * FEATURE_DIM} (${rows} x ${FEATURE_DIM}), got ${result.length}`, 'toModelInput');
  }
  if (out !== undefined) result.fill(0);
  for (let i = 0; i < rows; i++) {
    result.set(normalized.subarray(i * CORE_FEATURE_DIM, (i + 1) * CORE_FEATURE_DIM), i * FEATURE_DIM);
  }
  return result;
}

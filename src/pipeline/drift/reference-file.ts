/**
 * The drift_reference.npz format: member names, the `meta_json` format marker, writing the members
 * and reading them back with every shape and value checked. Every member is a plain numeric or NumPy
 * unicode (`<U…`) array, so `numpy.load(path, allow_pickle=False)` loads all of them and the text
 * members read as strings. Members are listed in docs/drift.md.
 */
import { FormatError } from '../../errors.js';
import { type NpyArrayLike, type NpyTypedResult, type NpzArchive, npyStrings, openNpz, readInputFile, shapeTuple, textArray } from '../../io/index.js';
import { FORMAT_LIMITS, type Limits } from '../../limits.js';
import type { Standardizer } from '../../schema/index.js';
import { schemaRecord } from '../../models/index.js';

/** `meta_json.format` of every drift reference; a file without it is not ours. */
export const DRIFT_REFERENCE_FORMAT = 'dadm-drift-reference';
/** `meta_json.version` this code writes and reads. */
export const DRIFT_REFERENCE_VERSION = 1;

/** Everything a drift reference holds, in model-input units (after the scaler, if any). */
export interface DriftReferenceParts {
  featureNames: readonly string[];
  schemaHash: string;
  /** Schema name and version (`train` always records them; references written before had the hash only). */
  schemaName?: string;
  schemaVersion?: string;
  /** Width of the data rows (active features + schema padding). */
  cols: number;
  /** Training file rows the edges/proportions describe. */
  rows: number;
  /** True when `edges` are exact deciles of all rows; false when they come from the row sample. */
  exact: boolean;
  floor: number;
  /** `[active, bins - 1]` ascending per feature. */
  edges: Float64Array;
  /** `[active, bins]` floored bin proportions over all `rows`. */
  proportions: Float64Array;
  /** Uniform row sample `[sampleRows, active]`, ordered by file row. */
  sample: Float32Array;
  /** `[sampleRows]` file row of each sample row. */
  sampleIndex: Float64Array;
  /** The scaler applied before everything above (active columns used), or null. */
  standardizer: Standardizer | null;
  /**
   * The training id of the run that wrote the reference with its checkpoint (the checkpoint's
   * `checkpoint_sha256`); left out by references written before it was stamped.
   */
  trainingId?: string;
  score: {
    /** Rows the score distribution was measured on (validation rows, or training rows without). */
    rows: number;
    edges: Float64Array;
    proportions: Float64Array;
    /** Ascending quantile sketch of the scores. */
    sample: Float64Array;
    threshold: number;
  };
}

/** A drift reference read back by {@link readDriftReference}. */
export interface DriftReference extends Omit<DriftReferenceParts, 'standardizer' | 'sampleIndex' | 'schemaName' | 'schemaVersion' | 'trainingId'> {
  path: string;
  /** The training id of the run that wrote it (see {@link DriftReferenceParts.trainingId}), or null. */
  trainingId: string | null;
  /** Schema name and version from meta_json; null in references written before they were recorded. */
  schemaName: string | null;
  schemaVersion: string | null;
  /** Active features (= featureNames.length). */
  active: number;
  bins: number;
  /** Rows in `sample`. */
  sampleRows: number;
  /** Scaler of the active columns, or null when the model reads raw values. */
  scaler: { mean: Float64Array; scale: Float64Array } | null;
}

/** JSON stored in `meta_json`. */
interface MetaJson {
  format: string;
  version: number;
  schema_name?: string;
  schema_version?: string;
  schema_hash: string;
  feature_names: string[];
  cols: number;
  bins: number;
  standardized: boolean;
  training_id?: string;
}

const text = (s: string): NpyArrayLike => textArray([s], true);
const scalar = (x: number): NpyArrayLike => ({ data: Float64Array.of(x), shape: [] });
const int64 = (x: number): NpyArrayLike => ({ data: BigInt64Array.of(BigInt(x)), shape: [] });

/**
 * The npz members of a drift reference, in a fixed order (same parts, same bytes).
 * `feature_names` (`[active]` strings), `schema_name`, `schema_version` and `schema_hash` (0-d strings)
 * repeat `meta_json` (a 0-d string) as NumPy text (name and version only when the parts have them).
 * Files written before stored these as UTF-8 bytes; the reader takes both.
 */
export function driftReferenceMembers(p: DriftReferenceParts): Map<string, NpyArrayLike> {
  const active = p.featureNames.length;
  const bins = p.proportions.length / active;
  const sampleRows = p.sampleIndex.length;
  const { schemaName: name, schemaVersion: version } = p;
  const record = name !== undefined && version !== undefined ? schemaRecord({ name, version, hash: p.schemaHash }) : null;
  const schemaMembers: [string, NpyArrayLike][] = record === null ? [] : [['schema_name', text(record.schema_name)], ['schema_version', text(record.schema_version)]];
  const meta: MetaJson = {
    format: DRIFT_REFERENCE_FORMAT,
    version: DRIFT_REFERENCE_VERSION,
    ...(record ?? { schema_hash: p.schemaHash }),
    feature_names: [...p.featureNames],
    cols: p.cols,
    bins,
    standardized: p.standardizer !== null,
    ...(p.trainingId === undefined ? {} : { training_id: p.trainingId }),
  };
  const mean = new Float64Array(active);
  const scale = new Float64Array(active).fill(1);
  if (p.standardizer !== null) {
    mean.set(p.standardizer.mean.subarray(0, active));
    scale.set(p.standardizer.scale.subarray(0, active));
  }
  return new Map<string, NpyArrayLike>([
    ['meta_json', text(JSON.stringify(meta))],
    ['feature_names', textArray(p.featureNames)],
    ['feature_index', { data: Int32Array.from({ length: active }, (_, j) => j), shape: [active] }],
    ...schemaMembers,
    ['schema_hash', text(p.schemaHash)],
    ['rows', int64(p.rows)],
    ['exact', { data: Uint8Array.of(p.exact ? 1 : 0), shape: [], dtype: '|b1' }],
    ['floor', scalar(p.floor)],
    ['edges', { data: p.edges, shape: [active, bins - 1] }],
    ['proportions', { data: p.proportions, shape: [active, bins] }],
    ['sample', { data: p.sample, shape: [sampleRows, active] }],
    ['sample_index', { data: BigInt64Array.from(p.sampleIndex, (v) => BigInt(v)), shape: [sampleRows] }],
    ['scaler_mean', { data: mean, shape: [active] }],
    ['scaler_scale', { data: scale, shape: [active] }],
    ['score_rows', int64(p.score.rows)],
    ['score_edges', { data: p.score.edges, shape: [p.score.edges.length] }],
    ['score_proportions', { data: p.score.proportions, shape: [p.score.proportions.length] }],
    ['score_sample', { data: p.score.sample, shape: [p.score.sample.length] }],
    ['score_threshold', scalar(p.score.threshold)],
  ]);
}

/** How {@link readDriftReference} names the file and what it may ask for. */
export interface DriftReferenceReadOptions {
  /** The option that named the file, for messages (e.g. `--reference`). */
  option?: string;
  /** Overrides of the default limits (src/limits.ts). */
  limits?: Partial<Limits>;
}

/**
 * Reads and checks a drift_reference.npz written by `dadm train`. Only the members the format
 * defines are inflated (each against the limits first); any other member is never read.
 * @throws InvalidOptionError naming the path (and option) when it is not a readable regular file;
 *   FormatError naming the file when it is not an npz, has no `meta_json` with format
 *   'dadm-drift-reference' (or one over {@link FORMAT_LIMITS}.driftMetaJsonBytes), has another
 *   version, or has a member of the wrong shape, dtype or value (non-finite, edges not ascending,
 *   proportions outside [floor, 1]); LimitError for a member over the limits
 */
export function readDriftReference(path: string, options: DriftReferenceReadOptions = {}): DriftReference {
  const bytes = readInputFile(path, { what: 'drift reference', ...options });
  let archive: NpzArchive;
  try {
    archive = openNpz(bytes, path, { text: true, ...(options.limits === undefined ? {} : { limits: options.limits }) });
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    throw new FormatError(`${path}: drift reference must be an .npz written by dadm train, got a file that is not one (${err.message})`, path);
  }
  const r = new MemberReader(path, archive);
  const meta = r.meta();
  const active = meta.feature_names.length;
  const bins = meta.bins;
  const floor = r.scalar('floor');
  if (!(floor > 0 && floor < 1)) r.fail('floor', `a number in (0, 1)`, String(floor));
  const edges = r.float64('edges', [active, bins - 1]);
  const proportions = r.float64('proportions', [active, bins]);
  for (let j = 0; j < active; j++) r.checkHistogram('edges', 'proportions', edges, proportions, j, bins, floor);
  const sampleArr = r.array('sample', 'f4');
  const sampleRows = sampleArr.shape[0] ?? -1;
  r.checkShape('sample', sampleArr, [sampleRows, active], sampleRows >= 1);
  const sample = sampleArr.data as Float32Array;
  r.checkFinite('sample', sample);
  const scoreBins = r.float64('score_proportions', [bins]);
  const scoreEdges = r.float64('score_edges', [bins - 1]);
  r.checkHistogram('score_edges', 'score_proportions', scoreEdges, scoreBins, 0, bins, floor);
  const scoreSample = r.float64('score_sample', [-1]);
  if (scoreSample.length === 0) r.fail('score_sample', 'have at least 1 value', 'none');
  for (let i = 1; i < scoreSample.length; i++) if (scoreSample[i]! < scoreSample[i - 1]!) r.fail('score_sample', 'be ascending', `a decrease at index ${i}`);
  const mean = r.float64('scaler_mean', [active]);
  const scale = r.float64('scaler_scale', [active]);
  for (let j = 0; j < active; j++) if (!(scale[j]! > 0)) r.fail('scaler_scale', 'hold positive values', `${scale[j]} at feature ${j}`);
  const exact = r.array('exact', 'b1');
  r.checkShape('exact', exact, [], true);
  return {
    path,
    featureNames: meta.feature_names,
    schemaName: meta.schema_name ?? null,
    schemaVersion: meta.schema_version ?? null,
    schemaHash: meta.schema_hash,
    cols: meta.cols,
    active,
    bins,
    rows: r.count('rows'),
    exact: exact.data[0] === 1,
    floor,
    edges,
    proportions,
    sample,
    sampleRows,
    scaler: meta.standardized ? { mean, scale } : null,
    trainingId: meta.training_id ?? null,
    score: { rows: r.count('score_rows'), edges: scoreEdges, proportions: scoreBins, sample: scoreSample, threshold: r.scalar('score_threshold') },
  };
}

/** Typed access to the members, each inflated when first asked for; every failure a FormatError naming the file and member. */
class MemberReader {
  constructor(
    private readonly path: string,
    private readonly archive: NpzArchive,
  ) {}

  fail(member: string, constraint: string, got: string): never {
    throw new FormatError(`${this.path}: drift reference member ${member} must ${constraint}, got ${got}`, this.path);
  }

  meta(): MetaJson {
    const names = this.archive.names.join(', ') || 'none';
    const notOurs = (): never => {
      throw new FormatError(`${this.path}: drift reference must carry meta_json with format '${DRIFT_REFERENCE_FORMAT}' (written by dadm train), got members ${names}`, this.path);
    };
    if (!this.archive.has('meta_json')) return notOurs();
    const declared = this.archive.declaredSize('meta_json');
    if (declared > FORMAT_LIMITS.driftMetaJsonBytes) this.fail('meta_json', `be at most ${FORMAT_LIMITS.driftMetaJsonBytes} bytes`, `${declared} bytes`);
    const m = this.archive.readTyped('meta_json');
    let doc: unknown;
    try {
      const strings = npyStrings(m, `${this.path}[meta_json]`);
      if (strings.length !== 1) return notOurs();
      doc = JSON.parse(strings[0]!);
    } catch {
      return notOurs();
    }
    const meta = doc as Partial<MetaJson> | null;
    if (meta === null || typeof meta !== 'object' || meta.format !== DRIFT_REFERENCE_FORMAT) return notOurs();
    if (meta.version !== DRIFT_REFERENCE_VERSION) this.fail('meta_json.version', `be ${DRIFT_REFERENCE_VERSION}`, JSON.stringify(meta.version));
    const featureNames = meta.feature_names;
    if (!Array.isArray(featureNames) || featureNames.length === 0 || !featureNames.every((s) => typeof s === 'string')) {
      this.fail('meta_json.feature_names', 'be a non-empty list of strings', JSON.stringify(featureNames));
    }
    if (typeof meta.schema_hash !== 'string') this.fail('meta_json.schema_hash', 'be a string', JSON.stringify(meta.schema_hash));
    for (const key of ['schema_name', 'schema_version'] as const) {
      if (meta[key] !== undefined && typeof meta[key] !== 'string') this.fail(`meta_json.${key}`, 'be a string when present', JSON.stringify(meta[key]));
    }
    if (!Number.isSafeInteger(meta.cols) || meta.cols! < featureNames.length) this.fail('meta_json.cols', `be an integer >= ${featureNames.length}`, JSON.stringify(meta.cols));
    if (!Number.isSafeInteger(meta.bins) || meta.bins! < 2) this.fail('meta_json.bins', 'be an integer >= 2', JSON.stringify(meta.bins));
    if (typeof meta.standardized !== 'boolean') this.fail('meta_json.standardized', 'be true or false', JSON.stringify(meta.standardized));
    if (meta.training_id !== undefined && (typeof meta.training_id !== 'string' || !/^[0-9a-f]{64}$/.test(meta.training_id))) {
      this.fail('meta_json.training_id', 'be 64 lowercase hex digits when present', JSON.stringify(meta.training_id));
    }
    return meta as MetaJson;
  }

  /** A member with the given dtype kind+size suffix ('f8', 'f4', 'i8', 'b1'). */
  array(name: string, dtype: string): NpyTypedResult {
    if (!this.archive.has(name)) this.fail(name, 'exist', 'members ' + this.archive.names.join(', '));
    const a = this.archive.readTyped(name);
    if (a.dtype.slice(1) !== dtype) this.fail(name, `have dtype ${dtype}`, a.dtype);
    return a;
  }

  checkShape(name: string, a: NpyTypedResult, shape: readonly number[], ok: boolean): void {
    if (!ok || a.shape.length !== shape.length || a.shape.some((d, i) => shape[i] !== -1 && d !== shape[i])) {
      this.fail(name, `have shape ${shapeTuple(shape)}`, shapeTuple(a.shape));
    }
  }

  checkFinite(name: string, data: Float32Array | Float64Array): void {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) this.fail(name, 'hold finite values', `${data[i]} at index ${i}`);
  }

  /** A float64 member of the given shape (-1 = any length), all finite. */
  float64(name: string, shape: readonly number[]): Float64Array {
    const a = this.array(name, 'f8');
    this.checkShape(name, a, shape, true);
    const data = a.data as Float64Array;
    this.checkFinite(name, data);
    return data;
  }

  scalar(name: string): number {
    return this.float64(name, [])[0]!;
  }

  /** A non-negative int64 scalar. */
  count(name: string): number {
    const a = this.array(name, 'i8');
    this.checkShape(name, a, [], true);
    const v = Number((a.data as BigInt64Array)[0]);
    if (!(v >= 1)) this.fail(name, 'be >= 1', String(v));
    return v;
  }

  /** Row `j` of edges `[*, bins-1]` ascending, proportions `[*, bins]` within [floor, 1]. */
  checkHistogram(edgesName: string, propName: string, edges: Float64Array, props: Float64Array, j: number, bins: number, floor: number): void {
    for (let k = 1; k < bins - 1; k++) {
      if (edges[j * (bins - 1) + k]! < edges[j * (bins - 1) + k - 1]!) this.fail(edgesName, 'be ascending per row', `a decrease in row ${j} at index ${k}`);
    }
    for (let k = 0; k < bins; k++) {
      const p = props[j * bins + k]!;
      if (!(p >= floor && p <= 1)) this.fail(propName, `lie in [floor, 1] = [${floor}, 1]`, `${p} in row ${j}, bin ${k}`);
    }
  }
}

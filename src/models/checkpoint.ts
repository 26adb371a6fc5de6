/**
 * model.safetensors, dadm's checkpoint: the model's tensors plus string metadata that says what
 * the model is, which schema and scaler its input needs, and where its threshold lies. Keys are
 * listed in docs/pipeline.md. Nothing time-dependent is stored, so the same training gives the
 * same bytes.
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { DadmError, FormatError } from '../errors.js';
import type { Limits } from '../limits.js';
import { readInputFile, readSafetensors, safetensorsDataStart, writeSafetensors, type SafetensorsContents, type SafetensorsTensorLike } from '../io/index.js';
import { MODEL_KIND_NAMES, configToYaml, parseConfig, type DadmConfig, type ModelKind } from '../config/index.js';
import { decodeModel } from '../runtime/index.js';
import { ENDPOINT_V1, genericSchema, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { THRESHOLD_METHODS, type ModelState, type StoredModel, type ThresholdMethod } from './kind.js';

export const CHECKPOINT_FORMAT = 'dadm-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = '1';
/** Metadata key holding the lowercase hex SHA-256 of the data buffer (every tensor byte after the header). */
export const CHECKSUM_KEY = 'data_sha256';
/**
 * Metadata key holding the lowercase hex SHA-256 of the whole checkpoint: every other metadata key
 * and value, then the data buffer (see {@link checkpointDigest}). Files written before it was added
 * carry {@link CHECKSUM_KEY} alone and load with that older rule (tensor data covered, metadata not).
 */
export const CHECKPOINT_CHECKSUM_KEY = 'checkpoint_sha256';

/** What every checkpoint records besides the model's own tensors. */
export interface CheckpointHeader {
  modelType: ModelKind;
  config: DadmConfig;
  schema: FeatureSchema;
  standardizer: Standardizer | null;
  /** Rows with `score > threshold` are anomalies. */
  threshold: number;
  thresholdMethod: ThresholdMethod;
  /**
   * The false-positive rate the threshold implies for normal rows, `(#{s > threshold} + 1) / (n + 1)`
   * over the threshold rows (stats' impliedFalsePositiveRate). Checkpoints written before it was
   * recorded read back with the rule's nominal rate (see {@link readCheckpoint}).
   */
  thresholdFpr: number;
  /** JSON-able training summary (no timings). */
  training: Record<string, unknown>;
  /** `configToYaml(config)` when the caller has it already (train checks its config once, up front). */
  configYaml?: string;
}

/**
 * How every file `train` writes names its input schema (checkpoint metadata, metrics.json, the drift
 * reference's meta_json), so a file can be matched to a schema without loading the model.
 */
export function schemaRecord(schema: Pick<FeatureSchema, 'name' | 'version' | 'hash'>): { schema_name: string; schema_version: string; schema_hash: string } {
  return { schema_name: schema.name, schema_version: schema.version, schema_hash: schema.hash };
}

/** The metadata map and scaler tensors of a header; merge `modelMetadata` (model-specific keys). */
export function checkpointParts(
  header: CheckpointHeader,
  modelMetadata: Record<string, string>,
): { metadata: Record<string, string>; tensors: Map<string, SafetensorsTensorLike> } {
  const { schema, standardizer } = header;
  const metadata: Record<string, string> = {
    ...modelMetadata,
    format: CHECKPOINT_FORMAT,
    format_version: CHECKPOINT_FORMAT_VERSION,
    model_type: header.modelType,
    config: header.configYaml ?? configToYaml(header.config),
    ...schemaRecord(schema),
    schema_dim: String(schema.dim),
    active_features: String(schema.activeFeatures),
    feature_names: JSON.stringify(schema.featureNames.slice(0, schema.activeFeatures)),
    threshold: JSON.stringify(header.threshold),
    threshold_method: header.thresholdMethod,
    threshold_fpr: JSON.stringify(header.thresholdFpr),
    scaler: standardizer === null ? 'none' : 'standard',
    training: JSON.stringify(header.training),
  };
  const tensors = new Map<string, SafetensorsTensorLike>();
  if (standardizer !== null) {
    tensors.set('scaler.mean', { data: standardizer.mean, shape: [standardizer.mean.length] });
    tensors.set('scaler.std', { data: standardizer.scale, shape: [standardizer.scale.length] });
  }
  return { metadata, tensors };
}

/**
 * A kind's checkpoint part from a model state held in memory (e.g. a federated server's averaged
 * weights), for the kind's `load`: the tensors go through the safetensors encoding, so `load` sees
 * exactly what it would read from a file (dtypes included).
 * @param context what the file's header would say: a label for messages, the config and the schema
 */
export function storedFromState(state: ModelState, context: Pick<StoredModel, 'path' | 'config' | 'schema'>): StoredModel {
  const contents = readSafetensors(writeSafetensors(state.tensors, state.metadata), context.path);
  return { path: context.path, config: context.config, schema: context.schema, tensors: contents.tensors, metadata: contents.metadata };
}

/**
 * The bytes of model.safetensors: the tensors and metadata plus {@link CHECKSUM_KEY}, the SHA-256 of
 * the data buffer, so that edited or damaged weights are refused on load. Deterministic (the digest
 * depends only on the tensor bytes).
 */
export function checkpointBytes(tensors: ReadonlyMap<string, SafetensorsTensorLike>, metadata: Readonly<Record<string, string>>): Uint8Array {
  return signedCheckpoint(tensors, metadata).bytes;
}

/**
 * {@link checkpointBytes}, with the {@link CHECKPOINT_CHECKSUM_KEY} digest it stores: `train` stamps
 * it as the training id into the drift reference and metrics.json written with the checkpoint.
 */
export function signedCheckpoint(tensors: ReadonlyMap<string, SafetensorsTensorLike>, metadata: Readonly<Record<string, string>>): { bytes: Uint8Array; digest: string } {
  const { [CHECKSUM_KEY]: _data, [CHECKPOINT_CHECKSUM_KEY]: _whole, ...plain } = metadata;
  // The data buffer does not depend on the metadata, so hashing a first serialization is exact.
  const draft = writeSafetensors(tensors, plain);
  const data = draft.subarray(safetensorsDataStart(draft));
  const digest = checkpointDigest(plain, data);
  return { bytes: writeSafetensors(tensors, { ...plain, [CHECKSUM_KEY]: sha256Hex(data), [CHECKPOINT_CHECKSUM_KEY]: digest }), digest };
}

/**
 * Whether a file stamped with training id `stamped` (a drift reference's or metrics.json's; null in
 * files written before the stamp) was written by the same `train` run as the checkpoint `c`.
 * Unknown on either side counts as the same run: older files carry no id.
 */
export function sameTraining(c: Pick<ParsedCheckpoint, 'metadata'>, stamped: string | null): boolean {
  const id = c.metadata[CHECKPOINT_CHECKSUM_KEY];
  return stamped === null || id === undefined || id === stamped;
}

/**
 * SHA-256 (hex) of a checkpoint's metadata and data: the metadata entries other than the two checksum
 * keys, sorted by key, as a JSON list of `[key, value]` pairs in UTF-8, then the data buffer.
 */
export function checkpointDigest(metadata: Readonly<Record<string, string>>, data: Uint8Array): string {
  const entries = Object.entries(metadata)
    .filter(([key]) => key !== CHECKSUM_KEY && key !== CHECKPOINT_CHECKSUM_KEY)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries), 'utf8').update(data).digest('hex');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A checkpoint read back: header fields plus the raw contents, which are the kind's {@link StoredModel}. */
export interface ParsedCheckpoint extends CheckpointHeader {
  path: string;
  contents: SafetensorsContents;
  /** `contents.tensors`: with path, config and schema this is the kind's {@link StoredModel}. */
  tensors: SafetensorsContents['tensors'];
  /** `contents.metadata`. */
  metadata: SafetensorsContents['metadata'];
}

/**
 * The safetensors contents of a checkpoint file; when the bytes are not safetensors but an ONNX model
 * (extension `.onnx`, or bytes that decode as a model with a graph), says so instead of reporting a
 * nonsensical header length.
 * @throws FormatError naming the file
 */
function readCheckpointSafetensors(path: string, bytes: Uint8Array, limits: Partial<Limits> | undefined): SafetensorsContents {
  try {
    return readSafetensors(bytes, path, limits === undefined ? {} : { limits });
  } catch (err) {
    if (err instanceof FormatError && looksLikeOnnx(path, bytes)) {
      throw new FormatError(`${path}: checkpoint must be a safetensors file (the model.safetensors written by dadm train), got an ONNX model (use it with score, explain, quantize or inspect --model)`, path);
    }
    throw err;
  }
}

/** Whether `bytes` (already known not to be safetensors) are an ONNX model. */
function looksLikeOnnx(path: string, bytes: Uint8Array): boolean {
  if (extname(path).toLowerCase() === '.onnx') return true;
  try {
    const model = decodeModel(bytes);
    // Arbitrary bytes can happen to parse as protobuf: demand the parts every ONNX model has.
    return model.graph !== null && model.graph !== undefined && (model.graph.node?.length ?? 0) > 0 && (model.opsetImport?.length ?? 0) > 0;
  } catch {
    return false;
  }
}

/**
 * Reads a checkpoint file and checks everything but the model's layout: the data checksum (when
 * the file has one; files written before it was added load without), finite float tensors, and the
 * metadata.
 * @param fileBytes the file's bytes when the caller has read them already (read from `path` otherwise)
 * @param limits overrides of the default limits (src/limits.ts), e.g. the config's `limits` section
 * @throws FormatError naming the file for a file that is not a safetensors file, not a dadm
 *   checkpoint, of another format version, whose data does not match its checksum (modified or
 *   corrupted), with a NaN or infinite value in a float tensor, or with missing or inconsistent metadata
 */
export function readCheckpoint(path: string, fileBytes?: Uint8Array, limits?: Partial<Limits>): ParsedCheckpoint {
  const bytes = fileBytes ?? readCheckpointFile(path, undefined, limits);
  const contents = readCheckpointSafetensors(path, bytes, limits);
  const meta = contents.metadata;
  if (meta.format !== CHECKPOINT_FORMAT) {
    const got = meta.format === undefined ? 'no format key (not a dadm checkpoint)' : `'${meta.format}'`;
    throw new FormatError(`${path}: metadata format must be '${CHECKPOINT_FORMAT}', got ${got}`, path);
  }
  checkIntegrity(path, bytes, contents);
  const get = (key: string): string => {
    const v = meta[key];
    if (v === undefined) throw new FormatError(`${path}: metadata key '${key}' must be present, got nothing (corrupted checkpoint)`, path);
    return v;
  };
  if (get('format_version') !== CHECKPOINT_FORMAT_VERSION) {
    throw new FormatError(`${path}: metadata format_version must be ${CHECKPOINT_FORMAT_VERSION}, got '${meta.format_version}'`, path);
  }
  const modelType = get('model_type') as ModelKind;
  if (!MODEL_KIND_NAMES.includes(modelType)) {
    throw new FormatError(`${path}: metadata model_type must be ${quotedList(MODEL_KIND_NAMES)}, got '${modelType}'`, path);
  }
  let config: DadmConfig;
  try {
    config = parseConfig(get('config'), `${path}[config]`);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`${path}: metadata config must be a valid dadm config, got: ${(err as Error).message}`, path);
  }
  const schema = schemaOf(path, get('schema_name'), Number(get('schema_dim')), get('schema_hash'));
  if (meta.active_features !== undefined && meta.active_features !== String(schema.activeFeatures)) {
    throw new FormatError(`${path}: metadata active_features must be ${schema.activeFeatures} for schema ${schema.name}, got '${meta.active_features}'`, path);
  }
  const threshold = parseJsonNumber(path, 'threshold', get('threshold'));
  const training = parseJson(path, 'training', get('training'));
  const method = get('threshold_method') as ThresholdMethod;
  if (!THRESHOLD_METHODS.includes(method)) {
    throw new FormatError(`${path}: metadata threshold_method must be a known method, got '${method}'`, path);
  }
  const fprText = meta.threshold_fpr;
  const thresholdFpr = fprText === undefined ? nominalFpr(method, config) : parseJsonNumber(path, 'threshold_fpr', fprText);
  return {
    path,
    contents,
    tensors: contents.tensors,
    metadata: contents.metadata,
    modelType,
    config,
    schema,
    standardizer: scalerOf(path, contents, get('scaler'), schema.dim),
    threshold,
    thresholdMethod: method,
    thresholdFpr,
    training: training as Record<string, unknown>,
  };
}

/**
 * The false-positive rate a threshold rule aims at, for checkpoints written before the implied rate
 * was recorded (all of which used a quantile or the forest's contamination).
 */
function nominalFpr(method: ThresholdMethod, config: DadmConfig): number {
  if (method === 'iforest-contamination' && config.iforest.contamination !== 'auto') return config.iforest.contamination;
  if (method.endsWith('contamination')) return config.threshold.contamination;
  if (method.endsWith('target-fpr')) return config.threshold.targetFpr;
  return 1 - config.threshold.quantile;
}

/**
 * The bytes of a checkpoint file, through the checked open (a regular file within the size limit).
 * @param option the option that named the file, for messages (e.g. `--model`)
 * @param limits overrides of the default limits (`maxFileBytes`)
 * @throws InvalidOptionError naming the path (and option) for a missing, unreadable or irregular file;
 *   LimitError for a file over `maxFileBytes`
 */
export function readCheckpointFile(path: string, option?: string, limits?: Partial<Limits>): Uint8Array {
  return readInputFile(path, { what: 'checkpoint', ...(option === undefined ? {} : { option }), ...(limits === undefined ? {} : { limits }) });
}

/**
 * The stored checksums (those present) must match: the data buffer's, and the whole checkpoint's
 * (metadata included); every float tensor must be finite.
 */
function checkIntegrity(path: string, bytes: Uint8Array, contents: SafetensorsContents): void {
  const data = bytes.subarray(safetensorsDataStart(bytes, path));
  const want = contents.metadata[CHECKSUM_KEY];
  if (want !== undefined) {
    const got = sha256Hex(data);
    if (got !== want) {
      throw new FormatError(`${path}: tensor data must match the ${CHECKSUM_KEY} checksum ${want.slice(0, 16)}…, got ${got.slice(0, 16)}… (the file was modified or corrupted after it was written)`, path);
    }
  }
  const wantWhole = contents.metadata[CHECKPOINT_CHECKSUM_KEY];
  if (wantWhole !== undefined) {
    const got = checkpointDigest(contents.metadata, data);
    if (got !== wantWhole) {
      throw new FormatError(
        `${path}: metadata and tensor data must match the ${CHECKPOINT_CHECKSUM_KEY} checksum ${wantWhole.slice(0, 16)}…, got ${got.slice(0, 16)}… (the file was modified or corrupted after it was written)`,
        path,
      );
    }
  }
  for (const [name, t] of contents.tensors) {
    if (t.dtype !== 'F64' && t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') continue;
    const data = t.data as Float32Array | Float64Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new FormatError(`${path}: tensor "${name}" must hold finite values, got ${data[i]} at index ${i}`, path);
    }
  }
}

function schemaOf(path: string, name: string, dim: number, hash: string): FeatureSchema {
  let schema: FeatureSchema;
  if (name === ENDPOINT_V1.name) schema = ENDPOINT_V1;
  else if (name === 'generic' && Number.isSafeInteger(dim) && dim > 0) schema = genericSchema(dim);
  else throw new FormatError(`${path}: metadata schema_name must be 'endpoint-v1' or 'generic' with a positive schema_dim, got '${name}' (dim ${dim})`, path);
  if (schema.dim !== dim) throw new FormatError(`${path}: metadata schema_dim must be ${schema.dim} for ${name}, got ${dim}`, path);
  if (schema.hash !== hash) {
    throw new FormatError(`${path}: metadata schema_hash must be ${schema.hash} (${name} ${schema.version} of this dadm), got ${hash}`, path);
  }
  return schema;
}

function scalerOf(path: string, contents: SafetensorsContents, kind: string, dim: number): Standardizer | null {
  if (kind === 'none') return null;
  if (kind !== 'standard') throw new FormatError(`${path}: metadata scaler must be 'none' or 'standard', got '${kind}'`, path);
  const mean = contents.tensors.get('scaler.mean');
  const std = contents.tensors.get('scaler.std');
  for (const [name, t] of [['scaler.mean', mean], ['scaler.std', std]] as const) {
    if (t === undefined || t.dtype !== 'F64' || t.shape.length !== 1 || t.shape[0] !== dim) {
      const got = t === undefined ? 'nothing' : `${t.dtype} [${t.shape.join(',')}]`;
      throw new FormatError(`${path}: tensor ${name} must be F64 [${dim}], got ${got}`, path);
    }
  }
  const scale = std!.data as Float64Array;
  for (let j = 0; j < dim; j++) {
    if (!(scale[j]! > 0) || !Number.isFinite(scale[j]!)) throw new FormatError(`${path}: scaler.std[${j}] must be a positive finite number, got ${scale[j]}`, path);
  }
  return { mean: mean!.data as Float64Array, scale };
}

/**
 * A model part's JSON metadata record `key` and its typed tensors' data, checked: every kind that
 * stores "one JSON record + named arrays" (isolation forest, ECOD) reads its part through this.
 * @param tensors per array: its tensor name and the dtype it must have
 * @throws FormatError naming the file for a missing record, invalid JSON, or a missing or mistyped tensor
 */
export function readRecordAndArrays<K extends string>(stored: StoredModel, key: string, tensors: Readonly<Record<K, { name: string; dtype: string }>>): { meta: unknown; arrays: Record<K, unknown> } {
  const { path } = stored;
  const text = stored.metadata[key];
  if (text === undefined) throw new FormatError(`${path}: metadata key '${key}' must be present, got nothing (corrupted checkpoint)`, path);
  const meta = parseJson(path, key, text);
  const arrays = {} as Record<K, unknown>;
  for (const k of Object.keys(tensors) as K[]) {
    const { name, dtype } = tensors[k];
    const t = stored.tensors.get(name);
    if (t === undefined || t.dtype !== dtype) throw new FormatError(`${path}: tensor ${name} must be ${dtype}, got ${t === undefined ? 'nothing' : t.dtype}`, path);
    arrays[k] = t.data;
  }
  return { meta, arrays };
}

/** Parses a JSON metadata value. @throws FormatError naming the key */
export function parseJson(path: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (err instanceof DadmError) throw err;
    throw new FormatError(`${path}: metadata ${key} must be valid JSON, got '${text.slice(0, 40)}'`, path);
  }
}

/** `'a' or 'b'`, `'a', 'b' or 'c'`: the allowed values in a message. */
export function quotedList(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q.at(-1)}`;
}

function parseJsonNumber(path: string, key: string, text: string): number {
  const v = parseJson(path, key, text);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FormatError(`${path}: metadata ${key} must be a finite number, got '${text}'`, path);
  return v;
}

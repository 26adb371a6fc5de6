/** `modelMetadata`: the metadata_props record dadm writes into exported models, with fixed keys. */
import { InvalidOptionError } from '../errors.js';

/** What a dadm model file says about itself (every field optional except the model type and version). */
export interface ModelMetadataFields {
  /** e.g. 'autoencoder' or 'isolation_forest' → `dadm.model_type` */
  modelType: string;
  /** dadm package version → `dadm.version` */
  dadmVersion: string;
  /** feature schema name, version and hash → `dadm.schema.name`, `dadm.schema.version`, `dadm.schema.hash` */
  schemaName?: string;
  schemaVersion?: string;
  schemaHash?: string;
  /** input column names in order → `dadm.feature_names` (JSON array) */
  featureNames?: readonly string[];
  /** columns whose error counts in the score, null = all → `dadm.active_features` (JSON array or `null`) */
  activeFeatures?: readonly number[] | null;
  /** anomaly threshold on `score` (score > threshold = anomaly) → `dadm.threshold` (shortest round-trip decimal) */
  threshold?: number;
  /** how the threshold was chosen (a checkpoint's threshold_method) → `dadm.threshold_method` */
  thresholdMethod?: string;
  /** the share of normal rows expected above the threshold, estimated at training → `dadm.threshold_fpr` */
  thresholdFpr?: number;
  /** what the graph does with its input's scale, e.g. 'none' → `dadm.scaler` */
  scaler?: string;
  /** the quantizer's settings and rewritten nodes (JSON), written by `dadm quantize` → `dadm.quantization` */
  quantization?: string;
  /** sequence models: steps T per input window → `dadm.window` */
  window?: number;
  /** sequence models: the training objective, e.g. 'next-step' → `dadm.objective` */
  objective?: string;
  /** further entries, written as given; keys must not collide with the ones above */
  extra?: Readonly<Record<string, string>>;
}

/** The metadata keys {@link modelMetadata} writes, by field. */
export const METADATA_KEYS = {
  modelType: 'dadm.model_type',
  dadmVersion: 'dadm.version',
  schemaName: 'dadm.schema.name',
  schemaVersion: 'dadm.schema.version',
  schemaHash: 'dadm.schema.hash',
  featureNames: 'dadm.feature_names',
  activeFeatures: 'dadm.active_features',
  threshold: 'dadm.threshold',
  thresholdMethod: 'dadm.threshold_method',
  thresholdFpr: 'dadm.threshold_fpr',
  scaler: 'dadm.scaler',
  quantization: 'dadm.quantization',
  window: 'dadm.window',
  objective: 'dadm.objective',
} as const;

/**
 * Builds the `metadata` record for the exporters from named fields, so every dadm model uses the same
 * keys ({@link METADATA_KEYS}). Fields left undefined are not written.
 * @throws InvalidOptionError for a non-finite threshold, a non-string value or an `extra` key that
 *   collides with a fixed key
 */
export function modelMetadata(fields: ModelMetadataFields): Record<string, string> {
  const where = 'modelMetadata';
  const out: Record<string, string> = {};
  const put = (key: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (typeof value !== 'string') throw new InvalidOptionError(`${where}: '${key}' must be a string, got ${typeof value}`, key);
    out[key] = value;
  };
  put(METADATA_KEYS.modelType, fields.modelType);
  put(METADATA_KEYS.dadmVersion, fields.dadmVersion);
  put(METADATA_KEYS.schemaName, fields.schemaName);
  put(METADATA_KEYS.schemaVersion, fields.schemaVersion);
  put(METADATA_KEYS.schemaHash, fields.schemaHash);
  if (fields.featureNames !== undefined) put(METADATA_KEYS.featureNames, JSON.stringify(fields.featureNames));
  if (fields.activeFeatures !== undefined) put(METADATA_KEYS.activeFeatures, JSON.stringify(fields.activeFeatures));
  if (fields.threshold !== undefined) {
    if (!Number.isFinite(fields.threshold)) {
      throw new InvalidOptionError(`${where}: threshold must be a finite number, got ${fields.threshold}`, 'threshold');
    }
    put(METADATA_KEYS.threshold, String(fields.threshold));
  }
  put(METADATA_KEYS.thresholdMethod, fields.thresholdMethod);
  if (fields.thresholdFpr !== undefined) {
    if (!(Number.isFinite(fields.thresholdFpr) && fields.thresholdFpr >= 0 && fields.thresholdFpr <= 1)) {
      throw new InvalidOptionError(`${where}: thresholdFpr must be a number in [0, 1], got ${fields.thresholdFpr}`, 'thresholdFpr');
    }
    put(METADATA_KEYS.thresholdFpr, String(fields.thresholdFpr));
  }
  put(METADATA_KEYS.scaler, fields.scaler);
  put(METADATA_KEYS.quantization, fields.quantization);
  if (fields.window !== undefined) put(METADATA_KEYS.window, String(fields.window));
  put(METADATA_KEYS.objective, fields.objective);
  for (const [key, value] of Object.entries(fields.extra ?? {})) {
    if (key in out || Object.values(METADATA_KEYS).includes(key as never)) {
      throw new InvalidOptionError(`${where}: extra keys must not repeat a fixed key, got '${key}'`, 'extra');
    }
    put(key, value);
  }
  return out;
}

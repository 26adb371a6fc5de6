/**
 * The endpoint feature schema `endpoint-v1`: 12 named behavioural features of one host over one
 * time window, normalized by fixed constants and zero-padded to a model width of 64; and the
 * generic schema (`schema: none`) for arbitrary numeric tables. A schema's `hash` is written into
 * every artifact so a model is never fed features it was not trained on.
 * See docs/feature-schema.md.
 */
import { createHash } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';

/** Width of every endpoint-v1 model input: 12 core features plus 52 zero padding columns. */
export const FEATURE_DIM = 64;
/** Number of core (non-padding) features in endpoint-v1: columns 0..11. */
export const CORE_FEATURE_DIM = 12;
/** Normalized values are clipped to [-NORMALIZED_CLIP, NORMALIZED_CLIP]. */
export const NORMALIZED_CLIP = 10;

/** How a raw value is transformed before the fixed affine map: `log1p` for counts and bytes. */
export type FeatureTransform = 'log1p' | 'identity';

/** One feature of a schema definition: `z = (transform(raw) - offset) / scale`. */
export interface FeatureDefinition {
  readonly name: string;
  readonly unit: string;
  readonly transform: FeatureTransform;
  readonly offset: number;
  readonly scale: number;
}

/** Everything that defines a schema and therefore its hash. */
export interface SchemaDefinition {
  readonly name: string;
  readonly version: string;
  /** Model input width (columns). */
  readonly dim: number;
  /** Columns 0..activeFeatures-1 carry features; the rest must be 0. */
  readonly activeFeatures: number;
  /** Clip bound of normalized values, or null when the schema does not normalize. */
  readonly clip: number | null;
  readonly features: readonly FeatureDefinition[];
}

/** A resolved schema as recorded in artifacts. */
export interface FeatureSchema {
  readonly name: string;
  readonly version: string;
  readonly featureNames: readonly string[];
  readonly units: readonly string[];
  /** Number of active columns (indices 0..activeFeatures-1). */
  readonly activeFeatures: number;
  readonly dim: number;
  /** sha256 hex of the canonical JSON of the definition ({@link schemaHash}). */
  readonly hash: string;
  readonly definition: SchemaDefinition;
}

/**
 * The 12 endpoint-v1 features of one host over one window of 24 hours. Offsets and scales are
 * fixed constants (the mean and standard deviation of `log1p(count)`, rounded, over a typical fleet
 * mix of workstations, developer machines, servers and domain controllers — the profiles of
 * `generateHostData`); they are NOT fitted to user data, so the same raw row always maps to
 * the same normalized row.
 */
export const CORE_FEATURES: readonly FeatureDefinition[] = Object.freeze(([
  { name: 'process_spawn_count', unit: 'processes/day', transform: 'log1p', offset: 8.4, scale: 0.74 },
  { name: 'unique_process_count', unit: 'executables/day', transform: 'log1p', offset: 4.2, scale: 0.41 },
  { name: 'cmdline_entropy', unit: 'bits/char', transform: 'identity', offset: 4.1, scale: 0.27 },
  { name: 'net_bytes_out', unit: 'bytes/day', transform: 'log1p', offset: 19.1, scale: 1.7 },
  { name: 'net_bytes_in', unit: 'bytes/day', transform: 'log1p', offset: 20.3, scale: 0.97 },
  { name: 'net_unique_dest_ips', unit: 'addresses/day', transform: 'log1p', offset: 5.8, scale: 1.3 },
  { name: 'net_failed_connections', unit: 'connections/day', transform: 'log1p', offset: 5.2, scale: 0.89 },
  { name: 'file_write_count', unit: 'writes/day', transform: 'log1p', offset: 9.8, scale: 1.1 },
  { name: 'file_rename_count', unit: 'renames/day', transform: 'log1p', offset: 6.0, scale: 1.1 },
  { name: 'file_unique_extensions', unit: 'extensions/day', transform: 'log1p', offset: 3.3, scale: 0.51 },
  { name: 'privilege_escalation_events', unit: 'events/day', transform: 'log1p', offset: 4.2, scale: 0.97 },
  { name: 'admin_session_count', unit: 'sessions/day', transform: 'log1p', offset: 3.1, scale: 1.3 },
] as FeatureDefinition[]).map((f) => Object.freeze(f)));

/** Definition of endpoint-v1 (its hash changes whenever any constant here changes). */
export const ENDPOINT_V1_DEFINITION: SchemaDefinition = Object.freeze({
  name: 'endpoint-v1',
  version: '1.0.0',
  dim: FEATURE_DIM,
  activeFeatures: CORE_FEATURE_DIM,
  clip: NORMALIZED_CLIP,
  features: CORE_FEATURES,
});

/** JSON with object keys sorted at every level, no whitespace: the input of {@link schemaHash}. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of the canonical JSON of a schema definition. */
export function schemaHash(definition: SchemaDefinition): string {
  return createHash('sha256').update(canonicalJson(definition), 'utf8').digest('hex');
}

/** Builds the artifact-facing schema object from a definition. */
export function schemaFromDefinition(definition: SchemaDefinition): FeatureSchema {
  return Object.freeze({
    name: definition.name,
    version: definition.version,
    featureNames: Object.freeze(definition.features.map((f) => f.name)),
    units: Object.freeze(definition.features.map((f) => f.unit)),
    activeFeatures: definition.activeFeatures,
    dim: definition.dim,
    hash: schemaHash(definition),
    definition,
  });
}

/** The endpoint-v1 schema: 12 active features (indices 0..11), width 64. */
export const ENDPOINT_V1: FeatureSchema = schemaFromDefinition(ENDPOINT_V1_DEFINITION);

/**
 * The generic schema for a table of `width` numeric columns (`schema: none` in config.yaml): all
 * columns active, names f0..f{width-1}, no padding, no fixed normalization (optionally
 * standardized by a fitted {@link Standardizer}, which is stored separately).
 * @throws InvalidOptionError if width is not a positive integer
 */
export function genericSchema(width: number): FeatureSchema {
  if (!Number.isSafeInteger(width) || width <= 0) {
    throw new InvalidOptionError(`genericSchema: width must be a positive integer, got ${width}`, 'width');
  }
  const features: FeatureDefinition[] = [];
  for (let j = 0; j < width; j++) features.push({ name: `f${j}`, unit: '', transform: 'identity', offset: 0, scale: 1 });
  return schemaFromDefinition({ name: 'generic', version: '1.0.0', dim: width, activeFeatures: width, clip: null, features });
}

/**
 * The schema a config selects: `'endpoint-v1'` or `'none'` (generic, needs the data width).
 * @throws InvalidOptionError for another name or a bad width
 */
export function schemaForMode(mode: string, width: number): FeatureSchema {
  if (mode === 'endpoint-v1') return ENDPOINT_V1;
  if (mode === 'none') return genericSchema(width);
  throw new InvalidOptionError(`schema: name must be 'endpoint-v1' or 'none', got '${mode}'`, 'schema');
}

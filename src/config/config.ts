/**
 * config.yaml: typed, validated dadm configuration with defaults. YAML uses snake_case keys
 * (`batch_size`), TypeScript the camelCase field (`batchSize`); see docs/config.md for every key.
 * A partial file merges over {@link defaultConfig}; an unknown key or a wrong value is an
 * InvalidOptionError naming the key path, e.g.
 * `"config.yaml: training.batch_size must be a positive integer, got -3"`.
 */
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_OPSET_VERSION } from '../onnx/index.js';
import type { Activation } from '../tensor/index.js';
import { SECTIONS, TOP_FIELDS, renderConfigYaml, snakeCase, type FieldSpec, type ModelKind, type SectionName } from './config-template.js';
import { parseYamlData } from './yaml-data.js';

export { MODEL_KIND_NAMES, type ModelKind } from './config-template.js';
export type SchemaMode = 'endpoint-v1' | 'none';
/** The activation union under config's name (defined once in tensor/activation.ts). */
export type ActivationKind = Activation;
export type OptimizerKind = 'adam' | 'adamw' | 'sgd';
export type ExplainMethod = 'reconstruction' | 'shap';
/** How `threshold:` picks the threshold from the threshold rows' scores (validation rows, else training rows). */
export type ThresholdRule = 'quantile' | 'target_fpr' | 'contamination';
/** Every {@link ThresholdRule}. */
export const THRESHOLD_RULES: readonly ThresholdRule[] = ['quantile', 'target_fpr', 'contamination'];

/**
 * The quantile of the threshold rows' scores that `threshold:` puts the threshold at: `quantile`
 * itself; `1 - target_fpr` (those rows taken as normal, that share of normal rows flagged); or
 * `1 - contamination` (that share of the rows taken as attacks).
 */
export function thresholdQuantile(t: DadmConfig['threshold']): number {
  return t.method === 'quantile' ? t.quantile : 1 - (t.method === 'target_fpr' ? t.targetFpr : t.contamination);
}

/** The complete, validated configuration (every field present). */
export interface DadmConfig {
  model: ModelKind;
  schema: SchemaMode;
  standardize: boolean;
  autoencoder: { hiddenDims: number[]; activation: ActivationKind };
  training: {
    epochs: number;
    batchSize: number;
    learningRate: number;
    weightDecay: number;
    optimizer: OptimizerKind;
    momentum: number;
    shuffle: boolean;
    seed: number;
    validationFraction: number;
    earlyStoppingPatience: number;
    /** Global gradient-norm clip; null = off. */
    gradClip: number | null;
  };
  threshold: {
    method: ThresholdRule;
    quantile: number;
    targetFpr: number;
    contamination: number;
  };
  iforest: {
    nEstimators: number;
    maxSamples: 'auto' | number;
    maxFeatures: number;
    bootstrap: boolean;
    contamination: 'auto' | number;
  };
  onnx: { opset: number; dynamicBatch: boolean };
  quantization: { perChannel: boolean; weightType: 'int8' | 'uint8'; reduceRange: boolean; exclude: string[]; minWeights: number; keepOutputLayers: boolean; requireSmaller: boolean };
  drift: {
    sampleRows: number;
    psiWarn: number;
    psiRetrain: number;
    wassersteinWarn: number;
    wassersteinRetrain: number;
    ksWarn: number;
    ksRetrain: number;
  };
  explain: {
    method: ExplainMethod;
    topK: number;
    backgroundRows: number;
    /** Up to this many attributed features, Shapley values are exact; above it, KernelSHAP. */
    maxExactFeatures: number;
    /** Coalitions KernelSHAP samples when it is used. */
    kernelSamples: number;
  };
}

/** A config with any subset of keys (sections may be partial too), camelCase. */
export type PartialDadmConfig = {
  [K in keyof DadmConfig]?: DadmConfig[K] extends unknown[] ? DadmConfig[K] : DadmConfig[K] extends object ? Partial<DadmConfig[K]> : DadmConfig[K];
};

/** A fresh copy of the defaults (safe to mutate). */
export function defaultConfig(): DadmConfig {
  return {
    model: 'autoencoder',
    schema: 'endpoint-v1',
    standardize: false,
    autoencoder: { hiddenDims: [32, 8], activation: 'relu' },
    training: {
      epochs: 20,
      batchSize: 256,
      learningRate: 1e-3,
      weightDecay: 0,
      optimizer: 'adam',
      momentum: 0.9,
      shuffle: true,
      seed: 0,
      validationFraction: 0.1,
      earlyStoppingPatience: 5,
      gradClip: null,
    },
    threshold: { method: 'quantile', quantile: 0.99, targetFpr: 0.01, contamination: 0.01 },
    iforest: { nEstimators: 100, maxSamples: 'auto', maxFeatures: 1, bootstrap: false, contamination: 'auto' },
    onnx: { opset: DEFAULT_OPSET_VERSION, dynamicBatch: false },
    quantization: { perChannel: false, weightType: 'int8', reduceRange: false, exclude: [], minWeights: 1024, keepOutputLayers: true, requireSmaller: true },
    drift: {
      sampleRows: 10000,
      psiWarn: 0.1,
      psiRetrain: 0.25,
      wassersteinWarn: 0.1,
      wassersteinRetrain: 0.25,
      ksWarn: 0.1,
      ksRetrain: 0.2,
    },
    explain: { method: 'reconstruction', topK: 5, backgroundRows: 100, maxExactFeatures: 16, kernelSamples: 2048 },
  };
}

/**
 * Parses config.yaml text (snake_case keys) and merges it over the defaults. Empty text gives the
 * defaults.
 * @param source file name used in messages
 * @throws FormatError if the text is not plain YAML data, LimitError past the YAML limits (see parseYamlData)
 * @throws InvalidOptionError for an unknown key (with the nearest allowed key), a wrong type or value
 */
export function parseConfig(text: string, source = 'config.yaml'): DadmConfig {
  const doc = parseYamlData(text, source);
  return mergeInto(defaultConfig(), doc, { source, keyName: snakeCase });
}

/** A config and the file it came from. */
export interface FoundConfig {
  config: DadmConfig;
  /** The file read, or null when no file was given and ./config.yaml does not exist (the defaults). */
  path: string | null;
  /** True when the file is ./config.yaml, read because no path was given. */
  implicit: boolean;
}

/** The file read when no config is named. */
export const IMPLICIT_CONFIG_PATH = 'config.yaml';

/**
 * Reads and parses a config file. Without `path`, reads ./config.yaml if it exists (`implicit`),
 * else returns the defaults (`path` null). Every command with config-driven defaults finds its
 * config here, so they all read ./config.yaml the same way.
 * @throws InvalidOptionError if the file cannot be read; see {@link parseConfig}
 */
export function findConfig(path?: string): FoundConfig {
  const file = path ?? IMPLICIT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    if (path === undefined && code === 'ENOENT') return { config: defaultConfig(), path: null, implicit: false };
    throw new InvalidOptionError(`${file}: config file must be readable, got ${code}`, 'config');
  }
  return { config: parseConfig(text, file), path: file, implicit: path === undefined };
}

/**
 * Reads and parses a config file: {@link findConfig}'s config.
 * @throws InvalidOptionError if the file cannot be read; see {@link parseConfig}
 */
export function loadConfig(path?: string): DadmConfig {
  return findConfig(path).config;
}

/**
 * Merges camelCase overrides (e.g. from CLI flags or library callers) over `base`, checking the
 * overrides as config.yaml's keys are checked (and the cross-key rules on the result). `base` is
 * taken as valid (it comes from parseConfig, defaultConfig or an earlier merge); a hand-built config
 * is checked where it is used (configToYaml, which `train` calls once up front). Neither argument is
 * modified.
 * @throws InvalidOptionError as {@link parseConfig}
 */
export function mergeConfig(overrides: PartialDadmConfig, base: DadmConfig = defaultConfig(), source = 'options'): DadmConfig {
  return mergeInto(cloneConfig(base), overrides, { source, keyName: (k) => k });
}

/**
 * Canonical YAML of a full config: every key, fixed order, no comments. Stored in checkpoint
 * metadata; `parseConfig(configToYaml(c))` deep-equals `c`.
 * @throws InvalidOptionError if `config` is invalid
 */
export function configToYaml(config: DadmConfig): string {
  return renderConfigYaml(mergeInto(defaultConfig(), config, { source: 'config', keyName: (k) => k }), false);
}

/** The commented default config that `dadm init-config` writes; it parses to {@link defaultConfig}. */
export function defaultConfigYaml(): string {
  return renderConfigYaml(defaultConfig(), true);
}

interface MergeContext {
  source: string;
  /** Spelling of a TypeScript field in the input (snake_case for YAML, identity for objects). */
  keyName: (camel: string) => string;
}

/** A deep copy (the config is plain JSON data), not checked again. */
function cloneConfig(c: DadmConfig): DadmConfig {
  return structuredClone(c);
}

/** Validates `input` key by key and writes it over `target` (a fresh object owned by the caller). */
function mergeInto(target: DadmConfig, input: unknown, ctx: MergeContext): DadmConfig {
  if (input === null || input === undefined) return target;
  const top = asMapping(input, '', ctx);
  const out = target as unknown as Record<string, unknown>;
  const topNames = new Map<string, string>();
  for (const k of [...Object.keys(TOP_FIELDS), ...Object.keys(SECTIONS)]) topNames.set(ctx.keyName(k), k);
  for (const [key, value] of Object.entries(top)) {
    const field = topNames.get(key);
    if (field === undefined) throw unknownKey(key, '', [...topNames.keys()], ctx);
    if (field in SECTIONS) {
      mergeSection(out[field] as Record<string, unknown>, value, field as SectionName, ctx);
    } else {
      out[field] = checked(value, key, (TOP_FIELDS as Record<string, FieldSpec>)[field]!, ctx);
    }
  }
  checkWarnBelowRetrain(target, ctx);
  return target;
}

function mergeSection(target: Record<string, unknown>, input: unknown, section: SectionName, ctx: MergeContext): void {
  if (input === null || input === undefined) return;
  const fields = SECTIONS[section].fields as Record<string, FieldSpec>;
  const names = new Map<string, string>();
  for (const k of Object.keys(fields)) names.set(ctx.keyName(k), k);
  for (const [key, value] of Object.entries(asMapping(input, section, ctx))) {
    const field = names.get(key);
    if (field === undefined) throw unknownKey(key, `${section}.`, [...names.keys()], ctx);
    target[field] = checked(value, `${section}.${key}`, fields[field]!, ctx);
  }
}

function asMapping(value: unknown, path: string, ctx: MergeContext): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const where = path === '' ? 'top level' : path;
    throw new InvalidOptionError(`${ctx.source}: ${where} must be a mapping of keys, got ${describe(value)}`, path || undefined);
  }
  return value as Record<string, unknown>;
}

function checked(value: unknown, path: string, spec: FieldSpec, ctx: MergeContext): unknown {
  if (!spec.check.test(value)) {
    throw new InvalidOptionError(`${ctx.source}: ${path} must be ${spec.check.allowed}, got ${describe(value)}`, path);
  }
  return Array.isArray(value) ? [...value] : value;
}

function checkWarnBelowRetrain(config: DadmConfig, ctx: MergeContext): void {
  const d = config.drift;
  const pairs: [string, number, number][] = [
    ['psi', d.psiWarn, d.psiRetrain],
    ['wasserstein', d.wassersteinWarn, d.wassersteinRetrain],
    ['ks', d.ksWarn, d.ksRetrain],
  ];
  for (const [name, warn, retrain] of pairs) {
    if (retrain < warn) {
      const r = `drift.${ctx.keyName(`${name}Retrain`)}`;
      const w = `drift.${ctx.keyName(`${name}Warn`)}`;
      throw new InvalidOptionError(`${ctx.source}: ${r} must be >= ${w} (${warn}), got ${retrain}`, r);
    }
  }
}

function unknownKey(key: string, prefix: string, allowed: string[], ctx: MergeContext): InvalidOptionError {
  const near = nearestKey(key, allowed);
  const hint = near === undefined ? '' : ` (did you mean ${prefix}${near}?)`;
  return new InvalidOptionError(`${ctx.source}: unknown key ${prefix}${key}${hint}; allowed: ${allowed.join(', ')}`, `${prefix}${key}`);
}

/** The allowed key closest in edit distance (ignoring case and underscores), if close enough. */
function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/_/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(norm(key), norm(candidate));
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance (insert, delete, substitute each cost 1). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return String(value);
}

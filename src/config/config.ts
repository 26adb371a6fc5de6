/**
 * config.yaml: typed, validated dadm configuration with defaults. YAML uses snake_case keys
 * (`batch_size`), TypeScript the camelCase field (`batchSize`); see docs/config.md for every key.
 * A partial file merges over {@link defaultConfig}; an unknown key or a wrong value is an
 * InvalidOptionError naming the key path, e.g.
 * `"config.yaml: training.batch_size must be a positive integer, got -3"`.
 */
import { existsSync } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { readInputText } from '../io/index.js';
import { defaultConfigLimits, type ConfigLimits } from '../limits.js';
import { DEFAULT_OPSET_VERSION } from '../onnx/index.js';
import type { Activation, BackendOption, ThreadsOption } from '../tensor/index.js';
import {
  SECTIONS, TOP_FIELDS, isSubsection, renderConfigYaml, snakeCase, type EnsembleCombination, type EnsembleMemberName, type FieldSpec,
  type ModelKind, type SectionName, type SubsectionSpec, type ThresholdRule, type TRANSFORMER_OBJECTIVE_NAMES, type OPTIMIZER_KINDS,
  type TRANSFORMER_CENTERING_NAMES,
} from './config-template.js';
import { parseYamlData } from './yaml-data.js';

export {
  MODEL_KIND_NAMES, ENSEMBLE_MEMBER_NAMES, ENSEMBLE_COMBINATIONS, THRESHOLD_RULES, TRANSFORMER_OBJECTIVE_NAMES, TRANSFORMER_CENTERING_NAMES, OPTIMIZER_KINDS,
  type ModelKind, type EnsembleMemberName, type EnsembleCombination, type ThresholdRule,
} from './config-template.js';
export type SchemaMode = 'endpoint-v1' | 'none';
/** The activation union under config's name (defined once in tensor/activation.ts). */
export type ActivationKind = Activation;
export type OptimizerKind = (typeof OPTIMIZER_KINDS)[number];
export type ExplainMethod = 'reconstruction' | 'shap';
/** What the transformer learns; see {@link TRANSFORMER_OBJECTIVE_NAMES}. */
export type TransformerObjective = (typeof TRANSFORMER_OBJECTIVE_NAMES)[number];
/** What the transformer subtracts from each window; see {@link TRANSFORMER_CENTERING_NAMES}. */
export type TransformerCentering = (typeof TRANSFORMER_CENTERING_NAMES)[number];

export type FederatedAggregation = 'fedavg' | 'median' | 'trimmed-mean';
/** How the server applies the aggregate update (FedOpt, Reddi et al. 2021). */
export type ServerOptimizer = 'fedavg' | 'fedavgm' | 'fedadam';

/** The `federated:` section (docs/federated.md): the protocol's limits and options. */
export interface FederatedSettings {
  /** Aggregations to commit before the server calibrates the threshold and stops. */
  rounds: number;
  /** Quorum: fewer accepted clients abort the round (the global model stays). */
  minClients: number;
  /** Most enrolled clients the server accepts. */
  maxClients: number;
  /** Probability that a client is selected in a round (Poisson sampling; 1 = all). */
  clientFraction: number;
  /** Local epochs per round on each client. */
  localEpochs: number;
  /** FedProx μ: local training adds μ/2 ‖w − global‖² to the loss; 0 = plain FedAvg. */
  proximalMu: number;
  /** SCAFFOLD control-variate correction weight α (0 = off), docs/federated.md "Non-IID clients". */
  scaffoldScale: number;
  /** Seconds a round waits for updates (local training included) before it closes. */
  roundTimeoutS: number;
  /** Seconds each later secure-aggregation step (and the calibration) waits. */
  phaseTimeoutS: number;
  /** Seconds one HTTP request may take to arrive (headers and body). */
  requestTimeoutS: number;
  /** Largest request body; 0 = derived from the model size. */
  maxBodyBytes: number;
  /** L2 bound of a client's update: clients clip to it, the server rejects above it. */
  clipNorm: number;
  /** Sample counts above this are capped (the weight, not the rejection). */
  maxSamplesPerClient: number;
  aggregation: FederatedAggregation;
  /** The server's step on the aggregate Δ: fedavg (w += lr Δ), fedavgm (momentum), fedadam (adaptive). */
  serverOptimizer: ServerOptimizer;
  /** η: the server's learning rate (1 with fedavg = plain FedAvg). */
  serverLr: number;
  /** β₁: momentum of fedavgm, first-moment decay of fedadam. */
  serverMomentum: number;
  /** β₂: second-moment decay of fedadam. */
  serverBeta2: number;
  /** τ: fedadam's adaptivity floor (added to √v). */
  serverTau: number;
  /** Fraction cut from each end per coordinate for trimmed-mean. */
  trimFraction: number;
  /** Aborted rounds in a row after which the server gives up. */
  maxAbortedRounds: number;
  secureAggregation: boolean;
  secagg: {
    /** Neighbours each client shares its secrets with, itself included (odd; 0 = all clients). */
    numShares: number;
    /** Shares needed to reconstruct a secret (0 = floor(2/3 of num_shares) + 1). */
    reconstructionThreshold: number;
    /** c: coordinates are clipped to [-c, c] before quantization. */
    clippingRange: number;
    /** R: quantized values lie in [0, R - 1]. */
    quantizationRange: number;
  };
  dp: {
    /** σ: Gaussian noise std on the sum is σ · clip_norm; 0 = no differential privacy. */
    noiseMultiplier: number;
    /** δ at which ε is reported. */
    delta: number;
  };
  tls: { cert: string | null; key: string | null };
  /** Client retries: first backoff, largest backoff, and how long to keep trying before failing. */
  retry: { initialS: number; maxS: number; giveUpS: number };
  /** Longest a client's long-poll request waits for a change. */
  pollWaitS: number;
}

/** The complete, validated configuration (every field present). */
export interface DadmConfig {
  model: ModelKind;
  schema: SchemaMode;
  standardize: boolean;
  /** Which kernels run (tensor's setBackend). */
  backend: BackendOption;
  /** Threads of training steps and batch scoring, the calling one included. */
  threads: ThreadsOption;
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
  threshold: { method: ThresholdRule; quantile: number; contamination: number; targetFpr: number };
  iforest: {
    nEstimators: number;
    maxSamples: 'auto' | number;
    maxFeatures: number;
    bootstrap: boolean;
    contamination: 'auto' | number;
  };
  transformer: {
    dModel: number;
    heads: number;
    layers: number;
    feedForward: number;
    dropout: number;
    activation: 'relu' | 'gelu';
    normFirst: boolean;
    objective: TransformerObjective;
    centering: TransformerCentering;
    contextNoise: number;
    standardizeErrors: boolean;
    batchSize: number;
    shuffleBuffer: number;
  };
  sequence: { window: number; stride: number };
  ecod: { tolerance: number; sampleRows: number };
  ensemble: {
    members: EnsembleMemberName[];
    /** The autoencoder member's minimum optimizer steps (its epochs are raised to reach them). */
    autoencoderMinSteps: number;
    /** How the members' robust z-scores are weighted. */
    combination: EnsembleCombination;
    /** The autoencoder member's hidden widths are capped at this fraction of the previous layer's (0 = off). */
    autoencoderWidthRatio: number;
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
  federated: FederatedSettings;
  /** The raisable memory limits of the files a command reads (src/limits.ts, docs/limits.md). */
  limits: ConfigLimits;
}

/** Any subset of a value's keys, at every level of nested mappings (lists stay whole). */
type PartialOf<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: PartialOf<T[K]> } : T;

/** A config with any subset of keys (sections and their subsections may be partial too), camelCase. */
export type PartialDadmConfig = { [K in keyof DadmConfig]?: PartialOf<DadmConfig[K]> };

/** A fresh copy of the defaults (safe to mutate). */
export function defaultConfig(): DadmConfig {
  return {
    model: 'autoencoder',
    schema: 'endpoint-v1',
    standardize: false,
    backend: 'auto',
    threads: 1,
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
    threshold: { method: 'quantile', quantile: 0.99, contamination: 0.01, targetFpr: 0.01 },
    iforest: { nEstimators: 100, maxSamples: 'auto', maxFeatures: 1, bootstrap: false, contamination: 'auto' },
    transformer: {
      dModel: 32,
      heads: 2,
      layers: 1,
      feedForward: 64,
      dropout: 0,
      activation: 'relu',
      normFirst: false,
      objective: 'next-step',
      centering: 'context-mean',
      contextNoise: 0.5,
      standardizeErrors: true,
      batchSize: 64,
      shuffleBuffer: 4096,
    },
    sequence: { window: 16, stride: 1 },
    ecod: { tolerance: 0.01, sampleRows: 131072 },
    ensemble: { members: ['autoencoder', 'iforest', 'ecod'], combination: 'spread', autoencoderMinSteps: 300, autoencoderWidthRatio: 0.5 },
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
    federated: {
      rounds: 5,
      minClients: 2,
      maxClients: 1000,
      clientFraction: 1,
      localEpochs: 1,
      proximalMu: 0,
      scaffoldScale: 0,
      roundTimeoutS: 300,
      phaseTimeoutS: 30,
      requestTimeoutS: 30,
      maxBodyBytes: 0,
      clipNorm: 10,
      maxSamplesPerClient: 10_000,
      aggregation: 'fedavg',
      serverOptimizer: 'fedavg',
      serverLr: 1,
      serverMomentum: 0.9,
      serverBeta2: 0.99,
      serverTau: 0.001,
      trimFraction: 0.1,
      maxAbortedRounds: 3,
      secureAggregation: false,
      secagg: { numShares: 0, reconstructionThreshold: 0, clippingRange: 8, quantizationRange: 2 ** 22 },
      dp: { noiseMultiplier: 0, delta: 1e-5 },
      tls: { cert: null, key: null },
      retry: { initialS: 0.2, maxS: 5, giveUpS: 120 },
      pollWaitS: 10,
    },
    limits: defaultConfigLimits(),
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
 * Reads and parses a config file through the checked open (a regular file of at most
 * `maxYamlBytes`). Without `path`, reads ./config.yaml if it exists (`implicit`), else returns the
 * defaults (`path` null). Every command with config-driven defaults finds its config here, so they
 * all read ./config.yaml the same way.
 * @throws InvalidOptionError naming the path and `--config` if the file is missing, unreadable or not
 *   a regular file; LimitError for a file over the YAML size limit; see {@link parseConfig}
 */
export function findConfig(path?: string): FoundConfig {
  const file = path ?? IMPLICIT_CONFIG_PATH;
  if (path === undefined && !existsSync(file)) return { config: defaultConfig(), path: null, implicit: false };
  const text = readInputText(file, { what: 'config file', option: '--config', sizeLimit: 'maxYamlBytes' });
  return { config: parseConfig(text, file), path: file, implicit: path === undefined };
}

/**
 * Reads and parses a config file: {@link findConfig}'s config.
 * @throws as {@link findConfig}
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
      mergeMapping(out[field] as Record<string, unknown>, value, { path: field, spec: SECTIONS[field as SectionName] as SubsectionSpec<unknown> }, ctx);
    } else {
      out[field] = checked(value, key, (TOP_FIELDS as Record<string, FieldSpec>)[field]!, ctx);
    }
  }
  checkWarnBelowRetrain(target, ctx);
  checkHeadsDivideWidth(target, ctx);
  checkOneThresholdRule(target, ctx);
  return target;
}

/** Merges a section (or a subsection, e.g. `federated.secagg`) key by key. */
function mergeMapping(target: Record<string, unknown>, input: unknown, at: { path: string; spec: SubsectionSpec<unknown> }, ctx: MergeContext): void {
  if (input === null || input === undefined) return;
  const fields = at.spec.fields as Record<string, FieldSpec | SubsectionSpec<unknown>>;
  const names = new Map<string, string>();
  for (const k of Object.keys(fields)) names.set(ctx.keyName(k), k);
  for (const [key, value] of Object.entries(asMapping(input, at.path, ctx))) {
    const field = names.get(key);
    if (field === undefined) throw unknownKey(key, `${at.path}.`, [...names.keys()], ctx);
    const spec = fields[field]!;
    if (isSubsection(spec)) mergeMapping(target[field] as Record<string, unknown>, value, { path: `${at.path}.${key}`, spec }, ctx);
    else target[field] = checked(value, `${at.path}.${key}`, spec, ctx);
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

/** Attention splits d_model into equal heads. */
function checkHeadsDivideWidth(config: DadmConfig, ctx: MergeContext): void {
  const { dModel, heads } = config.transformer;
  if (dModel % heads !== 0) {
    const h = `transformer.${ctx.keyName('heads')}`;
    throw new InvalidOptionError(`${ctx.source}: ${h} must divide transformer.${ctx.keyName('dModel')} (${dModel}), got ${heads}`, h);
  }
}

/**
 * A forest with a numeric contamination fixes its own threshold (scikit-learn's offset), so a run
 * of model iforest cannot also follow another threshold.method: one of the two would be ignored.
 */
function checkOneThresholdRule(config: DadmConfig, ctx: MergeContext): void {
  if (config.model === 'iforest' && config.iforest.contamination !== 'auto' && config.threshold.method !== 'quantile') {
    const key = `threshold.${ctx.keyName('method')}`;
    throw new InvalidOptionError(
      `${ctx.source}: ${key} must be quantile when iforest.contamination sets the forest's threshold (${config.iforest.contamination}), got ${config.threshold.method} (set iforest.contamination: auto to use ${config.threshold.method})`,
      key,
    );
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

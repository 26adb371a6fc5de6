/**
 * Every option check of {@link TransformerDetector}, with scikit-learn's wording, e.g.
 * "The 'window' option of TransformerDetector must be an integer >= 2. Got 1 instead."
 * The defaults are the `transformer` and `sequence` sections of config.yaml (docs/transformer.md).
 */
import { OPTIMIZER_KINDS, TRANSFORMER_CENTERING_NAMES, defaultConfig, type OptimizerKind, type TransformerCentering } from '../../config/index.js';
import { InvalidOptionError } from '../../errors.js';
import { TRANSFORMER_OBJECTIVES, type TransformerObjective } from './objective.js';

/** Options of {@link TransformerDetector}. */
export interface TransformerOptions {
  /** Steps per window T, an integer >= 2. Default 16. */
  window?: number;
  /** Training sampling: a window every `stride` steps of each host (or every stride-th window). Default 1. */
  stride?: number;
  /** What the network learns; see {@link TransformerObjective}. Default 'next-step'. */
  objective?: TransformerObjective;
  /**
   * What is subtracted from each window before the network reads it: 'none', or 'context-mean' (each
   * active feature's mean over the context steps 0..T-2, from all T steps; the network learns a
   * window's changes, not each host's levels; see docs/transformer.md "Centering"). Default 'context-mean'.
   */
  centering?: TransformerCentering;
  /** Probability that a training window gets a corrupted run of context steps (another host's steps or ramped features); see docs/transformer.md. Default 0.5. */
  contextNoise?: number;
  /** Model width d. Default 32. */
  dModel?: number;
  /** Attention heads, dividing dModel. Default 2. */
  heads?: number;
  /** Encoder layers. Default 1. */
  layers?: number;
  /** Feed-forward width. Default 64. */
  feedForward?: number;
  /** Dropout in training, in [0, 1). Default 0 (the fused training path needs 0; above, autograd is used). */
  dropout?: number;
  /** Feed-forward activation. Default 'relu'. */
  activation?: 'relu' | 'gelu';
  /** Pre-norm layers instead of post-norm. Default false. */
  normFirst?: boolean;
  /** Columns whose prediction error counts in loss and score; null = all. Default null. */
  activeFeatures?: readonly number[] | null;
  /** Passes over the training windows. Default 10. */
  epochs?: number;
  /** Windows per optimisation step. Default 64. */
  batchSize?: number;
  /** Optimizer step size. Default 1e-3. */
  learningRate?: number;
  /** 'adam' (default), 'adamw' (the same: both decay decoupled, as AdamW, when weightDecay > 0) or 'sgd' (torch's SGD with momentum). */
  optimizer?: OptimizerKind;
  /** SGD momentum in [0, 1); ignored by adam and adamw. Default 0.9 (config.yaml `training.momentum`). */
  momentum?: number;
  /** Weight decay: decoupled (AdamW) for adam and adamw, an L2 term for sgd; 0 = off. Default 0. */
  weightDecay?: number;
  /** Global gradient-norm clip, or null for none. Default 1. */
  gradClip?: number | null;
  /** Seed of initialisation, split and shuffling, a non-negative safe integer. Default 0. */
  seed?: number;
  /** Share of hosts (rows form) or windows (3-D form) held out for validation, in [0, 0.5]. Default 0.1. */
  validationFraction?: number;
  /** Epochs without a better validation loss before stopping; 0 = never stop early. Default 3. */
  earlyStoppingPatience?: number;
  /**
   * Score each feature's error in units of its mean squared error on the validation windows (so a
   * quiet feature's jump counts as much as a noisy one's). Default true.
   */
  standardizeErrors?: boolean;
  /** Quantile of the validation scores used as the anomaly threshold, in (0, 1). Default 0.99. */
  thresholdQuantile?: number;
  /** Windows held in the streaming shuffle buffer. Default 4096. */
  shuffleBuffer?: number;
}

/** {@link TransformerOptions} with every default filled in. */
export type ResolvedTransformerOptions = Required<TransformerOptions>;

/**
 * The defaults: architecture, objective, window and stride are config.yaml's `transformer` and
 * `sequence` defaults (one home); the optimisation defaults are the estimator's own (config runs take
 * them from `training`).
 */
export const TRANSFORMER_DEFAULTS: ResolvedTransformerOptions = Object.freeze({
  ...defaultConfig().sequence,
  ...defaultConfig().transformer,
  activeFeatures: null,
  epochs: 10,
  learningRate: 1e-3,
  optimizer: defaultConfig().training.optimizer,
  momentum: defaultConfig().training.momentum,
  weightDecay: 0,
  gradClip: 1,
  seed: 0,
  validationFraction: 0.1,
  earlyStoppingPatience: 3,
  thresholdQuantile: 0.99,
});

function fail(option: string, constraint: string, got: unknown): never {
  const shown = typeof got === 'string' ? `'${got}'` : Array.isArray(got) ? JSON.stringify(got) : String(got);
  throw new InvalidOptionError(`The '${option}' option of TransformerDetector must be ${constraint}. Got ${shown} instead.`, option);
}

const int = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/**
 * The options of a stored (checkpointed) model: as {@link resolveTransformerOptions}, except that a
 * model stored before `centering` existed was trained on uncentered windows, so a missing
 * `centering` is 'none' here, not the current default.
 * @throws InvalidOptionError as resolveTransformerOptions
 */
export function resolveStoredTransformerOptions(options: TransformerOptions): ResolvedTransformerOptions {
  return resolveTransformerOptions({ ...options, centering: options.centering ?? 'none' });
}

/**
 * Fills in defaults and checks every option.
 * @throws InvalidOptionError for an unknown option or a value out of range
 */
export function resolveTransformerOptions(options: TransformerOptions): ResolvedTransformerOptions {
  for (const key of Object.keys(options)) {
    if (!(key in TRANSFORMER_DEFAULTS)) fail(key, `one of ${Object.keys(TRANSFORMER_DEFAULTS).join(', ')} (a known option)`, key);
  }
  const o = { ...TRANSFORMER_DEFAULTS, ...stripUndefined(options) } as ResolvedTransformerOptions;
  if (!int(o.window, 2)) fail('window', 'an integer >= 2', o.window);
  for (const key of ['stride', 'dModel', 'heads', 'layers', 'feedForward', 'epochs', 'batchSize', 'shuffleBuffer'] as const) {
    if (!int(o[key], 1)) fail(key, 'an integer >= 1', o[key]);
  }
  if (o.dModel % o.heads !== 0) fail('heads', `an integer dividing dModel ${o.dModel}`, o.heads);
  if (!TRANSFORMER_OBJECTIVES.includes(o.objective)) fail('objective', `one of ${TRANSFORMER_OBJECTIVES.map((s) => `'${s}'`).join(', ')}`, o.objective);
  if (!TRANSFORMER_CENTERING_NAMES.includes(o.centering)) fail('centering', `one of ${TRANSFORMER_CENTERING_NAMES.map((s) => `'${s}'`).join(', ')}`, o.centering);
  if (o.activation !== 'relu' && o.activation !== 'gelu') fail('activation', "'relu' or 'gelu'", o.activation);
  if (typeof o.normFirst !== 'boolean') fail('normFirst', 'a boolean', o.normFirst);
  if (typeof o.standardizeErrors !== 'boolean') fail('standardizeErrors', 'a boolean', o.standardizeErrors);
  if (!(typeof o.contextNoise === 'number' && o.contextNoise >= 0 && o.contextNoise < 1)) fail('contextNoise', 'a number in [0, 1)', o.contextNoise);
  if (!(typeof o.dropout === 'number' && o.dropout >= 0 && o.dropout < 1)) fail('dropout', 'a number in [0, 1)', o.dropout);
  if (!(typeof o.learningRate === 'number' && o.learningRate > 0 && Number.isFinite(o.learningRate))) fail('learningRate', 'a finite number > 0', o.learningRate);
  if (!OPTIMIZER_KINDS.includes(o.optimizer)) fail('optimizer', `one of ${OPTIMIZER_KINDS.map((s) => `'${s}'`).join(', ')}`, o.optimizer);
  if (!(typeof o.momentum === 'number' && o.momentum >= 0 && o.momentum < 1)) fail('momentum', 'a number in [0, 1)', o.momentum);
  if (!(typeof o.weightDecay === 'number' && o.weightDecay >= 0 && Number.isFinite(o.weightDecay))) fail('weightDecay', 'a finite number >= 0', o.weightDecay);
  if (o.gradClip !== null && !(typeof o.gradClip === 'number' && o.gradClip > 0 && Number.isFinite(o.gradClip))) fail('gradClip', 'a finite number > 0 or null', o.gradClip);
  if (!int(o.seed, 0)) fail('seed', 'a non-negative safe integer', o.seed);
  if (!(typeof o.validationFraction === 'number' && o.validationFraction >= 0 && o.validationFraction <= 0.5)) fail('validationFraction', 'a number in [0, 0.5]', o.validationFraction);
  if (!int(o.earlyStoppingPatience, 0)) fail('earlyStoppingPatience', 'an integer >= 0', o.earlyStoppingPatience);
  if (!(typeof o.thresholdQuantile === 'number' && o.thresholdQuantile > 0 && o.thresholdQuantile < 1)) fail('thresholdQuantile', 'a number in (0, 1)', o.thresholdQuantile);
  const active = o.activeFeatures;
  if (active !== null && !(Array.isArray(active) && active.length > 0 && active.every((j) => int(j, 0)) && new Set(active).size === active.length)) {
    fail('activeFeatures', 'null or a non-empty list of distinct column indices', active);
  }
  return Object.freeze({ ...o, activeFeatures: active === null ? null : Object.freeze([...active]) });
}

function stripUndefined(o: TransformerOptions): TransformerOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as TransformerOptions;
}

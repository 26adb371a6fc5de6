/**
 * Training an ensemble's members: each member kind's own `train` on the ensemble's streamed data,
 * with the member's config (the autoencoder's epochs raised to `ensemble.autoencoder_min_steps`), and
 * a failure reported under the member's name with the way out.
 */
import { ENSEMBLE_MEMBER_NAMES, mergeConfig, type DadmConfig, type EnsembleMemberName } from '../../config/index.js';
import { DadmError, DataError, FormatError, InvalidOptionError, ShapeError, TrainingError } from '../../errors.js';
import { autoencoderKind } from '../autoencoder/index.js';
import { ecodKind } from '../ecod/index.js';
import { iforestKind } from '../iforest/index.js';
import type { ModelKindHandler, TrainContext, TrainingRun } from '../kind.js';

/** The member kinds by name. */
export const MEMBER_KINDS: Readonly<Record<EnsembleMemberName, ModelKindHandler>> = { autoencoder: autoencoderKind, iforest: iforestKind, ecod: ecodKind };

/**
 * The config a member trains with: the ensemble's, except for the autoencoder, which
 * - keeps each hidden layer at most `ensemble.autoencoderWidthRatio` of the layer before it (at least
 *   2 units), starting from the `activeWidth` input features: an autoencoder as wide as its input
 *   learns the identity and stops separating anomalies the longer it trains (docs/ensemble.md,
 *   "The autoencoder member");
 * - runs enough epochs for `ensemble.autoencoderMinSteps` optimizer steps, its early-stopping
 *   patience scaled by the same factor (the same share of the budget). On large files
 *   `training.epochs` already gives more steps and the epochs do not change.
 * @param at.trainingRows rows the member trains on; at.activeWidth the model input's active features
 *   (omit when only the step budget matters, as for the pre-pass's sample size)
 */
export function memberConfig(name: EnsembleMemberName, config: DadmConfig, at: { trainingRows: number; activeWidth?: number }): DadmConfig {
  if (name !== 'autoencoder') return config;
  const t = config.training;
  const stepsPerEpoch = Math.ceil(at.trainingRows / t.batchSize);
  const epochs = Math.max(t.epochs, Math.ceil(config.ensemble.autoencoderMinSteps / stepsPerEpoch));
  const hiddenDims = at.activeWidth === undefined ? config.autoencoder.hiddenDims : cappedWidths(config.autoencoder.hiddenDims, at.activeWidth, config.ensemble.autoencoderWidthRatio);
  if (epochs === t.epochs && hiddenDims.every((h, i) => h === config.autoencoder.hiddenDims[i])) return config;
  const patience = Math.ceil((t.earlyStoppingPatience * epochs) / t.epochs);
  return mergeConfig({ training: { epochs, earlyStoppingPatience: patience }, autoencoder: { hiddenDims } }, config, 'ensemble.autoencoder_min_steps');
}

/** Each width at most `ratio` x the previous layer's (the first: x the input's), at least 2; ratio 0 keeps them. */
function cappedWidths(hidden: readonly number[], input: number, ratio: number): number[] {
  if (ratio === 0) return [...hidden];
  let previous = input;
  return hidden.map((h) => (previous = Math.min(h, Math.max(2, Math.floor(ratio * previous)))));
}

/** Rows the pre-pass must sample for every member's fit (the largest member's need). */
export function membersSampleRows(config: DadmConfig, trainingRows: number): number {
  return Math.max(0, ...config.ensemble.members.map((name) => MEMBER_KINDS[name].fitSampleRows(memberConfig(name, config, { trainingRows }), trainingRows)));
}

/**
 * Trains one member on the ensemble's data.
 * @throws the member's own error class, its message naming the member and how to leave it out
 */
export function trainMember(name: EnsembleMemberName, ctx: TrainContext): TrainingRun {
  const config = memberConfig(name, ctx.config, { trainingRows: ctx.data.split.trainingRows, activeWidth: ctx.schema.activeFeatures });
  try {
    return MEMBER_KINDS[name].train({ ...ctx, config, init: null });
  } catch (err) {
    if (!(err instanceof DadmError)) throw err;
    throw memberError(name, ctx.config.ensemble.members, err);
  }
}

/** `err` under the member's name, of the same class (and fields) so callers can still act on it. */
function memberError(name: EnsembleMemberName, members: readonly EnsembleMemberName[], err: DadmError): DadmError {
  const rest = members.filter((m) => m !== name);
  const way = rest.length >= 2 ? ` (leave it out with ensemble.members: [${rest.join(', ')}])` : ` (an ensemble needs 2 members: add one of ${ENSEMBLE_MEMBER_NAMES.filter((m) => !members.includes(m)).join(', ') || 'the others'} to ensemble.members)`;
  const message = `ensemble: member ${name} must train on this data, got: ${err.message}${way}`;
  if (err instanceof DataError) return new DataError(message, err.source, { ...(err.row !== undefined ? { row: err.row } : {}), ...(err.column !== undefined ? { column: err.column } : {}), ...(err.index !== undefined ? { index: err.index } : {}) });
  if (err instanceof InvalidOptionError) return new InvalidOptionError(message, err.option);
  if (err instanceof ShapeError) return new ShapeError(message, err.op, err.shapes);
  if (err instanceof FormatError) return new FormatError(message, err.source);
  if (err instanceof TrainingError) return new TrainingError(message);
  return new DadmError(message);
}

/**
 * The ensemble kind: its members (autoencoder, isolation forest, ECOD by default; `ensemble.members`)
 * trained on the same streamed rows in one run, each member's score calibrated to a robust z-score on
 * the validation rows (the training rows without validation), the calibrated scores combined by a
 * weighted sum whose weights come from those rows without labels (`ensemble.combination`).
 * docs/ensemble.md.
 */
import { scoreBlocks } from '../../data/index.js';
import { fitCalibration, spreadWeights, type RobustZCalibration } from '../../stats/index.js';
import type { ModelKindHandler, StoredModel, TrainContext, TrainingRun } from '../kind.js';
import { MEMBER_KINDS, membersSampleRows, trainMember } from './members.js';
import { EnsembleModel, loadEnsemble, type EnsembleMember } from './model.js';

/**
 * The power of the spread ratio in `combination: spread`. Chosen by the ensemble study over powers
 * 1 to 3 (docs/ensemble.md, "Combination"); higher powers move towards picking one member.
 */
export const SPREAD_POWER = 3;

export const ensembleKind: ModelKindHandler = {
  name: 'ensemble',
  onnxName: 'ensemble',
  inputForm: 'rows',
  trainsFromWeights: false,
  trainsByEpochs: false,
  reconstructs: false,
  fitSampleRows: membersSampleRows,
  /**
   * @throws the error of a member that cannot train on the data (DataError for ECOD on a constant
   *   column, InvalidOptionError for too few rows for the forest, ...), its message naming the member
   */
  train(ctx: TrainContext): TrainingRun {
    const t0 = performance.now();
    const { file, split, standardizer } = ctx.data;
    const onValidation = split.validationRows > 0;
    const members: Omit<EnsembleMember, 'weight'>[] = [];
    const calibrated: Float64Array[] = [];
    let steps = 0;
    for (const name of ctx.config.ensemble.members) {
      const started = performance.now();
      const run = trainMember(name, ctx);
      steps += run.steps;
      const raw =
        run.validationScores ??
        scoreBlocks({ file, split, blocks: onValidation ? split.validationBlocks : split.trainingBlocks, standardizer, kernel: run.model.score, out: new Float32Array(onValidation ? split.validationRows : split.trainingRows) });
      const calibration = fitCalibration(raw, 'robust-z') as RobustZCalibration;
      members.push({ name, model: run.model, calibration });
      calibrated.push(Float64Array.from(raw, (s) => (s - calibration.center) / calibration.scale));
      ctx.onProgress?.({ kind: 'stage', stage: `member ${name}`, seconds: (performance.now() - started) / 1000 });
    }
    const count = onValidation ? split.validationRows : split.trainingRows;
    const combination = ctx.config.ensemble.combination;
    const weights = spreadWeights(calibrated, combination === 'spread' ? SPREAD_POWER : 0);
    const model = new EnsembleModel(
      members.map((m, k) => ({ ...m, weight: weights[k]! })),
      { rows: onValidation ? 'validation' : 'training', count },
      combination,
    );
    let validationScores: Float32Array | null = null;
    if (onValidation) {
      validationScores = new Float32Array(count);
      for (let i = 0; i < count; i++) validationScores[i] = calibrated.reduce((s, z, k) => s + weights[k]! * z[i]!, 0);
    }
    return {
      model,
      epochs: [{ epoch: 1, trainLoss: Number.NaN, validationLoss: null, seconds: (performance.now() - t0) / 1000 }],
      bestEpoch: 1,
      stoppedEarly: false,
      steps,
      validationScores,
      threshold: null,
    };
  },
  load: (stored: StoredModel) => loadEnsemble(stored, MEMBER_KINDS),
};

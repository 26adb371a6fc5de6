/**
 * The ensemble kind: its members (autoencoder, isolation forest, ECOD by default; `ensemble.members`)
 * trained on the same streamed rows in one run, each member's score calibrated to a robust z-score on
 * the validation rows (the training rows without validation), the calibrated scores averaged.
 * docs/ensemble.md.
 */
import { scoreBlocks } from '../../data/index.js';
import { fitCalibration, type RobustZCalibration } from '../../stats/index.js';
import type { ModelKindHandler, StoredModel, TrainContext, TrainingRun } from '../kind.js';
import { MEMBER_KINDS, membersSampleRows, trainMember } from './members.js';
import { EnsembleModel, loadEnsemble, type EnsembleMember } from './model.js';

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
    const members: EnsembleMember[] = [];
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
    const model = new EnsembleModel(members, { rows: onValidation ? 'validation' : 'training', count });
    let validationScores: Float32Array | null = null;
    if (onValidation) {
      validationScores = new Float32Array(count);
      for (let i = 0; i < count; i++) validationScores[i] = calibrated.reduce((s, z) => s + z[i]!, 0) / calibrated.length;
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

/**
 * The ensemble kind: its members (autoencoder, isolation forest, ECOD by default; `ensemble.members`)
 * trained on the same streamed rows in one run, each member's score calibrated to a robust z-score on
 * all rows (training and validation), the calibrated scores combined by a
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
    const { trainingRows, validationRows } = split;
    const members: Omit<EnsembleMember, 'weight'>[] = [];
    const calibrated: Float64Array[] = [];
    let steps = 0;
    for (const name of ctx.config.ensemble.members) {
      const started = performance.now();
      const run = trainMember(name, ctx);
      steps += run.steps;
      // Calibration and weights read every row, training rows first: on small files the validation
      // rows alone are too few for a stable interquartile range (docs/ensemble.md, "Calibration rows").
      const raw = new Float32Array(trainingRows + validationRows);
      scoreBlocks({ file, split, blocks: split.trainingBlocks, standardizer, kernel: run.model.score, out: raw.subarray(0, trainingRows) });
      if (validationRows > 0) {
        if (run.validationScores !== null) raw.set(run.validationScores, trainingRows);
        else scoreBlocks({ file, split, blocks: split.validationBlocks, standardizer, kernel: run.model.score, out: raw.subarray(trainingRows) });
      }
      const calibration = fitCalibration(raw, 'robust-z') as RobustZCalibration;
      members.push({ name, model: run.model, calibration });
      calibrated.push(Float64Array.from(raw, (s) => (s - calibration.center) / calibration.scale));
      ctx.onProgress?.({ kind: 'stage', stage: `member ${name}`, seconds: (performance.now() - started) / 1000 });
    }
    const combination = ctx.config.ensemble.combination;
    const weights = spreadWeights(calibrated, combination === 'spread' ? SPREAD_POWER : 0);
    const model = new EnsembleModel(
      members.map((m, k) => ({ ...m, weight: weights[k]! })),
      { rows: 'all', count: trainingRows + validationRows },
      combination,
    );
    // The threshold is fitted on the combined scores of the validation rows, as for every kind.
    let validationScores: Float32Array | null = null;
    if (validationRows > 0) {
      validationScores = new Float32Array(validationRows);
      for (let i = 0; i < validationRows; i++) validationScores[i] = calibrated.reduce((s, z, k) => s + weights[k]! * z[trainingRows + i]!, 0);
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

/**
 * The ECOD kind: ECOD (Li et al., TKDE 2022) fitted in one pass on the training rows' active columns
 * (all of them up to `ecod.sample_rows`, else a uniform sample drawn by the pre-pass), scored by its
 * anomaly score. Parameter-free; docs/ecod.md.
 */
import { ECOD } from '../../ecod/index.js';
import { scoreBlocks } from '../../data/index.js';
import { InvalidOptionError } from '../../errors.js';
import { standardizeInPlace } from '../../schema/index.js';
import type { ModelKindHandler, TrainContext, TrainingRun } from '../kind.js';
import { EcodModel, loadEcod } from './model.js';

export const ecodKind: ModelKindHandler = {
  name: 'ecod',
  onnxName: 'ecod',
  inputForm: 'rows',
  trainsFromWeights: false,
  trainsByEpochs: false,
  reconstructs: false,
  fitSampleRows: (config, trainingRows) => Math.min(trainingRows, config.ecod.sampleRows),
  /** @throws DataError for fewer than 2 rows or a constant active column (ECOD.fit names it) */
  train(ctx: TrainContext): TrainingRun {
    const { data, config, schema } = ctx;
    const { file, split, standardizer, fitSample } = data;
    if (fitSample === null) throw new InvalidOptionError('ecod: data.fitSample must hold the fitSampleRows(config, trainingRows) rows the pre-pass samples, got null', 'fitSample');
    const t0 = performance.now();
    const sample = fitSample.sorted();
    const n = sample.index.length;
    const cols = file.cols;
    const active = schema.activeFeatures;
    if (standardizer !== null) standardizeInPlace(standardizer, sample.rows, n);
    const x = new Float32Array(n * active);
    for (let r = 0; r < n; r++) x.set(sample.rows.subarray(r * cols, r * cols + active), r * active);
    const model = new EcodModel(new ECOD({ tolerance: config.ecod.tolerance }).fit({ data: x, shape: [n, active] }), cols);
    const validationScores =
      split.validationRows > 0
        ? scoreBlocks({ file, split, blocks: split.validationBlocks, standardizer, kernel: model.score, out: new Float32Array(split.validationRows) })
        : null;
    return {
      model,
      epochs: [{ epoch: 1, trainLoss: Number.NaN, validationLoss: null, seconds: (performance.now() - t0) / 1000 }],
      bestEpoch: 1,
      stoppedEarly: false,
      steps: 0,
      validationScores,
      threshold: null,
    };
  },
  load: loadEcod,
};

/**
 * The isolation-forest kind: scikit-learn's IsolationForest fitted in one pass on a bounded uniform
 * sample of the training rows (drawn by the pre-pass), scored by `anomalyScore`. docs/iforest.md.
 */
import { scoreBlocks } from '../../data/index.js';
import { InvalidOptionError } from '../../errors.js';
import { standardizeInPlace } from '../../schema/index.js';
import type { ModelKindHandler, TrainContext, TrainingRun } from '../kind.js';
import { iforestFromOnnx } from './from-onnx.js';
import { IforestModel, fitForest, forestSampleRows, loadForest } from './model.js';

export const iforestKind: ModelKindHandler = {
  name: 'iforest',
  onnxName: 'isolation_forest',
  inputForm: 'rows',
  trainsFromWeights: false,
  trainsByEpochs: false,
  reconstructs: false,
  fitSampleRows: forestSampleRows,
  train(ctx: TrainContext): TrainingRun {
    const { data, config } = ctx;
    const { file, split, standardizer, fitSample } = data;
    if (fitSample === null) throw new InvalidOptionError('iforest: data.fitSample must hold the fitSampleRows(config, trainingRows) rows the pre-pass samples, got null', 'fitSample');
    const t0 = performance.now();
    const sample = fitSample.sorted();
    const n = sample.index.length;
    if (standardizer !== null) standardizeInPlace(standardizer, sample.rows, n);
    const forest = fitForest({ rows: sample.rows, n, cols: file.cols }, config, split.trainingRows);
    const model = new IforestModel(forest);
    const validationScores =
      split.validationRows > 0
        ? scoreBlocks({ file, split, blocks: split.validationBlocks, standardizer, kernel: model.score, out: new Float32Array(split.validationRows) })
        : null;
    const seconds = (performance.now() - t0) / 1000;
    return {
      model,
      epochs: [{ epoch: 1, trainLoss: Number.NaN, validationLoss: null, seconds }],
      bestEpoch: 1,
      stoppedEarly: false,
      steps: 0,
      validationScores,
      // decisionFunction = scoreSamples - offset < 0  <=>  anomalyScore > -offset.
      threshold: config.iforest.contamination === 'auto' ? null : { value: -forest.offset, method: 'iforest-contamination' },
    };
  },
  load: loadForest,
  explainFromOnnx: iforestFromOnnx,
};

/**
 * The transformer kind: a tiny transformer trained on windows of a host's consecutive rows (rows +
 * host ids, or a 3-D window file), scoring each step from its context. docs/transformer.md.
 */
import { fileRows, standardizedRows, windowRows, type SequenceSource, type TrainingData } from '../../data/index.js';
import { InvalidOptionError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { FittedModel, ModelKindHandler, TrainContext, TrainingRun } from '../kind.js';
import { TransformerModel, loadTransformer, transformerOptions } from './model.js';
import { TransformerDetector } from './transformer-detector.js';
import { ERROR_SCALE } from './scoring.js';
import type { TransformerProgress } from './train-transformer.js';

export const transformerKind: ModelKindHandler = {
  name: 'transformer',
  onnxName: 'transformer',
  inputForm: 'windows',
  trainsFromWeights: true,
  trainsByEpochs: true,
  reconstructs: false,
  fitSampleRows: () => 0,
  initialModel(config, schema) {
    return new TransformerModel(new TransformerDetector(transformerOptions(config, schema)).untrained(schema.dim));
  },
  train(ctx: TrainContext): TrainingRun {
    const detector = new TransformerDetector(transformerOptions(ctx.config, ctx.schema));
    const init = ctx.init === null ? {} : { init: initDetector(ctx.init) };
    detector.fit(sequenceSource(ctx.data), {
      ...init,
      threads: ctx.config.threads,
      ...(ctx.onProgress ? { onProgress: progressOf(ctx.onProgress, detector.options.batchSize) } : {}),
      ...(ctx.adjustGradients ? { adjustGradients: ctx.adjustGradients } : {}),
    });
    const fit = detector.fitSummary;
    return {
      model: new TransformerModel(detector),
      epochs: detector.history.map((e) => ({ ...e })),
      bestEpoch: detector.toState().metadata.bestEpoch,
      stoppedEarly: fit.stoppedEarly,
      steps: fit.steps,
      // The threshold windows are a share of hosts (or of a 3-D file's windows), not the row split's blocks.
      validationScores: fit.thresholdScores,
      threshold: null,
    };
  },
  load: loadTransformer,
  // error_scale is each feature's mean squared error under the weights: fitted, not trained.
  fittedStatistic: {
    tensor: ERROR_SCALE,
    sums: (model, data) => initDetector(model).errorSums(sequenceSource(data)),
    value: (model, merged) => initDetector(model).errorScaleFromSums(merged.sums, merged.count),
  },
};

/** The detector of an `init` model. @throws InvalidOptionError for a model of another kind */
function initDetector(init: FittedModel): TransformerDetector {
  if (!(init instanceof TransformerModel)) throw new InvalidOptionError(`train: init must be a transformer model, got ${init.kind}`, 'init');
  return init.detector;
}

/**
 * The training file as sequence data in model-input units: a 3-D file's own windows, or the rows
 * with their host ids.
 * @throws InvalidOptionError for 2-D rows without host ids
 */
export function sequenceSource(data: TrainingData): SequenceSource {
  const rows = standardizedRows(fileRows(data.file), data.standardizer);
  if (data.file.steps > 1) return { windows: windowRows(rows, data.file.steps) };
  if (data.hosts === null) {
    throw new InvalidOptionError(`train: model transformer must be given host ids (--hosts hosts.npy) for 2-D rows, or a 3-D window file [N, T, F], got ${data.file.source} without host ids`, 'hosts');
  }
  return { data: rows, hosts: data.hosts };
}

/** The detector's progress as the pipeline's events (windows count as rows). */
function progressOf(onProgress: ProgressCallback, batchSize: number): (p: TransformerProgress) => void {
  return (p) => {
    if (p.kind === 'step') {
      onProgress({ kind: 'step', epoch: p.epoch, epochs: p.epochs, step: p.step, steps: Math.ceil(p.windowsTotal / batchSize), rowsDone: p.windowsDone, rowsTotal: p.windowsTotal, loss: p.loss });
    } else {
      onProgress({ kind: 'epoch', epoch: p.epoch, epochs: p.epochs, trainLoss: p.trainLoss, validationLoss: p.validationLoss, best: p.best, seconds: p.seconds });
    }
  };
}

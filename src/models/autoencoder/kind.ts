/**
 * The autoencoder kind: a dense autoencoder trained by minibatch gradient descent on the streamed
 * rows, scored by its mean squared reconstruction error over the active features. docs/pipeline.md.
 */
import type { ModelKindHandler, TrainContext, TrainingRun } from '../kind.js';
import { autoencoderFromOnnx } from './from-onnx.js';
import { AutoencoderModel, architectureFor, buildAutoencoder, buildAutoencoderOptimizer, loadAutoencoder, networkFrom } from './model.js';
import { trainAutoencoderLoop } from './train-loop.js';

export const autoencoderKind: ModelKindHandler = {
  name: 'autoencoder',
  onnxName: 'autoencoder',
  inputForm: 'rows',
  trainsFromWeights: true,
  trainsByEpochs: true,
  reconstructs: true,
  fitSampleRows: () => 0,
  initialModel(config, schema) {
    const arch = architectureFor(config, schema);
    return new AutoencoderModel(buildAutoencoder(arch, config.training.seed), arch);
  },
  train(ctx: TrainContext): TrainingRun {
    const { config, schema } = ctx;
    const arch = architectureFor(config, schema);
    const seed = config.training.seed;
    const network = ctx.init === null ? buildAutoencoder(arch, seed) : networkFrom(ctx.init, arch, seed);
    const model = new AutoencoderModel(network, arch);
    const run = trainAutoencoderLoop({
      data: ctx.data,
      config,
      model,
      optimizer: buildAutoencoderOptimizer(network, config),
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      ...(ctx.adjustGradients ? { adjustGradients: ctx.adjustGradients } : {}),
    });
    return { model, ...run, threshold: null };
  },
  load: loadAutoencoder,
  explainFromOnnx: autoencoderFromOnnx,
};

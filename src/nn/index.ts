/**
 * Neural-network layers and training: `Module` (torch-style named parameters and state dicts),
 * Linear, activations, Dropout, Sequential, LayerNorm, MSELoss, the SGD/Adam/AdamW optimizers,
 * `clipGradNorm`, and the anomaly-detection `Autoencoder` with its fused training step.
 */
export { Module, type StateDict } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { ReLU, GELU, Tanh, Sigmoid, type GELUOptions } from './activations.js';
export { Dropout } from './dropout.js';
export { Sequential } from './sequential.js';
export { LayerNorm, type LayerNormModuleOptions } from './layer-norm.js';
export { MSELoss, type MSELossOptions } from './mse-loss.js';
export { Optimizer, type Hyperparameters } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { clipGradNorm } from './clip-grad-norm.js';
export { FusedMlp, type Activation, type DenseLayer, type Parameter, type SliceOptions } from './fused-mlp.js';
export { ParallelSequenceTrainer, type ParallelSequenceOptions } from './parallel-sequence.js';
export { ParallelTransformerTrainer, fusedParameters, transformerSliceStep, type ParallelTransformerOptions } from './parallel-transformer.js';
export { ParallelMlpScorer, ParallelMlpTrainer, mlpScoreTask, mlpSliceStep, type ParallelMlpOptions, type ParallelMlpScorerOptions } from './parallel-mlp.js';
export { Autoencoder, type AutoencoderOptions } from './autoencoder.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type AttentionOptions, type AttentionResult } from './multihead-attention.js';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type EncoderForwardOptions } from './transformer-encoder-layer.js';
export { SequenceAutoencoder, type SequenceAutoencoderOptions } from './sequence-autoencoder.js';
export { FusedTransformer, type FusedTransformerParts, type FusedBatch, type FusedLoss } from './fused-transformer.js';

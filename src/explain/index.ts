/**
 * Explanations of anomaly scores: which features drove a row's score. Reconstruction attribution
 * for reconstruction-based models, interventional Shapley values (exact, with a structured fast
 * path for MLP autoencoders, or KernelSHAP) for any score function. Depends only on tensor and
 * errors. See docs/explain.md.
 */
export { reconstructionAttribution, type ReconstructionInputs } from './reconstruction-attribution.js';
export { shapleyValues, scoreFnOf, type Background, type ShapleyOptions, type ShapleyResult } from './shapley-values.js';
export { releaseKernels } from './mlp-coalition-kernel.js';
export { forestScoreFn, type IsolationForestModel } from './forest-coalition-values.js';
export { topK, shapleyAttribution, type FeatureAttribution, type ReconstructionFeature } from './feature-attribution.js';
export {
  mlpScoreFn,
  checkMlpModel,
  type ScoreFn,
  type MlpAutoencoderModel,
  type MlpActivation,
  type LinearWeights,
  type ExplainableModel,
  type WeightedSumModel,
} from './score-model.js';

/**
 * The model-kind registry: every kind dadm can train, by its config name. Commands look kinds up
 * here and never branch on a kind's name. Adding a kind is one folder and one line in
 * {@link MODEL_KINDS} (docs/architecture.md, "Adding a model kind").
 */
import type { ModelKind } from '../config/index.js';
import { autoencoderKind } from './autoencoder/index.js';
import { ecodKind } from './ecod/index.js';
import { ensembleKind } from './ensemble/index.js';
import { iforestKind } from './iforest/index.js';
import type { ModelKindHandler } from './kind.js';
import { transformerKind } from './transformer/index.js';

/** Every model kind by name; the type makes a name of config's `MODEL_KIND_NAMES` without a handler a compile error. */
export const MODEL_KINDS: { readonly [K in ModelKind]: ModelKindHandler } = {
  autoencoder: autoencoderKind,
  iforest: iforestKind,
  ecod: ecodKind,
  ensemble: ensembleKind,
  transformer: transformerKind,
};

/** The handler of a kind named in a (validated) config or checkpoint. */
export function modelKind(name: ModelKind): ModelKindHandler {
  return MODEL_KINDS[name];
}

/** Every registered handler, in registry order. */
export function modelKinds(): ModelKindHandler[] {
  return Object.values(MODEL_KINDS);
}

/** The kind an ONNX file's `dadm.model_type` names (its `onnxName`, or its config name), or undefined. */
export function kindOfOnnxName(name: string): ModelKindHandler | undefined {
  return modelKinds().find((k) => k.onnxName === name || k.name === name);
}

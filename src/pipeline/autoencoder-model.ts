/**
 * The autoencoder side of the pipeline: building the model and optimizer from the config, the
 * checkpoint tensors (PyTorch state-dict names, F32) and loading them back.
 */
import { DadmError, FormatError, InvalidOptionError } from '../errors.js';
import type { SafetensorsContents, SafetensorsTensorLike } from '../io/index.js';
import { Adam, AdamW, Autoencoder, SGD, type Optimizer } from '../nn/index.js';
import type { FeatureSchema, Standardizer } from '../schema/index.js';
import { Random, Tensor } from '../tensor/index.js';
import { parseJson, readCheckpoint } from './checkpoint.js';
import type { ActivationKind, DadmConfig } from './config.js';
import type { ScoreKernel } from './iforest-model.js';

/** What the `architecture` metadata key records. */
export interface AutoencoderArchitecture {
  input_dim: number;
  hidden_dims: number[];
  activation: ActivationKind;
  /** Number of leading active columns; the score (and, in schema mode, the loss) averages over them. */
  active_features: number;
  loss_features: 'all' | 'active';
}

/** The architecture a config and schema call for. */
export function architectureFor(config: DadmConfig, schema: FeatureSchema): AutoencoderArchitecture {
  return {
    input_dim: schema.dim,
    hidden_dims: [...config.autoencoder.hiddenDims],
    activation: config.autoencoder.activation,
    active_features: schema.activeFeatures,
    // Padding columns are always 0: leaving them out of the loss keeps the gradient scale of the real features.
    loss_features: schema.activeFeatures < schema.dim ? 'active' : 'all',
  };
}

/** A model with weights drawn from `Random(seed)` (PyTorch's Linear init rule, layer by layer). */
export function buildAutoencoder(arch: AutoencoderArchitecture, seed: number): Autoencoder {
  const active = arch.active_features < arch.input_dim ? Array.from({ length: arch.active_features }, (_, j) => j) : null;
  return new Autoencoder({
    inputDim: arch.input_dim,
    hiddenDims: arch.hidden_dims,
    activation: arch.activation,
    activeFeatures: active,
    lossFeatures: arch.loss_features,
    rng: new Random(seed),
  });
}

/** The optimizer named by `training.optimizer`. */
export function buildOptimizer(model: Autoencoder, config: DadmConfig): Optimizer {
  const t = config.training;
  if (t.optimizer === 'sgd') return new SGD(model.parameters(), { lr: t.learningRate, momentum: t.momentum, weightDecay: t.weightDecay });
  const Cls = t.optimizer === 'adamw' ? AdamW : Adam;
  return new Cls(model.parameters(), { lr: t.learningRate, weightDecay: t.weightDecay });
}

/** Score kernel: per-row mean squared reconstruction error over the active features. */
export function autoencoderKernel(model: Autoencoder): ScoreKernel {
  return (x, n, _cols, out) => {
    // nn's `score` types `out` by its default value; any Float32Array view works.
    model.score(x, n, out as Float32Array<ArrayBuffer>);
  };
}

/** State-dict tensors (F32) and the `architecture` / `score` metadata keys. */
export function autoencoderCheckpoint(model: Autoencoder, arch: AutoencoderArchitecture): {
  tensors: Map<string, SafetensorsTensorLike>;
  metadata: Record<string, string>;
} {
  const tensors = new Map<string, SafetensorsTensorLike>();
  for (const [name, t] of model.stateDict()) tensors.set(name, { data: t.data, shape: t.shape });
  return {
    tensors,
    metadata: {
      architecture: JSON.stringify(arch),
      score: 'mean squared reconstruction error over the active features, higher = more anomalous',
    },
  };
}

/**
 * Rebuilds the autoencoder of a checkpoint.
 * @throws FormatError naming the file for missing/invalid architecture metadata or weights
 */
export function loadAutoencoder(path: string, contents: SafetensorsContents): { model: Autoencoder; arch: AutoencoderArchitecture } {
  const text = contents.metadata.architecture;
  if (text === undefined) throw new FormatError(`${path}: metadata key 'architecture' must be present, got nothing (corrupted checkpoint)`, path);
  const arch = parseJson(path, 'architecture', text) as AutoencoderArchitecture;
  const state = new Map<string, Tensor>();
  for (const [name, t] of contents.tensors) {
    if (name.startsWith('scaler.')) continue;
    if (t.dtype !== 'F32') throw new FormatError(`${path}: tensor ${name} must be F32, got ${t.dtype}`, path);
    state.set(name, new Tensor(t.data as Float32Array, t.shape));
  }
  try {
    const model = buildAutoencoder(arch, 0);
    model.loadStateDict(state);
    return { model, arch };
  } catch (err) {
    if (err instanceof DadmError) throw new FormatError(`${path}: autoencoder weights must match the recorded architecture, got: ${err.message}`, path);
    throw err;
  }
}

/** The starting point read from `--init-checkpoint`: its weights and its scaler (reused as is). */
export interface InitCheckpoint {
  model: Autoencoder;
  standardizer: Standardizer | null;
}

/**
 * Reads an autoencoder checkpoint to continue training from.
 * @throws InvalidOptionError when it is not an autoencoder checkpoint, the run is not an autoencoder
 *   run, or its schema or architecture differ from the config's; FormatError as {@link readCheckpoint}
 */
export function readInitCheckpoint(path: string, config: DadmConfig, schema: FeatureSchema): InitCheckpoint {
  const ckpt = readCheckpoint(path);
  if (ckpt.modelType !== 'autoencoder' || config.model !== 'autoencoder') {
    throw new InvalidOptionError(`train: --init-checkpoint must be an autoencoder checkpoint for an autoencoder run, got ${ckpt.modelType} for model ${config.model}`, 'initCheckpoint');
  }
  if (ckpt.schema.hash !== schema.hash) {
    throw new InvalidOptionError(`train: --init-checkpoint schema must be ${schema.name} (hash ${schema.hash.slice(0, 12)}), got ${ckpt.schema.name} (hash ${ckpt.schema.hash.slice(0, 12)})`, 'initCheckpoint');
  }
  const { model, arch } = loadAutoencoder(path, ckpt.contents);
  const want = architectureFor(config, schema);
  if (JSON.stringify(arch) !== JSON.stringify(want)) {
    throw new InvalidOptionError(`train: --init-checkpoint architecture must match the config ${JSON.stringify(want)}, got ${JSON.stringify(arch)}`, 'initCheckpoint');
  }
  return { model, standardizer: ckpt.standardizer };
}

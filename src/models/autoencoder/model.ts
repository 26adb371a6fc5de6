/**
 * The autoencoder kind's fitted model: an nn {@link Autoencoder} plus the architecture its checkpoint
 * records. Builds the network and optimizer from the config, writes and reads the checkpoint tensors
 * (PyTorch state-dict names, F32) and exports the ONNX scoring graph.
 */
import { DadmError, FormatError, InvalidOptionError } from '../../errors.js';
import type { ActivationKind, DadmConfig } from '../../config/index.js';
import { Autoencoder, type Optimizer } from '../../nn/index.js';
import type { onnx } from '../../onnx/index.js';
import { exportAutoencoder } from '../../onnx-writer/index.js';
import type { FeatureSchema } from '../../schema/index.js';
import { ACTIVATIONS, Random, Tensor } from '../../tensor/index.js';
import { parseJson } from '../checkpoint.js';
import { buildOptimizer } from '../optimizer.js';
import type { ExplainHooks, FittedModel, InputShape, ModelState, OnnxExportContext, ParallelScoreKernel, ScoreKernel, StoredModel } from '../kind.js';

/** What the `architecture` metadata key records. */
export interface AutoencoderArchitecture {
  input_dim: number;
  hidden_dims: number[];
  activation: ActivationKind;
  /** Number of leading active columns; the score (and, in schema mode, the loss) averages over them. */
  active_features: number;
  loss_features: 'all' | 'active';
}

/** How `dadm inspect` names each activation. */
const ACTIVATION_NAMES: Record<ActivationKind, string> = { relu: 'ReLU', gelu: 'GELU', tanh: 'Tanh' };

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

/** A network with weights drawn from `Random(seed)` (PyTorch's Linear init rule, layer by layer). */
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
export function buildAutoencoderOptimizer(network: Autoencoder, config: DadmConfig): Optimizer {
  return buildOptimizer(config.training.optimizer, network.parameters(), config.training);
}

/** A trained autoencoder: score = mean squared reconstruction error over the active features. */
export class AutoencoderModel implements FittedModel {
  readonly kind = 'autoencoder' as const;
  readonly input: InputShape;
  readonly score: ScoreKernel;
  readonly explain: ExplainHooks;

  constructor(
    readonly network: Autoencoder,
    readonly arch: AutoencoderArchitecture,
  ) {
    this.input = { form: 'rows', steps: 1, width: arch.input_dim };
    // nn's `score` types `out` by its default value; any Float32Array view works.
    this.score = (x, n, out) => void network.score(x, n, out as Float32Array<ArrayBuffer>);
    this.explain = { shapModel: { kind: 'mlp-autoencoder', ...network.mlpSpec() }, reconstruct: (z) => network.reconstruct(z, 1) };
  }

  /** The network's scorer on `threads` threads (nn's ParallelMlpScorer). */
  parallelScore(threads: number): ParallelScoreKernel {
    const scorer = this.network.parallelScorer(threads);
    return { kernel: (x, n, out) => void scorer.score(x, n, out as Float32Array<ArrayBuffer>), close: () => scorer.close() };
  }

  /** State-dict tensors (F32) and the `architecture` / `score` metadata keys. */
  state(): ModelState {
    const tensors: ModelState['tensors'] = new Map();
    for (const [name, t] of this.network.stateDict()) tensors.set(name, { data: t.data, shape: t.shape });
    return {
      tensors,
      metadata: {
        architecture: JSON.stringify(this.arch),
        score: 'mean squared reconstruction error over the active features, higher = more anomalous',
      },
    };
  }

  /**
   * `exportAutoencoder` on the network's layers (PyTorch layout), the scaler and the schema's active
   * features; `score [batch]` and `reconstruction [batch, D]` outputs.
   */
  exportOnnx(ctx: OnnxExportContext): onnx.ModelProto {
    const { schema, standardizer } = ctx;
    const spec = this.network.mlpSpec();
    return exportAutoencoder(
      {
        layers: spec.layers,
        activation: spec.activation,
        inputDim: this.arch.input_dim,
        activeFeatures: schema.activeFeatures < schema.dim ? Array.from({ length: schema.activeFeatures }, (_, j) => j) : null,
        ...(standardizer !== null ? { scaler: { mean: standardizer.mean, std: standardizer.scale } } : {}),
        metadata: ctx.metadata,
      },
      { opset: ctx.opset, dynamicBatch: ctx.dynamicBatch, foldScaler: ctx.foldScaler },
    );
  }

  /** Linear layers and activations, e.g. `{ Linear: 4, ReLU: 3 }`. */
  describe(): Record<string, number> {
    const k = this.arch.hidden_dims.length;
    return { Linear: 2 * k, [ACTIVATION_NAMES[this.arch.activation]]: 2 * k - 1 };
  }
}

/** Parameters of the network an architecture describes: encoder `[D, h1..hk]` and decoder back to D, each Linear `in*out + out`. */
function parameterCount(arch: Pick<AutoencoderArchitecture, 'input_dim' | 'hidden_dims'>): number {
  const dims = [arch.input_dim, ...arch.hidden_dims];
  const chain = [...dims, ...dims.slice(0, -1).reverse()];
  let n = 0;
  for (let i = 0; i + 1 < chain.length; i++) n += chain[i]! * chain[i + 1]! + chain[i + 1]!;
  return n;
}

/**
 * The checkpoint's `architecture`, checked before anything is built from it: field types and ranges,
 * the schema's width and active features, and the weights' total size (so a hostile `hidden_dims`
 * cannot ask for more memory than the file holds).
 * @param weights the F32 model tensors (scaler excluded) the file holds, in elements
 * @throws FormatError naming the file and the field
 */
function checkArchitecture(stored: StoredModel, value: unknown, weights: number): AutoencoderArchitecture {
  const { path, schema } = stored;
  const fail = (field: string, constraint: string, got: unknown): never => {
    throw new FormatError(`${path}: metadata architecture${field === '' ? '' : `.${field}`} must ${constraint}, got ${JSON.stringify(got) ?? String(got)}`, path);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('', 'be an object', value);
  const a = value as Record<string, unknown>;
  if (a.input_dim !== schema.dim) fail('input_dim', `be ${schema.dim} (schema ${schema.name})`, a.input_dim);
  const hidden = a.hidden_dims;
  if (!Array.isArray(hidden) || hidden.length === 0 || !hidden.every((d) => Number.isSafeInteger(d) && (d as number) >= 1)) {
    fail('hidden_dims', 'be a non-empty list of positive integers', hidden);
  }
  if (!(ACTIVATIONS as readonly unknown[]).includes(a.activation)) fail('activation', `be one of ${ACTIVATIONS.join(', ')}`, a.activation);
  if (a.active_features !== schema.activeFeatures) fail('active_features', `be ${schema.activeFeatures} (schema ${schema.name})`, a.active_features);
  if (a.loss_features !== 'all' && a.loss_features !== 'active') fail('loss_features', "be 'all' or 'active'", a.loss_features);
  const arch = a as unknown as AutoencoderArchitecture;
  const params = parameterCount(arch);
  if (params !== weights) fail('hidden_dims', `describe the ${weights} weights the file holds`, `${JSON.stringify(hidden)} (${params} weights)`);
  return arch;
}

/**
 * Rebuilds the autoencoder of a checkpoint; the architecture is checked before the network is built.
 * @throws FormatError naming the file for missing/invalid architecture metadata or weights
 */
export function loadAutoencoder(stored: StoredModel): AutoencoderModel {
  const { path } = stored;
  const text = stored.metadata.architecture;
  if (text === undefined) throw new FormatError(`${path}: metadata key 'architecture' must be present, got nothing (corrupted checkpoint)`, path);
  const state = new Map<string, Tensor>();
  let weights = 0;
  for (const [name, t] of stored.tensors) {
    if (name.startsWith('scaler.')) continue;
    if (t.dtype !== 'F32') throw new FormatError(`${path}: tensor ${name} must be F32, got ${t.dtype}`, path);
    state.set(name, new Tensor(t.data as Float32Array, t.shape));
    weights += t.data.length;
  }
  const arch = checkArchitecture(stored, parseJson(path, 'architecture', text), weights);
  try {
    const network = buildAutoencoder(arch, 0);
    network.loadStateDict(state);
    return new AutoencoderModel(network, arch);
  } catch (err) {
    if (err instanceof DadmError) throw new FormatError(`${path}: autoencoder weights must match the recorded architecture, got: ${err.message}`, path);
    throw err;
  }
}

/**
 * A fresh network with the weights of `init` (not shared: training does not change `init`).
 * @throws InvalidOptionError when `init` is not an autoencoder of architecture `arch`
 */
export function networkFrom(init: FittedModel, arch: AutoencoderArchitecture, seed: number): Autoencoder {
  if (!(init instanceof AutoencoderModel)) {
    throw new InvalidOptionError(`train: --init-checkpoint must be an autoencoder checkpoint for an autoencoder run, got ${init.kind}`, 'initCheckpoint');
  }
  if (JSON.stringify(init.arch) !== JSON.stringify(arch)) {
    throw new InvalidOptionError(`train: --init-checkpoint architecture must match the config ${JSON.stringify(arch)}, got ${JSON.stringify(init.arch)}`, 'initCheckpoint');
  }
  const network = buildAutoencoder(arch, seed);
  network.loadStateDict(init.network.stateDict());
  return network;
}

/**
 * The transformer kind's fitted model: a {@link TransformerDetector} behind the model-kind contract.
 * Items are windows `[T, D]` (a row's score is the score of the window that ends at it); the
 * checkpoint keeps the network under PyTorch state-dict names plus `error_scale`, and the options,
 * features and history under the `transformer` metadata key. docs/transformer.md.
 */
import { DadmError, FormatError } from '../../errors.js';
import type { DadmConfig } from '../../config/index.js';
import type { TransformerExportSpec } from '../../model-spec/index.js';
import { METADATA_KEYS, type onnx } from '../../onnx/index.js';
import { exportTransformer } from '../../onnx-writer/index.js';
import type { FeatureSchema, Standardizer } from '../../schema/index.js';
import { Tensor } from '../../tensor/index.js';
import { parseJson } from '../checkpoint.js';
import type { ExplainHooks, FittedModel, InputShape, ModelState, OnnxExportContext, ScoreKernel, StoredModel } from '../kind.js';
import { transformerExportSpec } from './export-spec.js';
import { stepAttribution, windowCoalitionScore } from './explain-hooks.js';
import { objectiveLayout } from './objective.js';
import { resolveStoredTransformerOptions, type TransformerOptions } from './options.js';
import type { TransformerEpoch } from './train-transformer.js';
import { TransformerDetector, type TransformerMetadata } from './transformer-detector.js';

/** The metadata key holding {@link TransformerMetadata} as JSON. */
const METADATA_KEY = 'transformer';

/**
 * The detector options a config and schema call for: architecture and objective from `transformer`,
 * window and stride from `sequence`, optimisation, seed, split and patience from `training`, the
 * threshold quantile from `threshold`; the loss and score read the schema's active features.
 */
export function transformerOptions(config: DadmConfig, schema: FeatureSchema): TransformerOptions {
  const { transformer: t, training: tr } = config;
  return {
    window: config.sequence.window,
    stride: config.sequence.stride,
    objective: t.objective,
    centering: t.centering,
    contextNoise: t.contextNoise,
    dModel: t.dModel,
    heads: t.heads,
    layers: t.layers,
    feedForward: t.feedForward,
    dropout: t.dropout,
    activation: t.activation,
    normFirst: t.normFirst,
    activeFeatures: schema.activeFeatures < schema.dim ? Array.from({ length: schema.activeFeatures }, (_, j) => j) : null,
    epochs: tr.epochs,
    batchSize: t.batchSize,
    learningRate: tr.learningRate,
    optimizer: tr.optimizer,
    momentum: tr.momentum,
    weightDecay: tr.weightDecay,
    gradClip: tr.gradClip,
    seed: tr.seed,
    validationFraction: tr.validationFraction,
    earlyStoppingPatience: tr.earlyStoppingPatience,
    standardizeErrors: t.standardizeErrors,
    thresholdQuantile: config.threshold.quantile,
    shuffleBuffer: t.shuffleBuffer,
  };
}

/** A fitted transformer: score = standardized squared prediction error of a window's last step. */
export class TransformerModel implements FittedModel {
  readonly kind = 'transformer' as const;
  readonly input: InputShape;
  readonly score: ScoreKernel;
  readonly explain: ExplainHooks;

  constructor(readonly detector: TransformerDetector) {
    this.input = { form: 'windows', steps: detector.options.window, width: detector.features };
    this.score = (x, n, out) => void detector.scoreWindows(x, n, out as Float32Array<ArrayBuffer>);
    this.explain = {
      shapModel: (x, n) => detector.scoreWindows(x, n),
      reconstruct: null,
      window: {
        stepErrors: (w) => detector.stepErrors(w, 1),
        predictLastStep: (w) => detector.predictLastStep(w, 1),
        coalitionScore: (window, background) => windowCoalitionScore(detector, { window, background }),
        stepAttribution: (window, background) => stepAttribution(detector, { window, background }),
      },
    };
  }

  /** State-dict tensors plus `error_scale` (F32), and the `transformer` / `score` metadata keys. */
  state(): ModelState {
    const { tensors, metadata } = this.detector.toState();
    const out: ModelState['tensors'] = new Map();
    for (const [name, t] of tensors) out.set(name, { data: t.data, shape: t.shape });
    return {
      tensors: out,
      metadata: {
        // Epoch seconds stay out (in metrics.json): the same seed, data and config give the same bytes.
        [METADATA_KEY]: JSON.stringify({ ...metadata, history: metadata.history.map(({ seconds: _, ...e }) => e) }),
        score: 'largest over the active features of the standardized squared error of a window\'s last step predicted from its context, higher = more anomalous',
      },
    };
  }

  /**
   * `exportTransformer`: `input [batch, T, D] -> score [batch]` (and `prediction`), the scaler folded
   * into the embedding and the head so the graph reads raw rows; metadata adds `dadm.window` and
   * `dadm.objective`.
   */
  exportOnnx(ctx: OnnxExportContext): onnx.ModelProto {
    const o = this.detector.options;
    const metadata = { ...ctx.metadata, [METADATA_KEYS.window]: String(o.window), [METADATA_KEYS.objective]: o.objective };
    const spec = transformerExportSpec(this.detector, metadata);
    return exportTransformer(ctx.standardizer === null ? spec : foldStandardizer(spec, ctx.standardizer), { opset: ctx.opset, dynamicBatch: ctx.dynamicBatch });
  }

  /** Module counts, e.g. `{ Linear: 5, TransformerEncoderLayer: 1, MultiheadAttention: 1, LayerNorm: 2 }`. */
  describe(): Record<string, number> {
    const L = this.detector.options.layers;
    return { Linear: 2 + 3 * L, TransformerEncoderLayer: L, MultiheadAttention: L, LayerNorm: 2 * L };
  }
}

/**
 * The spec of a model that reads raw rows: with `z = (x - mean) / scale` per active column, the
 * embedding becomes `W / scale` (columnwise) with bias `b - W (mean / scale)`, the head predicts in
 * raw units (`scale * W`, `scale * b + mean`) and each feature's error scale grows by `scale^2`, so
 * the raw squared error over it equals the standardized one. Exact in real arithmetic. Centered
 * ('context-mean'), the network reads `z - level(z) = (x - level(x)) / scale`: the mean cancels, so
 * neither the embedding bias nor the head bias takes a mean term (the graph adds the raw level back).
 */
function foldStandardizer(spec: TransformerExportSpec, s: Standardizer): TransformerExportSpec {
  const columns = spec.activeFeatures ?? Array.from({ length: spec.inputDim }, (_, j) => j);
  const A = columns.length, d = spec.dModel;
  const keepsMean = spec.centering !== 'context-mean';
  const embedW = new Float32Array(spec.embed.weight.length), embedB = Float32Array.from(spec.embed.bias);
  for (let i = 0; i < d; i++) {
    let shift = 0;
    for (let a = 0; a < A; a++) {
      const j = columns[a]!, w = spec.embed.weight[i * A + a]!;
      embedW[i * A + a] = w / s.scale[j]!;
      shift += (w * s.mean[j]!) / s.scale[j]!;
    }
    if (keepsMean) embedB[i] = embedB[i]! - shift;
  }
  const headW = new Float32Array(spec.head.weight.length), headB = new Float32Array(A), errorScale = new Float32Array(A);
  for (let a = 0; a < A; a++) {
    const j = columns[a]!;
    for (let i = 0; i < d; i++) headW[a * d + i] = spec.head.weight[a * d + i]! * s.scale[j]!;
    headB[a] = spec.head.bias[a]! * s.scale[j]! + (keepsMean ? s.mean[j]! : 0);
    errorScale[a] = (spec.errorScale?.[a] ?? 1) * s.scale[j]! * s.scale[j]!;
  }
  return { ...spec, embed: { weight: embedW, bias: embedB }, head: { weight: headW, bias: headB }, errorScale };
}

/**
 * Rebuilds the transformer of a checkpoint.
 * @throws FormatError naming the file for missing/invalid `transformer` metadata or weights
 */
export function loadTransformer(stored: StoredModel): TransformerModel {
  const { path } = stored;
  const text = stored.metadata[METADATA_KEY];
  if (text === undefined) throw new FormatError(`${path}: metadata key '${METADATA_KEY}' must be present, got nothing (corrupted checkpoint)`, path);
  const tensors = new Map<string, Tensor>();
  let values = 0;
  for (const [name, t] of stored.tensors) {
    if (name.startsWith('scaler.')) continue;
    if (t.dtype !== 'F32') throw new FormatError(`${path}: tensor ${name} must be F32, got ${t.dtype}`, path);
    tensors.set(name, new Tensor(t.data as Float32Array, t.shape));
    values += t.data.length;
  }
  try {
    const metadata = checkedMetadata(stored, parseJson(path, METADATA_KEY, text), values);
    return new TransformerModel(TransformerDetector.fromState({ tensors, metadata }));
  } catch (err) {
    if (err instanceof FormatError && err.message.startsWith(`${path}:`)) throw err;
    if (err instanceof DadmError) throw new FormatError(`${path}: transformer weights must match the recorded options, got: ${err.message}`, path);
    throw err;
  }
}

/**
 * The `transformer` metadata of a checkpoint, checked before anything is built from it: field types,
 * the feature count against the schema, the options (as the constructor checks them) and the weight
 * count they imply against the values stored, so a forged d_model cannot allocate a network the
 * file does not hold.
 * @throws FormatError naming the file and the field
 */
function checkedMetadata(stored: StoredModel, value: unknown, storedValues: number): TransformerMetadata {
  const { path } = stored;
  const bad = (what: string, got: unknown): FormatError =>
    new FormatError(`${path}: ${METADATA_KEY} metadata ${what}, got ${JSON.stringify(got)?.slice(0, 80) ?? String(got)}`, path);
  const m = value as Partial<Record<keyof TransformerMetadata, unknown>>;
  if (typeof value !== 'object' || value === null) throw bad('must be an object', value);
  if (m.features !== stored.schema.dim) throw bad(`features must be the schema width ${stored.schema.dim}`, m.features);
  if (typeof m.threshold !== 'number' || !Number.isFinite(m.threshold)) throw bad('threshold must be a finite number', m.threshold);
  if (m.thresholdMethod !== 'validation-quantile' && m.thresholdMethod !== 'training-quantile') throw bad('thresholdMethod must be validation-quantile or training-quantile', m.thresholdMethod);
  if (!Number.isSafeInteger(m.bestEpoch) || (m.bestEpoch as number) < 0) throw bad('bestEpoch must be an integer >= 0', m.bestEpoch);
  if (!Array.isArray(m.history) || !m.history.every((e) => typeof e === 'object' && e !== null && Number.isSafeInteger((e as TransformerEpoch).epoch))) {
    throw bad('history must be a list of epochs', m.history);
  }
  const o = resolveStoredTransformerOptions(m.options as TransformerOptions);
  const A = o.activeFeatures?.length ?? stored.schema.dim, d = o.dModel, ff = o.feedForward;
  const layout = objectiveLayout(o.objective, o.window);
  const perLayer = 3 * d * d + 3 * d + d * d + d + 2 * ff * d + ff + d + 4 * d;
  const expected = d * A + d + layout.positions * d + (layout.maskToken ? d : 0) + o.layers * perLayer + A * d + A + A;
  if (expected !== storedValues) {
    throw new FormatError(`${path}: ${METADATA_KEY} metadata options must describe the ${storedValues} stored weight values, got options implying ${expected}`, path);
  }
  // Epoch seconds are not stored (see TransformerModel.state).
  const history = (m.history as TransformerEpoch[]).map((e) => ({ ...e, seconds: Number.NaN }));
  return { options: o, features: m.features, threshold: m.threshold, thresholdMethod: m.thresholdMethod, history, bestEpoch: m.bestEpoch as number };
}

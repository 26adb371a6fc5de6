/**
 * `exportAutoencoder`: a dense autoencoder (plain weights, PyTorch layout) as an ONNX scoring graph
 * with outputs `score` [N] and `reconstruction` [N, D]. Layout in docs/onnx.md, "Exporters".
 */
import type { LinearWeights, MlpSpec } from '../model-spec/index.js';
import type { Activation } from '../tensor/index.js';
import { GraphBuilder, attrInts, checkModel, makeModel, type onnx } from '../onnx/index.js';
import { checkAutoencoderSpec } from './export-autoencoder-spec.js';
import { type ExportOptions, resolveExportOptions } from './export-options.js';

/** One linear layer, `y = x @ weight^T + bias` (PyTorch `nn.Linear`): model-spec's LinearWeights. */
export type AutoencoderLayerSpec = LinearWeights;

/** The activation between layers (none after the last), under the writer's name (tensor's Activation). */
export type AutoencoderActivation = Activation;

/** Per-feature standardization applied to the input: `z = (x - mean) / std`. */
export interface AutoencoderScalerSpec {
  /** [D] */
  mean: Float32Array | Float64Array;
  /** [D], every entry finite and > 0 */
  std: Float32Array | Float64Array;
}

/**
 * Everything the exporter needs from a trained autoencoder, as plain data: the MLP (model-spec's
 * MlpSpec: the linears in order, encoder then decoder, the last one outputting `inputDim` values; the
 * active columns whose squared error counts in the score, null = all D), its input width and scaler.
 */
export interface AutoencoderExportSpec extends MlpSpec {
  /** D, the input width (64 for the endpoint schema) */
  inputDim: number;
  /** standardization of the input; score and reconstruction are in the standardized space */
  scaler?: AutoencoderScalerSpec;
  /** written as the model's metadata_props (see modelMetadata) */
  metadata: Readonly<Record<string, string>>;
}

/** Options of {@link exportAutoencoder}. */
export interface AutoencoderExportOptions extends ExportOptions {
  /**
   * Fold the scaler into the first layer (`W' = W / std`, `b' = b - W' mean`, computed in float64)
   * so the network reads the raw input; default true. The standardized input is still computed for
   * the error. Use false when raw features have very different scales or large offsets and the model
   * will be int8-quantized (dynamic quantization gives the first MatMul's input one scale).
   */
  foldScaler?: boolean;
}

/**
 * Exports an autoencoder as an ONNX model (checked with checkModel). Graph, for input x [N, D]:
 * `z = (x - mean) / std` (Sub, Div; `z = x` without scaler); each layer `MatMul(h, W^T) + b` with the
 * weight stored transposed as `[in, out]`, the activation between layers (GELU as
 * `0.5 x (1 + erf(x / sqrt2))` from Div, Erf, Add, Mul, Mul, the pattern onnxruntime fuses);
 * `reconstruction` = the last layer's output (the network's estimate of z); `score` =
 * ReduceMean over the active columns (Gather when a subset) of `(reconstruction - z)^2`.
 * N is 1, or the symbolic 'batch' with `dynamicBatch`.
 * @throws ShapeError when weights, biases, scaler or layer sizes do not chain from D back to D
 * @throws DataError for a non-finite weight, bias or mean, or a std that is not > 0
 * @throws InvalidOptionError for a bad activation, activeFeatures, metadata value or option
 */
export function exportAutoencoder(spec: AutoencoderExportSpec, options: AutoencoderExportOptions = {}): onnx.ModelProto {
  const where = 'exportAutoencoder';
  const { opset, irVersion, batch } = resolveExportOptions(options, where);
  const { sizes, active } = checkAutoencoderSpec(spec, where);
  const fold = options.foldScaler ?? true;
  const D = spec.inputDim;
  const b = new GraphBuilder('dadm_autoencoder', 'dense autoencoder; score = mean squared reconstruction error over the active features');
  const x = b.input('input', 'float32', [batch, D]);
  let z = x;
  if (spec.scaler !== undefined) {
    const mean = b.addInitializer({ name: 'scaler.mean', dataType: 'float32', dims: [D], values: spec.scaler.mean });
    const std = b.addInitializer({ name: 'scaler.std', dataType: 'float32', dims: [D], values: spec.scaler.std });
    const [centred] = b.addNode('Sub', [x, mean], { name: 'scaler.Sub', outputs: ['scaler.centred'] });
    [z] = b.addNode('Div', [centred!, std], { name: 'scaler.Div', outputs: ['standardized'] });
  }
  if (spec.activation === 'gelu' && spec.layers.length > 1) {
    b.addInitializer({ name: 'gelu.sqrt2', dataType: 'float32', dims: [], values: [Math.SQRT2] });
    b.addInitializer({ name: 'gelu.one', dataType: 'float32', dims: [], values: [1] });
    b.addInitializer({ name: 'gelu.half', dataType: 'float32', dims: [], values: [0.5] });
  }
  let h = spec.scaler !== undefined && fold ? x : z!;
  const last = spec.layers.length - 1;
  spec.layers.forEach((layer, i) => {
    const foldHere = i === 0 && fold ? spec.scaler : undefined;
    const { weightT, bias } = linearInitializers(layer, sizes[i]!, sizes[i + 1]!, foldHere);
    const w = b.addInitializer({ name: `layers.${i}.weight`, dataType: 'float32', dims: [sizes[i]!, sizes[i + 1]!], values: weightT });
    const c = b.addInitializer({ name: `layers.${i}.bias`, dataType: 'float32', dims: [sizes[i + 1]!], values: bias });
    const [m] = b.addNode('MatMul', [h, w], { name: `layers.${i}.MatMul`, outputs: [`layers.${i}.matmul`] });
    const [y] = b.addNode('Add', [m!, c], { name: `layers.${i}.Add`, outputs: [i === last ? 'reconstruction' : `layers.${i}.linear`] });
    h = i === last ? y! : addActivation(b, spec.activation, y!, `layers.${i}`);
  });
  const [diff] = b.addNode('Sub', ['reconstruction', z!], { name: 'error.Sub', outputs: ['error.diff'] });
  let [sq] = b.addNode('Mul', [diff!, diff!], { name: 'error.Mul', outputs: ['error.squared'] });
  if (active !== null) {
    const idx = b.addInitializer({ name: 'error.active_features', dataType: 'int64', dims: [active.length], values: active });
    [sq] = b.addNode('Gather', [sq!, idx], { name: 'error.Gather', outputs: ['error.active'], attributes: { axis: 1 } });
  }
  addMeanOverFeatures(b, sq!, opset);
  b.output('score', 'float32', [batch]);
  b.output('reconstruction', 'float32', [batch, D]);
  const model = makeModel(b.build(), {
    irVersion,
    opsets: [{ domain: '', version: opset }],
    metadataProps: spec.metadata,
  });
  checkModel(model);
  return model;
}

/** `score = ReduceMean(values, axes=[1], keepdims=0)`: axes an attribute before opset 18, an input from 18. */
function addMeanOverFeatures(b: GraphBuilder, values: string, opset: number): void {
  const common = { name: 'error.ReduceMean', outputs: ['score'] };
  if (opset >= 18) {
    const axes = b.addInitializer({ name: 'error.axes', dataType: 'int64', dims: [1], values: [1] });
    b.addNode('ReduceMean', [values, axes], { ...common, attributes: { keepdims: 0 } });
  } else {
    b.addNode('ReduceMean', [values], { ...common, attributes: { axes: attrInts([1]), keepdims: 0 } });
  }
}

/** Appends the activation after `x`; returns its output name. GELU reads the shared `gelu.*` constants. */
function addActivation(b: GraphBuilder, activation: AutoencoderActivation, x: string, prefix: string): string {
  if (activation === 'relu') return b.addNode('Relu', [x], { name: `${prefix}.Relu`, outputs: [`${prefix}.relu`] })[0]!;
  if (activation === 'tanh') return b.addNode('Tanh', [x], { name: `${prefix}.Tanh`, outputs: [`${prefix}.tanh`] })[0]!;
  const g = `${prefix}.gelu`;
  const [scaled] = b.addNode('Div', [x, 'gelu.sqrt2'], { name: `${g}.Div`, outputs: [`${g}.scaled`] });
  const [erf] = b.addNode('Erf', [scaled!], { name: `${g}.Erf`, outputs: [`${g}.erf`] });
  const [onePlus] = b.addNode('Add', [erf!, 'gelu.one'], { name: `${g}.Add`, outputs: [`${g}.one_plus`] });
  const [prod] = b.addNode('Mul', [x, onePlus!], { name: `${g}.Mul`, outputs: [`${g}.prod`] });
  return b.addNode('Mul', [prod!, 'gelu.half'], { name: `${g}.Mul_half`, outputs: [g] })[0]!;
}

/**
 * The `[in, out]` weight (transposed from PyTorch's `[out, in]`) and bias of one layer; with a scaler
 * to fold, `W'[o, j] = W[o, j] / std[j]` and `b'[o] = b[o] - sum_j W'[o, j] mean[j]`, in float64.
 */
function linearInitializers(
  layer: AutoencoderLayerSpec,
  nIn: number,
  nOut: number,
  scaler: AutoencoderScalerSpec | undefined,
): { weightT: Float64Array; bias: Float64Array } {
  const weightT = new Float64Array(nIn * nOut);
  const bias = Float64Array.from(layer.bias);
  for (let o = 0; o < nOut; o++) {
    let shift = 0;
    for (let j = 0; j < nIn; j++) {
      let w = layer.weight[o * nIn + j]!;
      if (scaler !== undefined) {
        w /= scaler.std[j]!;
        shift += w * scaler.mean[j]!;
      }
      weightT[j * nOut + o] = w;
    }
    bias[o]! -= shift;
  }
  return { weightT, bias };
}

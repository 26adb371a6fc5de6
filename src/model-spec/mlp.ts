/**
 * The MLP autoencoder as plain weights: what nn's Autoencoder hands out (`mlpSpec()`), what the ONNX
 * exporter writes and what the explainers' fast paths read. One shape, one checker.
 */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import { ACTIVATIONS, type Activation, type DenseWeights } from '../tensor/index.js';
import { checkColumns } from './columns.js';

/** One Linear layer in PyTorch layout: `y = x · weight^T + bias`, weight `[out, in]`, bias `[out]`. */
export type LinearWeights = DenseWeights;

/**
 * Dense layers with `activation` after every layer but the last (a linear output), reading and
 * writing rows of the same width D. Its anomaly score is the mean over `activeFeatures` (null = all
 * D columns) of `(reconstruction_j - x_j)^2`: the score of dadm's Autoencoder.
 */
export interface MlpSpec {
  layers: readonly LinearWeights[];
  activation: Activation;
  activeFeatures: readonly number[] | null;
}

/** Layer widths `[D, h1, ..., D]` of a checked spec. */
export function mlpWidths(spec: Pick<MlpSpec, 'layers'>): number[] {
  const widths = [spec.layers[0]!.weight.length / spec.layers[0]!.bias.length];
  for (const layer of spec.layers) widths.push(layer.bias.length);
  return widths;
}

/**
 * Checks an activation name.
 * @throws InvalidOptionError `"<where>: activation must be 'relu', 'gelu' or 'tanh', got <value>"`
 */
export function checkActivation(value: unknown, where: string): asserts value is Activation {
  if (!(ACTIVATIONS as readonly unknown[]).includes(value)) {
    const allowed = ACTIVATIONS.map((a) => `'${a}'`);
    throw new InvalidOptionError(`${where}: activation must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}, got ${String(value)}`, 'activation');
  }
}

/**
 * Checks a spec: at least one layer of Float32Array weights, widths that chain from D back to D,
 * finite weights, a known activation and valid active columns.
 * @param inputDim D when the caller knows it (else the first layer's in-width)
 * @returns the layer widths `[D, h1, ..., D]`
 * @throws InvalidOptionError for no layers, non-Float32Array weights, an unknown activation or bad active columns
 * @throws ShapeError `"<where>: layers[i].weight must be [out, in], got n values"`, or an output width other than D
 * @throws DataError `"<where>: layers[i].weight[k] must be finite, got NaN"`
 */
export function checkMlpSpec(spec: MlpSpec, where: string, inputDim?: number): number[] {
  const { layers } = spec;
  if (!Array.isArray(layers) || layers.length < 1) throw new InvalidOptionError(`${where}: layers must be a non-empty array, got ${String(layers)}`, 'layers');
  const first = layers[0]!;
  const d = inputDim ?? (first?.bias?.length > 0 ? first.weight.length / first.bias.length : 0);
  const widths = [d];
  layers.forEach((layer, i) => {
    if (!(layer?.weight instanceof Float32Array) || !(layer.bias instanceof Float32Array)) {
      throw new InvalidOptionError(`${where}: layers[${i}] weight and bias must be Float32Arrays, got ${typeName(layer?.weight)} and ${typeName(layer?.bias)}`, 'layers');
    }
    const nIn = widths[i]!;
    const nOut = layer.bias.length;
    if (nOut < 1 || !Number.isInteger(nIn) || layer.weight.length !== nOut * nIn) {
      throw new ShapeError(`${where}: layers[${i}].weight must be [${nOut}, ${nIn}], got ${layer.weight.length} values`, where, [[nOut, nIn]]);
    }
    checkFinite(layer.weight, `layers[${i}].weight`, where);
    checkFinite(layer.bias, `layers[${i}].bias`, where);
    widths.push(nOut);
  });
  if (widths[widths.length - 1] !== d) throw new ShapeError(`${where}: the last layer must output inputDim = ${d} values, got ${widths[widths.length - 1]}`, where);
  checkActivation(spec.activation, where);
  if (spec.activeFeatures !== null) checkColumns(spec.activeFeatures, d, { where, name: 'activeFeatures' });
  return widths;
}

/** @throws DataError naming the array and the first non-finite index */
export function checkFinite(values: ArrayLike<number>, name: string, where: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new DataError(`${where}: ${name}[${i}] must be finite, got ${values[i]}`, name, { index: i });
  }
}

function typeName(v: unknown): string {
  return v === null || v === undefined ? String(v) : ((v as object).constructor?.name ?? typeof v);
}

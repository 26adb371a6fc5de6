/** Validation of the plain-data autoencoder spec given to `exportAutoencoder`. */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import type { AutoencoderExportSpec } from './export-autoencoder.js';

const ACTIVATIONS = ['relu', 'gelu', 'tanh'];

/**
 * Checks `spec` and returns the layer widths `[D, h1, ..., D]` and the active columns (null when
 * every column is active, also when `activeFeatures` lists all D).
 * @throws ShapeError, DataError, InvalidOptionError as documented on exportAutoencoder
 */
export function checkAutoencoderSpec(spec: AutoencoderExportSpec, where: string): { sizes: number[]; active: number[] | null } {
  const D = spec.inputDim;
  if (!Number.isSafeInteger(D) || D < 1) throw new InvalidOptionError(`${where}: inputDim must be a positive integer, got ${D}`, 'inputDim');
  if (!ACTIVATIONS.includes(spec.activation)) {
    throw new InvalidOptionError(`${where}: activation must be one of 'relu', 'gelu', 'tanh', got ${JSON.stringify(spec.activation)}`, 'activation');
  }
  if (!Array.isArray(spec.layers) || spec.layers.length < 1) {
    throw new InvalidOptionError(`${where}: layers must be a non-empty array, got ${String(spec.layers)}`, 'layers');
  }
  const sizes = [D];
  spec.layers.forEach((layer, i) => {
    const nIn = sizes[i]!;
    if (!(layer?.weight instanceof Float32Array) || !(layer.bias instanceof Float32Array)) {
      throw new InvalidOptionError(`${where}: layers[${i}] weight and bias must be Float32Arrays, got ${typeName(layer?.weight)} and ${typeName(layer?.bias)}`, 'layers');
    }
    const nOut = layer.bias.length;
    if (nOut < 1 || layer.weight.length !== nOut * nIn) {
      throw new ShapeError(
        `${where}: layers[${i}].weight must have bias length x input width = ${nOut} x ${nIn} = ${nOut * nIn} values ([out, in]), got ${layer.weight.length}`,
        'exportAutoencoder', [[nOut, nIn]],
      );
    }
    checkFinite(layer.weight, `layers[${i}].weight`, where);
    checkFinite(layer.bias, `layers[${i}].bias`, where);
    sizes.push(nOut);
  });
  if (sizes[sizes.length - 1] !== D) {
    throw new ShapeError(`${where}: the last layer must output inputDim = ${D} values, got ${sizes[sizes.length - 1]}`, 'exportAutoencoder');
  }
  if (spec.scaler !== undefined) {
    const { mean, std } = spec.scaler;
    if (mean?.length !== D || std?.length !== D) {
      throw new ShapeError(`${where}: scaler mean and std must have inputDim = ${D} values, got ${mean?.length} and ${std?.length}`, 'exportAutoencoder');
    }
    checkFinite(mean, 'scaler.mean', where);
    for (let j = 0; j < D; j++) {
      const s = std[j]!;
      if (!(Number.isFinite(s) && Math.fround(s) > 0)) throw new DataError(`${where}: scaler.std[${j}] must be finite and > 0, got ${s}`, where);
    }
  }
  return { sizes, active: checkActive(spec.activeFeatures, D, where) };
}

function checkActive(active: readonly number[] | null, D: number, where: string): number[] | null {
  if (active === null) return null;
  if (!Array.isArray(active) || active.length < 1) {
    throw new InvalidOptionError(`${where}: activeFeatures must be null or a non-empty array of columns, got ${JSON.stringify(active)}`, 'activeFeatures');
  }
  const seen = new Uint8Array(D);
  for (const c of active) {
    if (!Number.isInteger(c) || c < 0 || c >= D || seen[c]) {
      throw new InvalidOptionError(`${where}: activeFeatures must hold distinct integers in [0, ${D}), got ${c}${Number.isInteger(c) && c >= 0 && c < D ? ' twice' : ''}`, 'activeFeatures');
    }
    seen[c] = 1;
  }
  return active.length === D ? null : active.slice();
}

function checkFinite(values: ArrayLike<number>, name: string, where: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new DataError(`${where}: ${name}[${i}] must be finite, got ${values[i]}`, where);
  }
}

function typeName(v: unknown): string {
  return v === null || v === undefined ? String(v) : ((v as object).constructor?.name ?? typeof v);
}

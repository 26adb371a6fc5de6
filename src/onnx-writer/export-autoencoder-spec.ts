/** Validation of the plain-data autoencoder spec given to `exportAutoencoder`. */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';
import { checkFinite, checkMlpSpec } from '../model-spec/index.js';
import type { AutoencoderExportSpec } from './export-autoencoder.js';

/**
 * Checks `spec` (the MLP through model-spec's checker, then inputDim and the scaler) and returns the
 * layer widths `[D, h1, ..., D]` and the active columns (null when every column is active, also when
 * `activeFeatures` lists all D).
 * @throws ShapeError, DataError, InvalidOptionError as documented on exportAutoencoder
 */
export function checkAutoencoderSpec(spec: AutoencoderExportSpec, where: string): { sizes: number[]; active: number[] | null } {
  const D = spec.inputDim;
  if (!Number.isSafeInteger(D) || D < 1) throw new InvalidOptionError(`${where}: inputDim must be a positive integer, got ${D}`, 'inputDim');
  const sizes = checkMlpSpec(spec, where, D);
  if (spec.scaler !== undefined) {
    const { mean, std } = spec.scaler;
    if (mean?.length !== D || std?.length !== D) {
      throw new ShapeError(`${where}: scaler mean and std must have inputDim = ${D} values, got ${mean?.length} and ${std?.length}`, 'exportAutoencoder');
    }
    checkFinite(mean, 'scaler.mean', where);
    for (let j = 0; j < D; j++) {
      const s = std[j]!;
      if (!(Number.isFinite(s) && Math.fround(s) > 0)) throw new DataError(`${where}: scaler.std[${j}] must be finite and > 0, got ${s}`, where, { index: j });
    }
  }
  const active = spec.activeFeatures;
  return { sizes, active: active === null || active.length === D ? null : active.slice() };
}

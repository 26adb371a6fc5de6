/** The IR and opset versions dadm writes: every reader of these facts imports them from here. */
import { InvalidOptionError } from '../errors.js';
import { onnx } from './proto.js';

/** The default ONNX operator set domain. */
export const ONNX_DOMAIN = '';
/** The ONNX-ML operator set domain (TreeEnsembleRegressor, LinearClassifier, …). */
export const ML_DOMAIN = 'ai.onnx.ml';
/** IR version written by default: 8 (onnx 1.10–1.12; onnxruntime >= 1.10 reads it). */
export const DEFAULT_IR_VERSION = 8;
/** Default-domain opset written by default (and the config's `onnx.opset` default). */
export const DEFAULT_OPSET_VERSION = 17;
/** Highest IR version the protobuf schema here (onnx 1.16) describes: the checker's and the runtime's upper bound. */
export const MAX_IR_VERSION = onnx.SCHEMA_IR_VERSION;
/** Highest default-domain opset dadm writes and its runtime reads (onnx 1.16). */
export const MAX_OPSET_VERSION = 21;
/** The lowest and highest default-domain opsets the exporters write (the config's `onnx.opset` range). */
export const EXPORT_OPSET_RANGE = [13, MAX_OPSET_VERSION] as const;
/** IR versions the runtime reads: 3 (ONNX 1.0 with opset imports) to MAX_IR_VERSION. */
export const IR_VERSION_RANGE = [3, MAX_IR_VERSION] as const;
/** Opset versions the runtime reads per domain ('' is the default ai.onnx domain). */
export const OPSET_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  [ONNX_DOMAIN]: [7, MAX_OPSET_VERSION],
  [ML_DOMAIN]: [1, 3],
};

/**
 * Checks a default-domain opset to export with.
 * @throws InvalidOptionError `"<where>: opset must be an integer in [13, 21], got 12"`
 */
export function checkExportOpset(opset: number, where: string): void {
  const [lo, hi] = EXPORT_OPSET_RANGE;
  if (!(Number.isInteger(opset) && opset >= lo && opset <= hi)) {
    throw new InvalidOptionError(`${where}: opset must be an integer in [${lo}, ${hi}], got ${opset}`, 'opset');
  }
}

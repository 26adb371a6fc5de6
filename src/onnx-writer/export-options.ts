/** Options shared by the model exporters (`exportAutoencoder`, `exportIsolationForest`). */
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET_VERSION, EXPORT_OPSET_RANGE, checkExportOpset, type Dim } from '../onnx/index.js';

export { EXPORT_OPSET_RANGE };

/** Options of the exporters. */
export interface ExportOptions {
  /** default-domain opset, an integer in EXPORT_OPSET_RANGE ([13, 21]); default DEFAULT_OPSET_VERSION (17) */
  opset?: number;
  /** a symbolic batch dimension `'batch'` instead of a fixed batch of 1; default false */
  dynamicBatch?: boolean;
  /** IR version written; default 8 (see makeModel) */
  irVersion?: number;
}


/** Checked exporter options with defaults filled in. */
export interface ResolvedExportOptions {
  opset: number;
  irVersion: number;
  /** the batch dimension of every graph input and output: 1 or 'batch' */
  batch: Dim;
}

/**
 * Fills in defaults and checks the shared exporter options.
 * @throws InvalidOptionError for an opset outside [13, 21], a non-boolean dynamicBatch or a
 *   non-integer irVersion (makeModel checks its range)
 */
export function resolveExportOptions(options: ExportOptions, where: string): ResolvedExportOptions {
  const opset = options.opset ?? DEFAULT_OPSET_VERSION;
  checkExportOpset(opset, where);
  const dynamicBatch = options.dynamicBatch ?? false;
  if (typeof dynamicBatch !== 'boolean') {
    throw new InvalidOptionError(`${where}: dynamicBatch must be a boolean, got ${String(dynamicBatch)}`, 'dynamicBatch');
  }
  const irVersion = options.irVersion ?? DEFAULT_IR_VERSION;
  if (!Number.isInteger(irVersion)) {
    throw new InvalidOptionError(`${where}: irVersion must be an integer, got ${irVersion}`, 'irVersion');
  }
  return { opset, irVersion, batch: dynamicBatch ? 'batch' : 1 };
}

/** Loading a detector from either file dadm writes, by its extension. */
import type { ModelKind } from '../config/index.js';
import { FormatError } from '../errors.js';
import type { Limits } from '../limits.js';
import { METADATA_KEYS } from '../onnx/index.js';
import { readCheckpoint, readCheckpointFile } from './checkpoint.js';
import { checkpointDetector, type DetectorModel } from './detector.js';
import { readOnnxFile } from '../runtime/index.js';
import { isOnnxPath, loadOnnxDetector } from './onnx-detector.js';

/** A detector whose kind and threshold are known (every checkpoint; ONNX files exported by dadm). */
export type KnownDetector = DetectorModel & { readonly modelType: ModelKind; readonly threshold: number };

/**
 * A model.onnx (extension `.onnx`) through dadm's runtime, anything else as a checkpoint.
 * @param option the option that named the file, for messages (e.g. `--model`)
 * @param limits overrides of the default limits (src/limits.ts), e.g. the config's `limits` section
 * @throws InvalidOptionError naming the path and option when it is not a readable regular file;
 *   FormatError for a file that is neither, or is corrupted (see loadCheckpoint, loadOnnxDetector)
 */
export function loadDetector(path: string, option?: string, limits?: Partial<Limits>): DetectorModel {
  return isOnnxPath(path) ? loadOnnxDetector(path, readOnnxFile(path, option, limits), limits) : checkpointDetector(readCheckpoint(path, readCheckpointFile(path, option, limits), limits));
}

/**
 * {@link loadDetector} for a command that needs the model's kind and threshold (`to` completes the
 * message, e.g. 'score').
 * @throws FormatError naming the metadata key when an ONNX file lacks `dadm.model_type` or `dadm.threshold`
 */
export function loadKnownDetector(path: string, to: string, from: { option?: string; limits?: Partial<Limits> } = {}): KnownDetector {
  const d = loadDetector(path, from.option, from.limits);
  const missing = d.modelType === null ? METADATA_KEYS.modelType : d.threshold === null ? METADATA_KEYS.threshold : null;
  if (missing !== null) {
    throw new FormatError(`${path}: metadata ${missing} must be present to ${to}, got nothing (not exported by dadm export-onnx?)`, path);
  }
  return d as KnownDetector;
}

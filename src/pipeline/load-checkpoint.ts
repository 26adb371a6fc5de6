/**
 * Loading a checkpoint as a ready-to-score model, whatever its type.
 */
import { ShapeError } from '../errors.js';
import type { FeatureSchema, Standardizer } from '../schema/index.js';
import { autoencoderKernel, loadAutoencoder } from './autoencoder-model.js';
import { readCheckpoint, type ParsedCheckpoint, type ThresholdMethod } from './checkpoint.js';
import type { DadmConfig, ModelKind } from './config.js';
import { standardizeInPlace } from './drift-reference.js';
import { forestKernel, loadForest, type ScoreKernel } from './iforest-model.js';

/** A trained model read from model.safetensors. */
export interface DetectorModel {
  readonly modelType: ModelKind;
  readonly path: string;
  readonly config: DadmConfig;
  /** The schema the input rows must follow (width `schema.dim`). */
  readonly schema: FeatureSchema;
  /** Applied inside {@link DetectorModel.score}; null when the model was trained without one. */
  readonly standardizer: Standardizer | null;
  /** Rows with `score > threshold` are anomalies. */
  readonly threshold: number;
  readonly thresholdMethod: ThresholdMethod;
  /** The checkpoint's `__metadata__` strings. */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * Anomaly scores of `rows [n, schema.dim]` given in the units of the training file (the scaler,
   * if any, is applied here; `rows` is not modified). Higher = more anomalous.
   * @returns `[n]` float32
   * @throws ShapeError when `rows.length !== n * schema.dim`
   */
  score(rows: Float32Array, n: number): Float32Array;
}

/** Per model type: rebuild the scoring kernel from the checkpoint contents. */
const LOADERS: Record<ModelKind, (c: ParsedCheckpoint) => ScoreKernel> = {
  autoencoder: (c) => autoencoderKernel(loadAutoencoder(c.path, c.contents).model),
  iforest: (c) => forestKernel(loadForest(c.path, c.contents)),
};

/**
 * Reads model.safetensors (autoencoder or isolation forest).
 * @throws FormatError naming the file when it is not a dadm checkpoint or is corrupted
 */
export function loadCheckpoint(path: string): DetectorModel {
  const c = readCheckpoint(path);
  const kernel = LOADERS[c.modelType](c);
  const dim = c.schema.dim;
  return {
    modelType: c.modelType,
    path,
    config: c.config,
    schema: c.schema,
    standardizer: c.standardizer,
    threshold: c.threshold,
    thresholdMethod: c.thresholdMethod,
    metadata: c.contents.metadata,
    score(rows: Float32Array, n: number): Float32Array {
      if (!Number.isSafeInteger(n) || n < 0 || rows.length !== n * dim) {
        throw new ShapeError(`DetectorModel.score: rows must hold n x ${dim} = ${n * dim} values, got ${rows.length} for n ${n}`, 'score');
      }
      const out = new Float32Array(n);
      if (n === 0) return out;
      let x = rows;
      if (c.standardizer !== null) {
        x = Float32Array.from(rows);
        standardizeInPlace(x, n, dim, c.standardizer);
      }
      kernel(x, n, dim, out);
      return out;
    },
  };
}

/** The kernel and scaler of a loaded model, for streaming scoring without extra copies. */
export function scoringParts(path: string): { checkpoint: ParsedCheckpoint; kernel: ScoreKernel } {
  const checkpoint = readCheckpoint(path);
  return { checkpoint, kernel: LOADERS[checkpoint.modelType](checkpoint) };
}

/**
 * The one detector type the commands score, drift-check and explain with, whatever the file: a
 * checkpoint (model.safetensors, any registered kind) or an exported model.onnx (onnx-detector.ts).
 */
import type { DadmConfig, ModelKind } from '../config/index.js';
import type { ScoreKernel } from '../data/index.js';
import { ShapeError } from '../errors.js';
import { standardizeInPlace, type FeatureSchema, type Standardizer } from '../schema/index.js';
import { readCheckpoint, type ParsedCheckpoint } from './checkpoint.js';
import { itemSize, type ExplainHooks, type FittedModel, type InputShape, type ThresholdMethod } from './kind.js';
import { modelKind } from './registry.js';

/** A trained model ready to score, from a checkpoint or an ONNX file. */
export interface DetectorModel {
  readonly format: 'checkpoint' | 'onnx';
  readonly path: string;
  /** The kind; null for an ONNX file without `dadm.model_type`. */
  readonly modelType: ModelKind | null;
  /** The schema the input rows must follow (row width `schema.dim`). */
  readonly schema: FeatureSchema;
  /** What one scored item is (`[D]` rows, or `[T, D]` windows). */
  readonly input: InputShape;
  /** Items with `score > threshold` are anomalies; null for an ONNX file without `dadm.threshold`. */
  readonly threshold: number | null;
  /** Null for ONNX files. */
  readonly thresholdMethod: ThresholdMethod | null;
  /**
   * The share of normal rows expected above the threshold, estimated at training from the threshold
   * rows (checkpoints; ONNX files with `dadm.threshold_fpr`); null when the file does not say.
   */
  readonly thresholdFpr: number | null;
  /** The training config; null for ONNX files. */
  readonly config: DadmConfig | null;
  /** Applied inside {@link score} before {@link kernel}; null when none (an ONNX graph standardizes itself). */
  readonly standardizer: Standardizer | null;
  /** The file's metadata strings (checkpoint `__metadata__` or ONNX metadata_props). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Scores items after the standardizer (model-input units), for streaming without copies. */
  readonly kernel: ScoreKernel;
  /** What the explainers need, in the kernel's units. */
  readonly explain: ExplainHooks;
  /**
   * Anomaly scores of the first `n` items `[n, ...input]` of `items`, given in the units of the
   * training file (the scaler, if any, is applied here; `items` is not modified). Higher = more anomalous.
   * @returns `[n]` float32
   * @throws ShapeError when `items` holds fewer than `n * steps * width` values
   */
  score(items: Float32Array, n: number): Float32Array;
}

/** A detector loaded from model.safetensors: threshold, method and config are always known. */
export interface CheckpointDetector extends DetectorModel {
  readonly format: 'checkpoint';
  readonly modelType: ModelKind;
  readonly threshold: number;
  readonly thresholdMethod: ThresholdMethod;
  readonly thresholdFpr: number;
  readonly config: DadmConfig;
  /** The fitted model (state, ONNX export, layers). */
  readonly model: FittedModel;
  /** The checkpoint as read. */
  readonly checkpoint: ParsedCheckpoint;
}

/**
 * Reads model.safetensors (any registered kind) as a detector.
 * @throws FormatError naming the file when it is not a dadm checkpoint or is corrupted
 */
export function loadCheckpoint(path: string): CheckpointDetector {
  return checkpointDetector(readCheckpoint(path));
}

/** The detector of a checkpoint already read by {@link readCheckpoint}. @throws FormatError as the kind's `load` */
export function checkpointDetector(c: ParsedCheckpoint): CheckpointDetector {
  const model = modelKind(c.modelType).load(c);
  const { standardizer } = c;
  const kernel = model.score;
  return {
    format: 'checkpoint',
    path: c.path,
    modelType: c.modelType,
    schema: c.schema,
    input: model.input,
    threshold: c.threshold,
    thresholdMethod: c.thresholdMethod,
    thresholdFpr: c.thresholdFpr,
    config: c.config,
    standardizer,
    metadata: c.contents.metadata,
    kernel,
    explain: model.explain,
    model,
    checkpoint: c,
    score: scoreWith(model.input, standardizer, kernel),
  };
}

/** `DetectorModel.score` over a kernel: checks the size, standardizes a copy, scores. */
export function scoreWith(input: InputShape, standardizer: Standardizer | null, kernel: ScoreKernel): (items: Float32Array, n: number) => Float32Array {
  const size = itemSize(input);
  return (items, n) => {
    if (!Number.isSafeInteger(n) || n < 0 || items.length < n * size) {
      throw new ShapeError(`DetectorModel.score: ${input.form} must hold n x ${size} = ${n * size} values, got ${items.length} for n ${n}`, 'score');
    }
    const out = new Float32Array(n);
    if (n === 0) return out;
    let x = items;
    if (standardizer !== null) {
      x = items.slice(0, n * size);
      standardizeInPlace(standardizer, x, n * input.steps);
    }
    kernel(x, n, out);
    return out;
  };
}

/**
 * Scoring with an exported model.onnx through dadm's own runtime: the file's metadata says which
 * schema its rows follow and where the threshold lies, so `dadm score --model model.onnx` gives the
 * same result as scoring with the checkpoint it came from.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { FormatError } from '../errors.js';
import { decodeModel, loadOnnx, type ModelProto, type OnnxModel } from '../runtime/index.js';
import { ENDPOINT_V1, genericSchema, type FeatureSchema, type Standardizer } from '../schema/index.js';
import type { ModelKind } from './config.js';
import type { ScoreKernel } from './iforest-model.js';

/** Rows per runtime call when the batch dimension is dynamic (bounds the plan's buffers). */
const RUN_ROWS = 1024;

/** A dadm ONNX model loaded for scoring. */
export interface OnnxDetector {
  readonly path: string;
  readonly model: OnnxModel;
  /** From `dadm.model_type`; null for a model without dadm metadata. */
  readonly modelType: ModelKind | null;
  /** From `dadm.schema.*`; the generic schema of the input width when absent. */
  readonly schema: FeatureSchema;
  /** From `dadm.threshold` (`score > threshold` = anomaly); null when absent. */
  readonly threshold: number | null;
  /** D of the `[N, D]` input. */
  readonly inputDim: number;
  /** True when N is symbolic, false for a fixed N = 1. */
  readonly dynamicBatch: boolean;
  /** True when {@link kernel} scores rows in batches, false when it calls the model row by row. */
  readonly batched: boolean;
  /**
   * The scoring kernel on raw rows (the graph standardizes itself): batches through `run` when the
   * model is not quantized and N is symbolic, or N = 1 in a dadm-written graph that passes the
   * batching probe (see {@link batchedTwin}); else one `score(row)` call per row.
   */
  readonly kernel: ScoreKernel;
  /**
   * Scores of `rows [n, D]` in the units of the training file. Higher = more anomalous.
   * @returns `[n]` float32
   */
  score(rows: Float32Array, n: number): Float32Array;
}

/** True for a path that names an ONNX file (extension `.onnx`, any case). */
export function isOnnxPath(path: string): boolean {
  return extname(path).toLowerCase() === '.onnx';
}

/**
 * Loads an ONNX model (file path, or bytes / a decoded model with `path` used in messages) for scoring.
 * @throws FormatError for a file that is not ONNX, a model without one float32 `[N, D]` input, or
 *   dadm metadata that does not fit this dadm (unknown model type or schema, bad threshold)
 * @throws UnsupportedOpError when the runtime does not implement one of its ops
 */
export function loadOnnxDetector(path: string, source?: Uint8Array | ModelProto): OnnxDetector {
  const proto = source === undefined || source instanceof Uint8Array ? decodeModelFile(path, source ?? readModelBytes(path)) : source;
  const { inputDim, dynamicBatch } = inputLayout(path, proto);
  const model = loadOnnx(proto);
  const meta = model.metadata;
  // DynamicQuantizeLinear picks one scale per input tensor: in a batch, a row's score would depend
  // on the other rows. Quantized models therefore score row by row, as on the edge.
  const perRow = (proto.graph!.node ?? []).some((n) => n.opType === 'DynamicQuantizeLinear');
  const twin = !dynamicBatch && !perRow && meta['dadm.model_type'] !== undefined ? batchedTwin(proto, model, inputDim) : null;
  const kernel = twin !== null ? onnxKernel(twin, true) : onnxKernel(model, dynamicBatch && !perRow);
  return {
    path,
    model,
    modelType: modelTypeOf(path, meta['dadm.model_type']),
    schema: schemaOf(path, meta, inputDim),
    threshold: thresholdOf(path, meta['dadm.threshold']),
    inputDim,
    dynamicBatch,
    batched: twin !== null || (dynamicBatch && !perRow),
    kernel,
    score(rows: Float32Array, n: number): Float32Array {
      const out = new Float32Array(n);
      if (n > 0) kernel(rows, n, inputDim, out);
      return out;
    },
  };
}

/**
 * What `score` needs from a model.onnx, in the shape of a checkpoint's header: the graph applies its
 * scaler itself, so `standardizer` is null.
 * @throws FormatError when the model has no dadm model type or threshold; see {@link loadOnnxDetector}
 */
export function onnxScoringParts(path: string): {
  checkpoint: { modelType: ModelKind; schema: FeatureSchema; standardizer: Standardizer | null; threshold: number };
  kernel: ScoreKernel;
} {
  const d = loadOnnxDetector(path);
  if (d.modelType === null) throw new FormatError(`${path}: metadata dadm.model_type must be present to score, got nothing (not exported by dadm export-onnx?)`, path);
  if (d.threshold === null) throw new FormatError(`${path}: metadata dadm.threshold must be present to score, got nothing (not exported by dadm export-onnx?)`, path);
  return { checkpoint: { modelType: d.modelType, schema: d.schema, standardizer: null, threshold: d.threshold }, kernel: d.kernel };
}

/**
 * The kernel that scores `[n, D]` rows with `model`: batches of up to 1,024 rows through `run` when
 * `batched`, else one `score(row)` call per row.
 */
export function onnxKernel(model: OnnxModel, batched: boolean): ScoreKernel {
  const name = model.inputNames[0]!;
  return (x, n, cols, out) => {
    if (!batched) {
      for (let i = 0; i < n; i++) out[i] = model.score(x.subarray(i * cols, (i + 1) * cols));
      return;
    }
    for (let r0 = 0; r0 < n; r0 += RUN_ROWS) {
      const rows = Math.min(RUN_ROWS, n - r0);
      const result = model.run({ [name]: { data: x.subarray(r0 * cols, (r0 + rows) * cols), shape: [rows, cols] } });
      const scores = (result.score ?? result[model.outputNames[0]!]!).data;
      for (let i = 0; i < rows; i++) out[r0 + i] = scores[i]!;
    }
  };
}

/**
 * A fixed-batch (N = 1) float graph written by dadm, loaded again with a symbolic N so that many rows
 * go through one `run` (the Shapley explainer scores 409,600 hybrid rows per explained row). Every
 * op dadm exports works row by row; a probe confirms it: two different rows scored as one batch must
 * give the scores of two single-row calls. Null when the twin does not load or the probe disagrees.
 */
function batchedTwin(proto: ModelProto, single: OnnxModel, inputDim: number): OnnxModel | null {
  const graph = proto.graph!;
  const name = single.inputNames[0]!;
  const twinInputs = (graph.input ?? []).map((input) => {
    if (input.name !== name) return input;
    const tensor = input.type!.tensorType!;
    return { name, type: { tensorType: { elemType: tensor.elemType, shape: { dim: [{ dimParam: 'N' }, ...(tensor.shape?.dim ?? []).slice(1)] } } } };
  });
  let twin: OnnxModel;
  try {
    twin = loadOnnx({ ...proto, graph: { ...graph, input: twinInputs } } as ModelProto);
  } catch {
    return null;
  }
  const rows = new Float32Array(2 * inputDim);
  for (let j = 0; j < inputDim; j++) {
    rows[j] = ((j % 7) - 3) * 0.25;
    rows[inputDim + j] = ((j % 5) - 1) * 0.5;
  }
  try {
    const out = twin.run({ [name]: { data: rows, shape: [2, inputDim] } });
    const batch = (out.score ?? out[twin.outputNames[0]!]!).data;
    for (let r = 0; r < 2; r++) {
      const one = single.score(rows.subarray(r * inputDim, (r + 1) * inputDim));
      if (batch.length !== 2 || !(Math.abs(batch[r]! - one) <= 1e-6 * Math.max(1, Math.abs(one)))) return null;
    }
  } catch {
    return null;
  }
  return twin;
}

/**
 * Decodes the ONNX file at `path` (or its already read `bytes`); a FormatError names the file.
 * @throws FormatError for an unreadable file or bytes that are not a usable ONNX model
 */
export function decodeModelFile(path: string, bytes: Uint8Array = readModelBytes(path)): ModelProto {
  try {
    return decodeModel(bytes);
  } catch (err) {
    if (err instanceof FormatError && !err.message.startsWith(path)) throw new FormatError(`${path}: ${err.message}`, path);
    throw err;
  }
}

/** The file's bytes. @throws FormatError naming the file when it cannot be read */
export function readModelBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new FormatError(`${path}: model must be a readable file, got ${code}`, path);
  }
}

function inputLayout(path: string, proto: ModelProto): { inputDim: number; dynamicBatch: boolean } {
  const graph = proto.graph!;
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name));
  const dims = inputs.length === 1 ? inputs[0]!.type?.tensorType?.shape?.dim ?? [] : [];
  const fixed = (k: number): number | null => (dims[k] !== undefined && isFixed(dims[k]) ? toNumber(dims[k].dimValue) : null);
  const n = fixed(0);
  const d = fixed(1);
  if (inputs.length !== 1 || dims.length !== 2 || d === null || d < 1 || (n !== null && n !== 1)) {
    const got = inputs.map((i) => `${i.name} [${(i.type?.tensorType?.shape?.dim ?? []).map((x) => (isFixed(x) ? x.dimValue : x.dimParam || '?')).join(',')}]`);
    throw new FormatError(`${path}: model must take one float32 input [N, D] with N = 1 or symbolic and a fixed D, got ${got.join(', ') || 'no input'}`, path);
  }
  return { inputDim: d, dynamicBatch: n === null };
}

/** A dimension with a fixed size (`value` names the oneof member set; decoded messages default dimValue to 0). */
function isFixed(dim: object): dim is { dimValue: number | { toNumber(): number } } {
  return (dim as { value?: string }).value === 'dimValue';
}

function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

function modelTypeOf(path: string, text: string | undefined): ModelKind | null {
  if (text === undefined) return null;
  if (text === 'autoencoder') return 'autoencoder';
  if (text === 'isolation_forest' || text === 'iforest') return 'iforest';
  throw new FormatError(`${path}: metadata dadm.model_type must be 'autoencoder' or 'isolation_forest', got '${text}'`, path);
}

function thresholdOf(path: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new FormatError(`${path}: metadata dadm.threshold must be a finite number, got '${text}'`, path);
  return v;
}

/** The schema named by the metadata, checked against this dadm's definition and the input width. */
function schemaOf(path: string, meta: Readonly<Record<string, string>>, dim: number): FeatureSchema {
  const name = meta['dadm.schema.name'];
  const schema = name === undefined || name === 'generic' ? genericSchema(dim) : name === ENDPOINT_V1.name ? ENDPOINT_V1 : null;
  if (schema === null) throw new FormatError(`${path}: metadata dadm.schema.name must be '${ENDPOINT_V1.name}' or 'generic', got '${name}'`, path);
  if (schema.dim !== dim) throw new FormatError(`${path}: input width must be ${schema.dim} for schema ${schema.name}, got ${dim}`, path);
  const hash = meta['dadm.schema.hash'];
  if (hash !== undefined && hash !== schema.hash) {
    throw new FormatError(`${path}: metadata dadm.schema.hash must be ${schema.hash} (${schema.name} ${schema.version} of this dadm), got ${hash}`, path);
  }
  return schema;
}

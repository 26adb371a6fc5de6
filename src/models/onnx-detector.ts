/**
 * An exported model.onnx as a {@link DetectorModel}, through dadm's own runtime: the file's metadata
 * says which kind and schema its rows follow and where the threshold lies, so `dadm score --model
 * model.onnx` gives the same result as the checkpoint it came from. The file is decoded and checked
 * once; the batching twin below shares the loaded graph.
 */
import { extname } from 'node:path';
import type { ModelKind } from '../config/index.js';
import type { ScoreKernel } from '../data/index.js';
import { FormatError } from '../errors.js';
import type { Limits } from '../limits.js';
import { METADATA_KEYS } from '../onnx/index.js';
import { decodeModel, loadOnnx, namingFile, readOnnxFile, type ModelProto, type OnnxModel } from '../runtime/index.js';
import { ENDPOINT_V1, genericSchema, type FeatureSchema } from '../schema/index.js';
import { quotedList } from './checkpoint.js';
import { scoreWith, type DetectorModel } from './detector.js';
import { kernelScoreFn, type ExplainHooks, type InputShape } from './kind.js';
import { kindOfOnnxName, modelKinds } from './registry.js';

/** Rows per runtime call when the batch dimension is dynamic (bounds the plan's buffers). */
const RUN_ROWS = 1024;

/** A detector loaded from an ONNX file, with the runtime facts that decide how it scores. */
export interface OnnxDetector extends DetectorModel {
  readonly format: 'onnx';
  /** The loaded graph as written. */
  readonly model: OnnxModel;
  /** True when the batch dimension is symbolic, false for a fixed batch of 1. */
  readonly dynamicBatch: boolean;
  /** True when {@link DetectorModel.kernel} scores items in batches, false when it calls the model item by item. */
  readonly batched: boolean;
}

/** True for a path that names an ONNX file (extension `.onnx`, any case). */
export function isOnnxPath(path: string): boolean {
  return extname(path).toLowerCase() === '.onnx';
}

/**
 * Loads an ONNX model (file path, or bytes / a decoded model with `path` used in messages) for scoring.
 * The kernel batches through `run` when the model is not quantized and N is symbolic, or N = 1 in a
 * dadm-written graph that passes the batching probe (see {@link batchedTwin}); else it calls
 * `score(row)` once per item. The graph standardizes its input itself: `standardizer` is null.
 * @throws FormatError for a file that is not ONNX, a model without one float32 `[N, D]` (or
 *   `[N, T, D]`) input, or dadm metadata that does not fit this dadm (unknown model type or schema, bad threshold)
 * @throws UnsupportedOpError when the runtime does not implement one of its ops
 */
export function loadOnnxDetector(path: string, source?: Uint8Array | ModelProto, limits?: Partial<Limits>): OnnxDetector {
  const proto = source === undefined || source instanceof Uint8Array ? decodeModelFile(path, source ?? readOnnxFile(path, undefined, limits), limits) : source;
  const input = inputLayout(path, proto);
  const dynamicBatch = input.batch === null;
  const model = loadOnnx(proto, limits === undefined ? {} : { limits });
  const meta = model.metadata;
  const modelType = modelTypeOf(path, meta[METADATA_KEYS.modelType]);
  const nodes = proto.graph!.node ?? [];
  // DynamicQuantizeLinear picks one scale per input tensor: in a batch, a row's score would depend
  // on the other rows. Quantized models therefore score row by row, as on the edge.
  const perRow = nodes.some((n) => n.opType === 'DynamicQuantizeLinear');
  const twin = !dynamicBatch && !perRow && modelType !== null ? batchedTwin(model, input.shape) : null;
  const batched = twin !== null || (dynamicBatch && !perRow);
  const kernel = onnxKernel(twin ?? model, input.shape, batched);
  let hooks: ExplainHooks | undefined;
  return {
    format: 'onnx',
    path,
    modelType,
    schema: schemaOf(path, meta, input.shape.width),
    input: input.shape,
    threshold: thresholdOf(path, meta[METADATA_KEYS.threshold]),
    thresholdMethod: null,
    thresholdFpr: fprOf(meta[METADATA_KEYS.thresholdFpr]),
    config: null,
    standardizer: null,
    metadata: meta,
    kernel,
    // Rebuilding a kind's model from the graph costs a re-export: only when something explains.
    get explain(): ExplainHooks {
      hooks ??= explainHooks(model, { proto, modelType, shape: input.shape, kernel, standardizes: nodes.some((n) => n.name === 'scaler.Sub') });
      return hooks;
    },
    score: scoreWith(input.shape, null, kernel),
    model,
    dynamicBatch,
    batched,
  };
}

/**
 * A graph dadm's exporter wrote for a kind with `explainFromOnnx` explains through the kind's model
 * rebuilt from it (the structured fast path, exactly the file's numbers). Otherwise Shapley values go
 * through the kernel, and reconstruction needs a kind that reconstructs and a graph that outputs the
 * reconstruction of the raw input. A graph that standardizes its input (dadm's exporter names that
 * node scaler.Sub) reconstructs standardized values, which cannot be compared with the rows fed to it.
 */
function explainHooks(
  model: OnnxModel,
  facts: { proto: ModelProto; modelType: ModelKind | null; shape: InputShape; kernel: ScoreKernel; standardizes: boolean },
): ExplainHooks {
  const { proto, modelType, shape, kernel, standardizes } = facts;
  const kind = modelType === null ? undefined : modelKinds().find((k) => k.name === modelType);
  const rebuilt = kind?.explainFromOnnx?.(proto) ?? null;
  if (rebuilt !== null) return rebuilt;
  const reconstructs = kind?.reconstructs === true;
  const name = model.inputNames[0]!;
  const reconstruct =
    reconstructs && model.outputNames.includes('reconstruction') && !standardizes
      ? (z: Float32Array): Float32Array => model.run({ [name]: { data: z, shape: [1, ...itemDims(shape)] } }).reconstruction!.data as Float32Array
      : null;
  return { shapModel: kernelScoreFn(kernel, shape.steps * shape.width), reconstruct };
}

function itemDims(shape: InputShape): number[] {
  return shape.form === 'rows' ? [shape.width] : [shape.steps, shape.width];
}

/**
 * The kernel that scores items with `model`: batches of up to 1,024 items through `run` when
 * `batched`, else one `score(item)` call per item.
 */
function onnxKernel(model: OnnxModel, shape: InputShape, batched: boolean): ScoreKernel {
  const name = model.inputNames[0]!;
  const size = shape.steps * shape.width;
  const dims = itemDims(shape);
  return (x, n, out) => {
    if (!batched) {
      for (let i = 0; i < n; i++) out[i] = model.score(x.subarray(i * size, (i + 1) * size));
      return;
    }
    for (let r0 = 0; r0 < n; r0 += RUN_ROWS) {
      const rows = Math.min(RUN_ROWS, n - r0);
      const result = model.run({ [name]: { data: x.subarray(r0 * size, (r0 + rows) * size), shape: [rows, ...dims] } });
      const scores = (result.score ?? result[model.outputNames[0]!]!).data;
      for (let i = 0; i < rows; i++) out[r0 + i] = scores[i]!;
    }
  };
}

/**
 * A fixed-batch (N = 1) graph written by dadm, with a symbolic N so that many items go through one
 * `run` (the Shapley explainer scores 409,600 hybrid rows per explained row). Every op dadm exports
 * works row by row; a probe confirms it: two different items scored as one batch must give the
 * scores of two single-item calls. Null when the twin does not plan or the probe disagrees.
 */
function batchedTwin(single: OnnxModel, shape: InputShape): OnnxModel | null {
  const name = single.inputNames[0]!;
  const size = shape.steps * shape.width;
  const items = new Float32Array(2 * size);
  for (let j = 0; j < size; j++) {
    items[j] = ((j % 7) - 3) * 0.25;
    items[size + j] = ((j % 5) - 1) * 0.5;
  }
  try {
    const twin = single.withDynamicBatch();
    const out = twin.run({ [name]: { data: items, shape: [2, ...itemDims(shape)] } });
    const batch = (out.score ?? out[twin.outputNames[0]!]!).data;
    for (let r = 0; r < 2; r++) {
      const one = single.score(items.subarray(r * size, (r + 1) * size));
      if (batch.length !== 2 || !(Math.abs(batch[r]! - one) <= 1e-6 * Math.max(1, Math.abs(one)))) return null;
    }
    return twin;
  } catch {
    return null;
  }
}

/**
 * Decodes and checks the ONNX file at `path` (or its already read `bytes`); a FormatError names the file.
 * @throws FormatError for an unreadable file or bytes that are not a usable ONNX model
 */
export function decodeModelFile(path: string, bytes: Uint8Array = readOnnxFile(path), limits?: Partial<Limits>): ModelProto {
  return namingFile(path, () => decodeModel(bytes, limits === undefined ? {} : { limits }));
}

/** The one fed input: `[N, D]` rows or `[N, T, D]` windows, N = 1 or symbolic (null), T and D fixed. */
function inputLayout(path: string, proto: ModelProto): { shape: InputShape; batch: number | null } {
  const graph = proto.graph!;
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name));
  const dims = inputs.length === 1 ? inputs[0]!.type?.tensorType?.shape?.dim ?? [] : [];
  const fixed = (k: number): number | null => dims[k]?.dimValue ?? null;
  const n = fixed(0);
  const trailing = dims.slice(1).map((_, k) => fixed(k + 1));
  if (inputs.length !== 1 || (dims.length !== 2 && dims.length !== 3) || trailing.some((d) => d === null || d < 1) || (n !== null && n !== 1)) {
    const got = inputs.map((i) => `${i.name} [${(i.type?.tensorType?.shape?.dim ?? []).map((x) => (x.dimValue ?? (x.dimParam || '?'))).join(',')}]`);
    throw new FormatError(`${path}: model must take one float32 input [N, D] with N = 1 or symbolic and a fixed D, got ${got.join(', ') || 'no input'}`, path);
  }
  const shape: InputShape = trailing.length === 1 ? { form: 'rows', steps: 1, width: trailing[0]! } : { form: 'windows', steps: trailing[0]!, width: trailing[1]! };
  return { shape, batch: n };
}

function modelTypeOf(path: string, text: string | undefined): ModelKind | null {
  if (text === undefined) return null;
  const kind = kindOfOnnxName(text);
  if (kind === undefined) {
    throw new FormatError(`${path}: metadata ${METADATA_KEYS.modelType} must be ${quotedList(modelKinds().map((k) => k.onnxName))}, got '${text}'`, path);
  }
  return kind.name;
}

function thresholdOf(path: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new FormatError(`${path}: metadata ${METADATA_KEYS.threshold} must be a finite number, got '${text}'`, path);
  return v;
}

/** `dadm.threshold_fpr` when it holds a rate in [0, 1] (it only informs; a bad value is ignored). */
function fprOf(text: string | undefined): number | null {
  const v = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  return v >= 0 && v <= 1 ? v : null;
}

/** The schema named by the metadata, checked against this dadm's definition and the input width. */
function schemaOf(path: string, meta: Readonly<Record<string, string>>, dim: number): FeatureSchema {
  const name = meta[METADATA_KEYS.schemaName];
  const schema = name === undefined || name === 'generic' ? genericSchema(dim) : name === ENDPOINT_V1.name ? ENDPOINT_V1 : null;
  if (schema === null) throw new FormatError(`${path}: metadata ${METADATA_KEYS.schemaName} must be '${ENDPOINT_V1.name}' or 'generic', got '${name}'`, path);
  if (schema.dim !== dim) throw new FormatError(`${path}: input width must be ${schema.dim} for schema ${schema.name}, got ${dim}`, path);
  const hash = meta[METADATA_KEYS.schemaHash];
  if (hash !== undefined && hash !== schema.hash) {
    throw new FormatError(`${path}: metadata ${METADATA_KEYS.schemaHash} must be ${schema.hash} (${schema.name} ${schema.version} of this dadm), got ${hash}`, path);
  }
  return schema;
}

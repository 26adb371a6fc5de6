/**
 * `dadm inspect`: what a model file holds, for model.onnx and model.safetensors alike: inputs and
 * outputs, op counts, parameter count, and what the file says about itself (model type, schema,
 * threshold, training summary, quantization). See docs/pipeline.md "## inspect".
 */
import { limitsOf, type Limits } from '../limits.js';
import { checkpointDetector, isOnnxPath, kindOfOnnxName, readCheckpoint, readCheckpointFile } from '../models/index.js';
import { METADATA_KEYS } from '../onnx/index.js';
import { decodeModel, readOnnxFile, type ModelProto } from '../runtime/index.js';

/** A graph input or output: dims are numbers, or a symbolic name (`'batch'`), or `'?'`. */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: (number | string)[];
}

/** What {@link inspectModel} found. */
export interface ModelInfo {
  path: string;
  format: 'onnx' | 'dadm-checkpoint';
  /** File size in bytes. */
  bytes: number;
  /**
   * The model kind as every command names it ('autoencoder', 'iforest'; an ONNX file's
   * `dadm.model_type`, e.g. 'isolation_forest', is mapped to its kind); null when the file does not say.
   */
  modelType: string | null;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** ONNX: nodes per op type (`domain:Op` outside the default domain). Checkpoint: layers/trees. */
  ops: Record<string, number>;
  /** Elements over all initializers (ONNX) or model tensors (checkpoint; the scaler excluded). */
  parameters: number;
  /**
   * Tree models: the trees and their nodes (an ONNX tree ensemble keeps them in node attributes, not
   * in initializers, so `parameters` does not count them); null for other models.
   */
  trees: { trees: number; nodes: number } | null;
  /** ONNX only: `[{ domain, version }]`, IR version and producer; empty/null for checkpoints. */
  opsets: { domain: string; version: number }[];
  irVersion: number | null;
  producer: string | null;
  schema: { name: string; version: string | null; hash: string | null } | null;
  threshold: number | null;
  /** True when the graph holds int8 ops (DynamicQuantizeLinear, MatMulInteger, ...). */
  quantized: boolean;
  /** The checkpoint's training summary (JSON), or null. */
  training: Record<string, unknown> | null;
  /** Every metadata entry as stored (ONNX metadata_props, or the checkpoint's `__metadata__`). */
  metadata: Record<string, string>;
}

const QUANT_OPS = new Set(['DynamicQuantizeLinear', 'MatMulInteger', 'QuantizeLinear', 'DequantizeLinear', 'ConvInteger']);
const ELEM_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };

/**
 * Describes a model file: ONNX (extension `.onnx`, or anything that is not a safetensors file) or a
 * dadm checkpoint (`.safetensors`). The ONNX graph is decoded and checked but not loaded, so a model
 * with ops dadm's runtime lacks can still be inspected.
 * @throws FormatError for a file that is neither, or is corrupted
 */
export function inspectModel(path: string, limits?: Partial<Limits>): ModelInfo {
  // A checkpoint is bound by maxFileBytes; anything else is read as ONNX (decodeModel checks maxOnnxFileBytes too).
  const bytes = isOnnxPath(path) ? readOnnxFile(path, '--model', limits) : readCheckpointFile(path, '--model', limits);
  return isSafetensors(path, bytes) ? inspectCheckpoint(path, bytes, limits) : inspectOnnx(path, bytes, limits);
}

/** `.safetensors`, or bytes that start like one: an 8-byte header length, then `{`. */
function isSafetensors(path: string, bytes: Uint8Array): boolean {
  return path.toLowerCase().endsWith('.safetensors') || (bytes.length > 8 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0);
}

function inspectOnnx(path: string, bytes: Uint8Array, limits: Partial<Limits> | undefined): ModelInfo {
  let model: ModelProto;
  try {
    model = decodeModel(bytes, limitsOf({ limits }));
  } catch (err) {
    if (err instanceof Error) err.message = `${path}: ${err.message}`;
    throw err;
  }
  const graph = model.graph!;
  const ops: Record<string, number> = {};
  let quantized = false;
  let trees: ModelInfo['trees'] = null;
  for (const node of graph.node ?? []) {
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:${node.opType}` : node.opType!;
    ops[op] = (ops[op] ?? 0) + 1;
    if (QUANT_OPS.has(node.opType!) || node.opType!.startsWith('QLinear')) quantized = true;
    if (node.opType!.startsWith('TreeEnsemble')) trees = addTrees(trees, node);
  }
  const inits = new Set<string>();
  let parameters = 0;
  for (const t of graph.initializer ?? []) {
    inits.add(t.name!);
    parameters += (t.dims ?? []).reduce<number>((p, d) => p * Number(d), 1);
  }
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  const threshold = metadata[METADATA_KEYS.threshold] === undefined ? null : Number(metadata[METADATA_KEYS.threshold]);
  const schemaName = metadata[METADATA_KEYS.schemaName];
  const onnxType = metadata[METADATA_KEYS.modelType];
  return {
    path,
    format: 'onnx',
    bytes: bytes.length,
    modelType: onnxType === undefined ? null : (kindOfOnnxName(onnxType)?.name ?? onnxType),
    inputs: (graph.input ?? []).filter((i) => !inits.has(i.name!)).map(tensorInfo),
    outputs: (graph.output ?? []).map(tensorInfo),
    ops,
    parameters,
    trees,
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version) })),
    irVersion: Number(model.irVersion),
    producer: model.producerName ? `${model.producerName}${model.producerVersion ? ` ${model.producerVersion}` : ''}` : null,
    schema: schemaName === undefined ? null : { name: schemaName, version: metadata[METADATA_KEYS.schemaVersion] ?? null, hash: metadata[METADATA_KEYS.schemaHash] ?? null },
    threshold: threshold !== null && Number.isFinite(threshold) ? threshold : null,
    quantized,
    training: null,
    metadata,
  };
}

type NodeInfo = NonNullable<NonNullable<ModelProto['graph']>['node']>[number];

/** `counted` plus the trees and nodes of a tree-ensemble node (distinct `nodes_treeids`, their length). */
function addTrees(counted: ModelInfo['trees'], node: NodeInfo): ModelInfo['trees'] {
  const ids = (node.attribute ?? []).find((a) => a.name === 'nodes_treeids')?.ints ?? [];
  const trees = new Set(Array.from(ids, (v) => String(v))).size;
  return { trees: (counted?.trees ?? 0) + trees, nodes: (counted?.nodes ?? 0) + ids.length };
}

type ValueInfo = NonNullable<NonNullable<ModelProto['graph']>['input']>[number];
type Dimension = NonNullable<NonNullable<NonNullable<NonNullable<ValueInfo['type']>['tensorType']>['shape']>['dim']>[number];

function tensorInfo(v: ValueInfo): TensorInfo {
  const tt = v.type?.tensorType;
  const shape = (tt?.shape?.dim ?? []).map((d: Dimension) => (d.dimValue ?? (d.dimParam || '?')));
  return { name: v.name ?? '', dtype: ELEM_TYPES[tt?.elemType ?? 0] ?? `type ${tt?.elemType}`, shape };
}

function inspectCheckpoint(path: string, bytes: Uint8Array, limits: Partial<Limits> | undefined): ModelInfo {
  const c = readCheckpoint(path, bytes, limits);
  let parameters = 0;
  for (const [name, t] of c.tensors) if (!name.startsWith('scaler.')) parameters += t.data.length;
  const { model } = checkpointDetector(c);
  const counts = model.describe();
  const trees = counts.trees !== undefined && counts.nodes !== undefined ? { trees: counts.trees, nodes: counts.nodes } : null;
  const item = model.input.form === 'rows' ? [model.input.width] : [model.input.steps, model.input.width];
  return {
    path,
    format: 'dadm-checkpoint',
    bytes: bytes.length,
    modelType: c.modelType,
    inputs: [{ name: 'input', dtype: 'float32', shape: ['batch', ...item] }],
    outputs: [{ name: 'score', dtype: 'float32', shape: ['batch'] }],
    ops: counts,
    parameters,
    trees,
    opsets: [],
    irVersion: null,
    producer: null,
    schema: { name: c.schema.name, version: c.schema.version, hash: c.schema.hash },
    threshold: c.threshold,
    quantized: false,
    training: c.training,
    metadata: { ...c.contents.metadata },
  };
}

/**
 * ONNX bytes → a checked ModelProto. Decoding itself is dadm's protobuf codec (src/protobuf); this file
 * adds the limits and checks that make a hostile or broken file fail with a {@link FormatError}
 * instead of an arbitrary exception later.
 */
import { FormatError } from '../errors.js';
import { ByteBudget, checkLimit, resolveLimits, type Limits } from '../limits.js';
import { estimateDecodedBytes } from './decoded-size.js';
import { topologicalOrder } from './graph-order.js';
import { MAX_IR_VERSION, onnx, toNumber } from '../onnx/reader.js';
import { nodeLabel, type GraphProto, type ModelProto } from './proto-utils.js';
import { checkTensorProto, resolveExternalData } from './tensor-proto.js';

/** Limits and permissions for {@link decodeModel}. */
export interface DecodeOptions {
  /** Largest accepted file in bytes. Default `limits.maxOnnxFileBytes` (512 MiB). */
  maxBytes?: number;
  /** Overrides of the default limits (src/limits.ts); each tensor must fit `maxTensorBytes`. */
  limits?: Partial<Limits>;
  /** Deepest accepted nesting of graphs inside node attributes (the main graph is depth 1). Default 8. */
  maxDepth?: number;
  /** Directory that external tensor data may be read from. Without it external data is refused. */
  baseDir?: string;
}

/** IR versions accepted: 3 (ONNX 1.0 with opset imports) to 10 (ONNX 1.16, the schema's MAX_IR_VERSION). */
export const IR_VERSION_RANGE = [3, MAX_IR_VERSION] as const;
/** Opset versions accepted per domain ('' is the default ai.onnx domain). */
export const OPSET_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  '': [7, 21],
  'ai.onnx.ml': [1, 3],
};

const DEFAULT_MAX_DEPTH = 8;
const WHERE = 'onnx';

/**
 * Decodes and checks an ONNX model.
 * @param bytes the serialized ModelProto
 * @throws FormatError for malformed protobuf, a file over `maxBytes`, unsupported IR/opset versions,
 *   nesting deeper than `maxDepth`, undefined or doubly defined value names, cycles, tensors whose
 *   data does not match their dims, or refused external data
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): ModelProto {
  const maxBytes = options.maxBytes ?? resolveLimits(options.limits).maxOnnxFileBytes;
  if (!(bytes instanceof Uint8Array)) {
    throw new FormatError(`${WHERE}: bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length > maxBytes) {
    throw new FormatError(`${WHERE}: file size must be at most ${maxBytes} bytes (maxBytes), got ${bytes.length}`);
  }
  if (bytes.length === 0) throw new FormatError(`${WHERE}: bytes must be a non-empty ONNX protobuf, got 0 bytes`);
  // Decoding makes an object of every message: ~300x the bytes of a file of empty attributes.
  checkLimit(resolveLimits(options.limits), 'maxTotalBytes', estimateDecodedBytes(bytes), WHERE, 'memory for the decoded protobuf messages (estimated)');
  let model: ModelProto;
  try {
    model = onnx.decodeModel(bytes, { compactLists: true });
  } catch (e) {
    throw new FormatError(`${WHERE}: bytes must be a valid ONNX ModelProto protobuf, got a decoding error: ${(e as Error).message}`);
  }
  validateModel(model, options);
  return model;
}

/**
 * The opsets of every model {@link validateModel} accepted, so that a model decoded and checked once
 * is not checked again when it is loaded ({@link checkedOpsets}). Weak: forgetting a model frees its entry.
 */
const CHECKED = new WeakMap<ModelProto, ReadonlyMap<string, number>>();

/**
 * The opset versions of a model that {@link decodeModel} or {@link validateModel} already accepted,
 * or undefined. A model changed after its check must go through validateModel again.
 */
export function checkedOpsets(model: ModelProto): ReadonlyMap<string, number> | undefined {
  return CHECKED.get(model);
}

/**
 * Checks an already decoded model (see {@link decodeModel}) and resolves external data in place.
 * @returns the opset version per imported domain
 */
export function validateModel(model: ModelProto, options: DecodeOptions = {}): Map<string, number> {
  const opsets = checkModelLimits(model, options);
  CHECKED.set(model, opsets);
  return opsets;
}

function checkModelLimits(model: ModelProto, options: DecodeOptions): Map<string, number> {
  const limits = resolveLimits(options.limits);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const ir = toNumber(model.irVersion, WHERE);
  if (ir < IR_VERSION_RANGE[0] || ir > IR_VERSION_RANGE[1]) {
    throw new FormatError(`${WHERE}: ir_version must be in [${IR_VERSION_RANGE.join(', ')}], got ${ir}`);
  }
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) {
    const domain = o.domain === 'ai.onnx' ? '' : (o.domain ?? '');
    const version = toNumber(o.version, WHERE);
    const range = OPSET_RANGES[domain];
    if (range && (version < range[0] || version > range[1])) {
      throw new FormatError(`${WHERE}: opset version of domain "${domain || 'ai.onnx'}" must be in [${range.join(', ')}], got ${version}`);
    }
    opsets.set(domain, version);
  }
  const graph = model.graph;
  if (!graph) throw new FormatError(`${WHERE}: model must contain a graph, got none`);
  checkGraph(graph, { limits, external: new ByteBudget(limits), maxDepth, baseDir: options.baseDir }, 1);
  topologicalOrder(graph, `${WHERE} graph`);
  for (const node of graph.node ?? []) {
    const domain = node.domain === 'ai.onnx' ? '' : (node.domain ?? '');
    if (!opsets.has(domain)) {
      throw new FormatError(`${WHERE}: domain "${domain || 'ai.onnx'}" of ${nodeLabel(node)} must be declared in opset_import, got no import`);
    }
  }
  return opsets;
}

interface GraphLimits {
  limits: Limits;
  /** External data read so far. */
  external: ByteBudget;
  maxDepth: number;
  baseDir: string | undefined;
}

function checkGraph(graph: GraphProto, limits: GraphLimits, depth: number): void {
  if (depth > limits.maxDepth) {
    throw new FormatError(`${WHERE}: graph nesting depth must be at most ${limits.maxDepth} (maxDepth), got ${depth}`);
  }
  for (const t of graph.initializer ?? []) {
    const where = `${WHERE}: initializer "${t.name ?? ''}"`;
    resolveExternalData(t, limits.baseDir, where, limits.external);
    checkTensorProto(t, where, limits.limits);
  }
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      const where = `${WHERE}: attribute ${a.name ?? ''} of ${nodeLabel(node)}`;
      for (const t of a.t ? [a.t, ...(a.tensors ?? [])] : (a.tensors ?? [])) {
        resolveExternalData(t, limits.baseDir, where, limits.external);
        checkTensorProto(t, where, limits.limits);
      }
      for (const g of a.g ? [a.g, ...(a.graphs ?? [])] : (a.graphs ?? [])) checkGraph(g, limits, depth + 1);
    }
  }
}

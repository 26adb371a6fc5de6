/**
 * ONNX bytes → a checked ModelProto. Decoding itself is dadm's protobuf codec (src/protobuf); this file
 * adds the limits and checks that make a hostile or broken file fail with a {@link FormatError}
 * instead of an arbitrary exception later.
 */
import { FormatError } from '../errors.js';
import { ByteBudget, checkLimit, resolveLimits, type Limits } from '../limits.js';
import { decodedBytesBound, estimateDecodedBytes } from './decoded-size.js';
import { topologicalOrder } from './graph-order.js';
import { IR_VERSION_RANGE, OPSET_RANGES, checkModel, onnx } from '../onnx/reader.js';
import { WASM_LOAD_MIN, wasmLoaderActive } from './load-gate.js';
import * as forest from './ops/forest.js';
import { nodeLabel, type ModelProto } from './proto-utils.js';
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

/** The IR and opset versions the runtime reads (their one home is the ONNX toolkit's opsets.ts). */
export { IR_VERSION_RANGE, OPSET_RANGES };

const DEFAULT_MAX_DEPTH = 8;
/** The codec's bulk readers on the loader's WebAssembly (docs/edge.md, "The forest"). */
const WASM_BULK: onnx.BulkReader = {
  varints: (bytes, start, end) => (end - start >= WASM_LOAD_MIN ? forest.wasmVarints(bytes, start, end) : null),
  byteRun: (bytes, start, end, tag) => (end - start >= WASM_LOAD_MIN ? forest.wasmByteRun(bytes, start, end, tag) : null),
};
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
  // Decoding makes an object of every message: ~300x the bytes of a file of empty attributes. The
  // scan is needed only when even that worst case could exceed the limit (files above ~6.7 MB by default).
  const limits = resolveLimits(options.limits);
  if (decodedBytesBound(bytes.length) > limits.maxTotalBytes) {
    checkLimit(limits, 'maxTotalBytes', estimateDecodedBytes(bytes), WHERE, 'memory for the decoded protobuf messages (estimated)');
  }
  let model: ModelProto;
  try {
    model = onnx.decodeModel(bytes, { compactLists: true, bulk: wasmLoaderActive() ? WASM_BULK : undefined });
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
 * Checks an already decoded model (see {@link decodeModel}) and resolves external data in place: the
 * ONNX toolkit's one model checker under its `untrusted` policy, with the runtime's tensor rule
 * (external data resolved under baseDir, each tensor within `maxTensorBytes`, all external data within
 * `maxTotalBytes`), then the node order the runtime plans with (no cycles, every name defined once).
 * @returns the opset version per imported domain
 */
export function validateModel(model: ModelProto, options: DecodeOptions = {}): Map<string, number> {
  const limits = resolveLimits(options.limits);
  const external = new ByteBudget(limits);
  const opsets = checkModel(model, {
    trust: 'untrusted',
    where: WHERE,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    tensor(t, site) {
      const where = 'initializer' in site ? `${WHERE}: initializer "${site.initializer}"` : `${WHERE}: attribute ${site.attribute.name ?? ''} of ${nodeLabel(site.node)}`;
      resolveExternalData(t, where, { baseDir: options.baseDir, budget: external });
      checkTensorProto(t, where, limits);
    },
  });
  topologicalOrder(model.graph!, `${WHERE} graph`);
  CHECKED.set(model, opsets);
  return opsets;
}

/**
 * `loadOnnx`: a file, bytes or a decoded ModelProto → a ready {@link OnnxModel}. Everything that can be
 * decided without data happens here: validation, op lookup (an unsupported op fails before any run),
 * initializer conversion, and the plan for batch size 1.
 */
import { dirname } from 'node:path';
import { FormatError, UnsupportedOpError } from '../errors.js';
import { readInputFile } from '../io/input-file.js';
import { ByteBudget, resolveLimits, type Limits } from '../limits.js';
import { checkedOpsets, decodeModel, validateModel, type DecodeOptions } from './decode-model.js';
import { dtypeFromOnnx } from './dtypes.js';
import { fuseAffineSum } from './fuse-affine-sum.js';
import { fuseQuantizedLinear } from './fuse-quantized-linear.js';
import { topologicalOrder } from './graph-order.js';
import { OnnxModel, type InputSpec } from './onnx-model.js';
import { constValue, type Value } from './ops/types.js';
import { findOp } from './ops/registry.js';
import type { PreparedGraph, PreparedNode } from './plan.js';
import { toNumber } from '../onnx/reader.js';
import { Attributes, nodeLabel, type ModelProto } from './proto-utils.js';
import { tensorByteLength, tensorFromProto } from './tensor-proto.js';

/** Options of {@link loadOnnx}: the decoding limits of {@link DecodeOptions} (also the plans' budget), and fusion. */
export interface LoadOptions extends DecodeOptions {
  /**
   * Fuse each MatMulInteger → Cast → Mul → Add chain of a dynamically quantized linear layer, and
   * each Concat → Sub → Mul → ReduceSum score combination (an ensemble's calibration), into one kernel
   * each (bit-identical results, see docs/onnx.md "## Runtime"). Default true; false runs every node
   * as written.
   */
  fuse?: boolean;
}

/**
 * Loads an ONNX model for inference.
 * @param source the path of an ONNX file (read through {@link readOnnxFile}; its external data is
 *   looked for beside it unless `baseDir` says otherwise, and a FormatError names it), serialized
 *   ONNX bytes, or a ModelProto (decoded by {@link decodeModel}, or built with the toolkit's make*
 *   builders)
 * @throws InvalidOptionError naming the path for a missing, unreadable or irregular file
 * @throws FormatError for malformed or inconsistent models (see {@link decodeModel})
 * @throws UnsupportedOpError naming the first node whose op (or attribute value) is not implemented
 * @throws ShapeError when the graph's shapes do not fit together for a batch of 1
 * @throws LimitError when the initializers, or they and the buffers planned for a batch of 1, are over
 *   the limits (`limits.maxTensorBytes` each, `limits.maxTotalBytes` together)
 */
export function loadOnnx(source: string | Uint8Array | ModelProto, options: LoadOptions = {}): OnnxModel {
  if (typeof source === 'string') {
    const bytes = readOnnxFile(source, undefined, options.limits, options.maxBytes);
    return namingFile(source, () => loadOnnx(bytes, { baseDir: dirname(source), ...options }));
  }
  const model = source instanceof Uint8Array ? decodeModel(source, options) : source;
  // A model from decodeModel (here or the caller's) was checked there: check once, not per load.
  const opsets = checkedOpsets(model) ?? validateModel(model, options);
  const graph = model.graph!;
  const order = topologicalOrder(graph, 'onnx graph');
  const nodes: PreparedNode[] = order.map((i) => {
    const node = graph.node![i]!;
    const domain = node.domain === 'ai.onnx' ? '' : (node.domain ?? '');
    const planner = findOp(domain, node.opType ?? '');
    const where = nodeLabel(node);
    if (!planner) {
      const op = domain ? `${domain}:${node.opType}` : node.opType;
      throw new UnsupportedOpError(`onnx: op of node ${where} must be one the runtime implements (see SUPPORTED_OPS), got ${op}`, node.opType ?? '', node.name ?? '');
    }
    return { node, where, planner, attrs: new Attributes(node, where), opset: opsets.get(domain)! };
  });
  const limits = resolveLimits(options.limits);
  const budget = new ByteBudget(limits);
  const constants = new Map<string, Value>();
  for (const t of graph.initializer ?? []) {
    budget.reserve(tensorByteLength(t, `onnx: initializer "${t.name}"`), `onnx: initializer "${t.name}"`, 'tensor');
    const v = tensorFromProto(t, `onnx: initializer "${t.name}"`);
    constants.set(t.name ?? '', constValue(v.dtype, v.shape, v.data));
  }
  const inputs: InputSpec[] = [];
  for (const vi of graph.input ?? []) {
    const name = vi.name ?? '';
    if (constants.has(name)) continue;
    const tt = vi.type?.tensorType;
    if (!tt) throw new FormatError(`onnx: graph input "${name}" must be a tensor, got another type`);
    // dim_value and dim_param are a oneof: the codec keeps the last one set, so a symbolic dim has no dimValue.
    const dims = (tt.shape?.dim ?? []).map((d) => (d.dimValue !== undefined ? toNumber(d.dimValue, `onnx: graph input "${name}"`) : null));
    inputs.push({ name, dtype: dtypeFromOnnx(tt.elemType ?? 0, `onnx: graph input "${name}"`), dims, hasShape: !!tt.shape });
  }
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  if (outputs.length === 0) throw new FormatError('onnx: graph must have at least one output, got none');
  const planned = options.fuse === false ? nodes : fuseAffineSum(fuseQuantizedLinear(nodes, outputs), outputs);
  const prepared: PreparedGraph = { nodes: planned, constants, inputs, outputs, limits, constantBytes: budget.total };
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return new OnnxModel(prepared, inputs, metadata);
}

/**
 * The bytes of an ONNX file, through the checked open: a regular file within `limits.maxOnnxFileBytes`
 * (and `maxBytes`), its size checked before anything is read.
 * @param option the option that named the file, for messages (e.g. `--model`)
 * @throws InvalidOptionError naming the path (and option) for a missing, unreadable or irregular file;
 *   LimitError for a file over the limit; FormatError for one over `maxBytes`
 */
export function readOnnxFile(path: string, option?: string, limits?: Partial<Limits>, maxBytes?: number): Uint8Array {
  return readInputFile(path, {
    what: 'model',
    sizeLimit: 'maxOnnxFileBytes',
    ...(option === undefined ? {} : { option }),
    ...(limits === undefined ? {} : { limits }),
    ...(maxBytes === undefined ? {} : { maxBytes }),
  });
}

/** `f()`, with a FormatError it throws prefixed by `path` (once) so the message names the file. */
export function namingFile<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof FormatError && !err.message.startsWith(path)) throw new FormatError(`${path}: ${err.message}`, path);
    throw err;
  }
}

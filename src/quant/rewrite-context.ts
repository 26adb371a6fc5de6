import { DATA_TYPE_CODES, makeNode, makeTensor, toNumber, type onnx } from '../onnx/index.js';
import { readFloat32, transpose2d } from './weight-arrays.js';
import { NameRegistry } from './name-registry.js';
import type { WeightType } from './quant-range.js';
import { quantizeWeights } from './quantize-weights.js';
import type { SelectionRules } from './selection-rules.js';

/** Validated options of one quantizeDynamic run. */
export interface ResolvedQuantOptions {
  readonly perChannel: boolean;
  readonly weightType: WeightType;
  readonly symmetric: boolean;
  readonly reduceRange: boolean;
  readonly nodesToExclude: ReadonlySet<string>;
  readonly opTypesToQuantize: ReadonlySet<string>;
  readonly selection: SelectionRules;
}

/** A quantized weight in the output graph, laid out `[K, N]` for MatMulInteger. */
export interface QuantizedWeightEntry {
  /** The original initializer's name. */
  readonly source: string;
  readonly qName: string;
  readonly scaleName: string;
  readonly zeroPointName: string;
  /** float32 scales (`[1]` per tensor, `[N]` per channel), kept for folding Gemm's alpha. */
  readonly scale: Float32Array;
}

/** The DynamicQuantizeLinear outputs for one activation tensor. */
export interface QuantizedActivation {
  readonly qName: string;
  readonly scaleName: string;
  readonly zeroPointName: string;
}

/**
 * State shared by the op handlers during one rewrite: the (copied) graph's constants, the name registry,
 * and caches so that a weight or an activation shared by several nodes is quantized once (as onnxruntime does).
 */
export class RewriteContext {
  /** Initializers created so far, appended to the graph at the end. */
  readonly newInitializers: onnx.TensorProto[] = [];
  private readonly initializers = new Map<string, onnx.TensorProto>();
  private readonly graphInputs = new Set<string>();
  private readonly weights = new Map<string, QuantizedWeightEntry>();
  private readonly activations = new Map<string, QuantizedActivation>();

  constructor(
    graph: onnx.GraphProto,
    readonly names: NameRegistry,
    readonly options: ResolvedQuantOptions,
  ) {
    for (const t of graph.initializer ?? []) if (t.name) this.initializers.set(t.name, t);
    for (const i of graph.input ?? []) if (i.name) this.graphInputs.add(i.name);
  }

  /**
   * The quantized form of a constant rank-2 float32 initializer, `[K, N]` (transposed first when
   * `transposed`, for Gemm's transB=1), or the reason it cannot be quantized.
   */
  quantizedWeight(name: string, transposed: boolean): QuantizedWeightEntry | string {
    const key = `${transposed ? 'T' : 'N'}:${name}`;
    const cached = this.weights.get(key);
    if (cached) return cached;
    const tensor = this.initializers.get(name);
    if (!tensor) return `weight '${name}' is not a constant initializer`;
    if (this.graphInputs.has(name)) return `weight '${name}' is also a graph input, so it can be overridden at run time`;
    if (tensor.dataLocation === 1) return `weight '${name}' is stored as external data`;
    if (tensor.dataType !== DATA_TYPE_CODES.float32) return `weight '${name}' must be float32, got data type ${tensor.dataType}`;
    const dims = (tensor.dims ?? []).map((d) => toNumber(d, `quantizeDynamic: weight '${name}'`));
    if (dims.length !== 2) return `weight '${name}' must be rank 2, got [${dims.join(',')}]`;
    const [rows, cols] = dims as [number, number];
    const stored = readFloat32(tensor, rows * cols);
    if (!stored) return `weight '${name}' must hold ${rows * cols} float32 values`;
    const bad = firstNonFinite(stored);
    if (bad >= 0) return `weight '${name}' must be finite, got ${stored[bad]} at index ${bad}`;
    const data = transposed ? transpose2d(stored, rows, cols) : stored;
    const shape = transposed ? [cols, rows] : [rows, cols];

    const { perChannel, weightType, symmetric, reduceRange } = this.options;
    const w = quantizeWeights(data, shape, { perChannel, axis: 1, weightType, symmetric, reduceRange });
    const base = transposed ? `${name}_transposed` : name;
    const paramDims = perChannel ? [shape[1]!] : [];
    const entry: QuantizedWeightEntry = {
      source: name,
      qName: this.names.claimTensor(`${base}_quantized`),
      scaleName: this.names.claimTensor(`${base}_scale`),
      zeroPointName: this.names.claimTensor(`${base}_zero_point`),
      scale: w.scale,
    };
    this.newInitializers.push(
      makeTensor({ name: entry.qName, dataType: weightType, dims: shape, values: w.q }),
      makeTensor({ name: entry.scaleName, dataType: 'float32', dims: paramDims, values: w.scale }),
      makeTensor({ name: entry.zeroPointName, dataType: weightType, dims: paramDims, values: w.zeroPoint }),
    );
    this.weights.set(key, entry);
    return entry;
  }

  /**
   * The DynamicQuantizeLinear outputs for `name`; the node is pushed onto `nodes` the first time only
   * (the first consumer comes first in topological order, so later consumers can read it).
   */
  quantizedActivation(name: string, nodes: onnx.NodeProto[]): QuantizedActivation {
    const cached = this.activations.get(name);
    if (cached) return cached;
    const entry: QuantizedActivation = {
      qName: this.names.claimTensor(`${name}_quantized`),
      scaleName: this.names.claimTensor(`${name}_scale`),
      zeroPointName: this.names.claimTensor(`${name}_zero_point`),
    };
    const nodeName = this.names.claimNode(`${name}_QuantizeLinear`);
    nodes.push(makeNode('DynamicQuantizeLinear', [name], [entry.qName, entry.scaleName, entry.zeroPointName], { name: nodeName }));
    this.activations.set(name, entry);
    return entry;
  }

  /** Adds a float32 initializer under a new (checked) name. */
  addFloatInitializer(name: string, dims: readonly number[], values: Float32Array): string {
    this.newInitializers.push(makeTensor({ name: this.names.claimTensor(name), dataType: 'float32', dims, values }));
    return name;
  }
}

/** Index of the first NaN/Infinity, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

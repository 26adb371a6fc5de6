/** `makeValueInfo` and `makeGraph`: graph signatures and the GraphProto that holds the nodes. */
import { InvalidOptionError } from '../errors.js';
import { type DataTypeName, dataTypeCode } from './data-types.js';
import { onnx } from './proto.js';

/**
 * One dimension of a value's shape: a fixed size, a symbolic name (`'batch'`, a dynamic axis) or
 * `null` for an unknown, unnamed size.
 */
export type Dim = number | string | null;

/**
 * Builds a ValueInfoProto for a tensor: `makeValueInfo('input', 'float32', ['batch', 64])`.
 * `shape` `[]` is a scalar; the shape is always written (onnx.checker requires it on graph inputs/outputs).
 * @throws InvalidOptionError for an empty name, unknown element type, or a negative/non-integer dim.
 */
export function makeValueInfo(name: string, elemType: DataTypeName, shape: readonly Dim[]): onnx.ValueInfoProto {
  const where = `makeValueInfo '${name}'`;
  if (name === '') throw new InvalidOptionError(`makeValueInfo: name must be non-empty, got ''`, 'name');
  const dim: onnx.TensorShapeDimension[] = shape.map((d) => {
    if (d === null) return {};
    if (typeof d === 'string') {
      if (d === '') throw new InvalidOptionError(`${where}: symbolic dims must be non-empty strings, got ''`, 'shape');
      return { dimParam: d };
    }
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new InvalidOptionError(`${where}: dims must be non-negative integers or names, got ${d}`, 'shape');
    }
    return { dimValue: d };
  });
  return { name, type: { tensorType: { elemType: dataTypeCode(elemType, where), shape: { dim } } } };
}

/** Options of {@link makeGraph}; lists keep the given order. */
export interface MakeGraphOptions {
  name: string;
  /** in topological order (each node after the producers of its inputs) */
  nodes: readonly onnx.NodeProto[];
  inputs: readonly onnx.ValueInfoProto[];
  outputs: readonly onnx.ValueInfoProto[];
  initializers?: readonly onnx.TensorProto[];
  docString?: string;
  /** shape/type annotations of intermediate values */
  valueInfo?: readonly onnx.ValueInfoProto[];
}

/**
 * Builds a GraphProto. No checking here (use checkModel on the model): building and checking are separate.
 * @throws InvalidOptionError when `name` is empty.
 */
export function makeGraph(options: MakeGraphOptions): onnx.GraphProto {
  if (options.name === '') throw new InvalidOptionError(`makeGraph: name must be non-empty, got ''`, 'name');
  const props: onnx.GraphProto = {
    name: options.name,
    node: options.nodes.slice(),
    input: options.inputs.slice(),
    output: options.outputs.slice(),
  };
  if (options.initializers !== undefined) props.initializer = options.initializers.slice();
  if (options.docString !== undefined) props.docString = options.docString;
  if (options.valueInfo !== undefined) props.valueInfo = options.valueInfo.slice();
  return props;
}

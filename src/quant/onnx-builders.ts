/**
 * Small pure builders and readers for the onnx-proto messages the quantizer creates or inspects, in the
 * spirit of `onnx/helper.py`: one function per message, optional fields set only when given.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export { onnx };

/** protobufjs represents int64 fields as a number or a Long object. */
export type Int64 = number | { toNumber(): number };

/** ONNX `TensorProto.DataType` codes the quantizer uses. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, DOUBLE: 11 } as const;

/** A number from an int64 proto field (Long or number); 0 when absent. */
export function int64ToNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Builds a NodeProto in the default domain. */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: readonly onnxProto.onnx.IAttributeProto[] = [],
): onnxProto.onnx.NodeProto {
  const node = onnx.NodeProto.create({ opType, input: [...inputs], output: [...outputs], name });
  if (attributes.length > 0) node.attribute = [...attributes];
  return node;
}

/** An INT attribute. */
export function intAttribute(name: string, value: number): onnxProto.onnx.AttributeProto {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

/** Builds a tensor whose values are stored little-endian in `rawData` (copied). */
export function makeTensor(
  name: string,
  dataType: number,
  dims: readonly number[],
  values: Float32Array | Int8Array | Uint8Array,
): onnxProto.onnx.TensorProto {
  const rawData = new Uint8Array(values.byteLength);
  if (values instanceof Float32Array) {
    const view = new DataView(rawData.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  } else {
    rawData.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return onnx.TensorProto.create({ name, dataType, dims: [...dims], rawData });
}

/** The named attribute of a node, or undefined. */
export function findAttribute(node: onnxProto.onnx.INodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** An INT attribute's value, or `fallback` when absent. */
export function intAttributeValue(node: onnxProto.onnx.INodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a ? int64ToNumber(a.i) : fallback;
}

/** A FLOAT attribute's value, or `fallback` when absent. */
export function floatAttributeValue(node: onnxProto.onnx.INodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a ? (a.f ?? 0) : fallback;
}

/**
 * The float32 values of an initializer, from `rawData` (little-endian) or `floatData`.
 * The caller has checked `dataType === FLOAT` and that the data is stored inside the model.
 * Returns null when the stored value count does not match the dims.
 */
export function readFloat32(tensor: onnxProto.onnx.ITensorProto, count: number): Float32Array | null {
  const raw = tensor.rawData;
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== 4 * count) return null;
    const out = new Float32Array(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  const data = tensor.floatData ?? [];
  return data.length === count ? Float32Array.from(data) : null;
}

/** `[N, K]` row-major -> `[K, N]` row-major. */
export function transpose2d(W: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(W.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = W[r * cols + c]!;
  }
  return out;
}

/** Deep copy through the wire format, so the copy shares no objects or buffers with the original. */
export function cloneModel(model: onnxProto.onnx.IModelProto): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
}

/** Encoded size in bytes. */
export function encodedSize(model: onnxProto.onnx.IModelProto): number {
  return onnx.ModelProto.encode(model).finish().length;
}

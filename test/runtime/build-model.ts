/**
 * Test helper: builds small ONNX models as plain messages (independent of src/onnx-writer) and
 * serializes them with onnx-proto (protobufjs), so the runtime reads bytes dadm's codec did not write.
 */
import onnxProto from 'onnx-proto';
import { AttributeType as AT, DataType, decodeModel, type GraphProto, type ModelProto, type NodeProto, type OperatorSetIdProto, type TensorProto, type ValueInfoProto } from '../../src/protobuf/index.js';

export type IGraphProto = GraphProto;
export type ITensorProto = TensorProto;
export const DT = DataType;

export type AttrValue = number | string | number[] | string[] | { floats: number[] } | { tensor: TensorProto } | { graph: GraphProto };

/** A node; integers become INT/INTS attributes, non-integers FLOAT/FLOATS; `{ floats }` forces FLOATS. */
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): NodeProto {
  const attribute = Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
    if (typeof v === 'number') return Number.isInteger(v) ? { name, type: AT.INT, i: v } : { name, type: AT.FLOAT, f: v };
    if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] === 'string') return { name, type: AT.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
      return (v as number[]).every(Number.isInteger) ? { name, type: AT.INTS, ints: v as number[] } : { name, type: AT.FLOATS, floats: v as number[] };
    }
    if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
    if ('tensor' in v) return { name, type: AT.TENSOR, t: v.tensor };
    return { name, type: AT.GRAPH, g: v.graph };
  });
  return { opType, input: inputs, output: outputs, attribute, name: `${opType}_${outputs[0]}`, domain };
}

/** A tensor with typed-field data (float → float_data, int64 → int64_data, others → int32_data). */
export function tensor(name: string, dims: number[], data: ArrayLike<number>, dataType: number = DT.FLOAT): TensorProto {
  const values = Array.from(data);
  if (dataType === DT.FLOAT) return { name, dims, dataType, floatData: values };
  if (dataType === DT.DOUBLE) return { name, dims, dataType, doubleData: values };
  if (dataType === DT.INT64) return { name, dims, dataType, int64Data: values };
  return { name, dims, dataType, int32Data: values };
}

/** A float32 tensor stored in raw_data (little-endian), as exporters write it. */
export function rawFloatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  const f = Float32Array.from(data);
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(f.buffer) };
}

/** A value_info; `null` dims are dynamic (dim_param "batch"). */
export function valueInfo(name: string, dims: (number | null)[] | undefined, elemType: number = DT.FLOAT): ValueInfoProto {
  const shape = dims === undefined ? undefined : { dim: dims.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })) };
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

export interface ModelSpec {
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: string[];
  initializers?: TensorProto[];
  opset?: number;
  mlOpset?: number;
  irVersion?: number;
  metadata?: Record<string, string>;
}

/** The ModelProto message for a spec, as dadm's codec decodes protobufjs's bytes of it. */
export function modelProto(spec: ModelSpec): ModelProto {
  return decodeModel(modelBytes(spec));
}

function plainModel(spec: ModelSpec): ModelProto {
  const opsetImport: OperatorSetIdProto[] = [{ domain: '', version: spec.opset ?? 17 }];
  if (spec.mlOpset !== undefined) opsetImport.push({ domain: 'ai.onnx.ml', version: spec.mlOpset });
  return {
    irVersion: spec.irVersion ?? 8,
    opsetImport,
    producerName: 'dadm-test',
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'g',
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs.map((o) => valueInfo(o, undefined)),
      initializer: spec.initializers ?? [],
    },
  };
}

/** Serialized bytes for a spec. */
export function modelBytes(spec: ModelSpec): Uint8Array {
  return new Uint8Array(onnxProto.onnx.ModelProto.encode(plainModel(spec) as onnxProto.onnx.IModelProto).finish());
}

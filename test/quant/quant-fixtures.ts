/** Shared test helpers for test/quant: fixture loading, small hand-built ONNX graphs, onnxruntime-web runs. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { onnx } from '../../src/onnx/index.js';

/** The ONNX messages and codec of the toolkit (`proto.decodeModel`, `proto.ModelProto`, …). */
export const proto = onnx;
ort.env.wasm.numThreads = 1;

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface JsonTensor {
  shape: number[];
  data: number[];
}

export function readJson<T>(relPath: string): T {
  return JSON.parse(readFileSync(FIXTURES + relPath, 'utf8')) as T;
}

export function readBytes(relPath: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + relPath));
}

export function encode(model: onnx.ModelProto): Uint8Array {
  return onnx.encodeModel(model);
}

/** A float32 initializer stored in floatData (the quantizer must read both floatData and rawData). */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): onnx.TensorProto {
  return { name, dataType: 1, dims, floatData: Array.from(data) };
}

export function valueInfo(name: string, dims: (number | string)[]): onnx.ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: 1, shape: { dim } } } };
}

export interface GraphSpec {
  nodes: onnx.NodeProto[];
  initializers: onnx.TensorProto[];
  inputs: onnx.ValueInfoProto[];
  outputs: onnx.ValueInfoProto[];
  opset?: number;
}

/** A decoded ModelProto (typed arrays where the codec makes them, as a real caller would have) built from plain objects. */
export function makeModel(spec: GraphSpec): onnx.ModelProto {
  const model: onnx.ModelProto = {
    irVersion: 8,
    producerName: 'dadm-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: { name: 'g', node: spec.nodes, initializer: spec.initializers, input: spec.inputs, output: spec.outputs },
  };
  return onnx.decodeModel(encode(model));
}

/** `y = x @ W + bias` as MatMul + Add, like the reference README's e2e case. */
export function matmulAddModel(W: JsonTensor, bias: number[], rows: number | string = 'batch'): onnx.ModelProto {
  const [K, N] = W.shape as [number, number];
  return makeModel({
    nodes: [
      { opType: 'MatMul', name: 'mm', input: ['x', 'W'], output: ['xw'] },
      { opType: 'Add', name: 'add', input: ['xw', 'bias'], output: ['y'] },
    ],
    initializers: [floatTensor('W', [K, N], W.data), floatTensor('bias', [N], bias)],
    inputs: [valueInfo('x', [rows, K])],
    outputs: [valueInfo('y', [rows, N])],
  });
}

/** Runs a model with onnxruntime-web (wasm, one thread) and returns every output's data. */
export async function runOrt(
  model: Uint8Array,
  feeds: Record<string, { data: Float32Array; shape: number[] }>,
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.shape);
  const result = await session.run(inputs);
  const out: Record<string, Float32Array> = {};
  for (const name of session.outputNames) out[name] = result[name]!.data as Float32Array;
  await session.release();
  return out;
}

/** Distance in float32 units in the last place between two float32 values. */
export function ulpDistance(a: number, b: number): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat32(0, a);
  buf.setFloat32(4, b);
  const ia = buf.getInt32(0);
  const ib = buf.getInt32(4);
  // Map the sign-magnitude bit patterns onto a monotonic integer line.
  const ma = ia < 0 ? -0x80000000 - ia : ia;
  const mb = ib < 0 ? -0x80000000 - ib : ib;
  return Math.abs(ma - mb);
}

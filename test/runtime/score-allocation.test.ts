/**
 * `OnnxModel.score(row)` leaves no garbage per call:
 * - a dynamically quantized autoencoder (W2's int8 model: 64-32-8-32-64, `quantizeDynamic` defaults,
 *   per-tensor scales): a scale read from a tensor and handed to a builtin (`fill`) was boxed on the
 *   heap once per layer and call, 64 bytes a call (bench W2 `heap_bytes_per_call_int8`);
 * - the transformer's window (bench W7's model): each LayerNormalization on the WebAssembly kernel
 *   made an argument object, an empty Float32Array and two Float64Array views of its row
 *   statistics, ~1 kB a call.
 */
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/runtime/index.js';
import { quantizeDynamic } from '../../src/quant/index.js';
import { encodeModel } from '../../src/protobuf/index.js';
import { Random, wasmActive } from '../../src/tensor/index.js';
// W7's model (the transformer kind's default, random weights), built where the bench builds it.
import { transformerOnnx } from '../../bench/workloads/w7.js';
import { modelProto, node, rawFloatTensor, valueInfo } from './build-model.js';
import { heapGrowthPerCall } from './heap-growth.js';

const SIZES = [64, 32, 8, 32, 64];

/** The autoencoder with Gemm layers and a mean-squared-error score, as float ONNX. */
function autoencoder(): ReturnType<typeof modelProto> {
  const rng = new Random(0);
  const nodes = [], initializers = [];
  let prev = 'input';
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const [fanIn, fanOut] = [SIZES[l]!, SIZES[l + 1]!];
    const bound = 1 / Math.sqrt(fanIn);
    initializers.push(rawFloatTensor(`W${l}`, [fanOut, fanIn], rng.uniformFill(new Float32Array(fanOut * fanIn), -bound, bound)));
    initializers.push(rawFloatTensor(`B${l}`, [fanOut], rng.uniformFill(new Float32Array(fanOut), -bound, bound)));
    const last = l + 2 === SIZES.length;
    nodes.push(node('Gemm', [prev, `W${l}`, `B${l}`], [last ? 'reconstruction' : `h${l}`], { transB: 1 }));
    if (!last) nodes.push(node('Relu', [`h${l}`], [`a${l}`]));
    prev = `a${l}`;
  }
  nodes.push(node('Sub', ['reconstruction', 'input'], ['diff']), node('Mul', ['diff', 'diff'], ['sq']));
  nodes.push(node('ReduceMean', ['sq'], ['score'], { axes: [1], keepdims: 0 }));
  return modelProto({ nodes, inputs: [valueInfo('input', [null, 64])], outputs: ['score'], initializers, opset: 13 });
}

describe('OnnxModel.score on an int8 model', () => {
  it('allocates nothing per call: heap growth over 10^5 score(row) calls under 4 bytes a call', () => {
    const { model: q, report } = quantizeDynamic(autoencoder());
    expect(report.quantized).toHaveLength(4);
    const model = loadOnnx(encodeModel(q));
    const rows = Array.from({ length: 16 }, (_, i) => new Random(i + 1).normalFill(new Float32Array(64)));
    const calls = (n: number): number => {
      let sink = 0;
      for (let i = 0; i < n; i++) sink += model.score(rows[i % 16]!);
      return sink;
    };
    const perCall = heapGrowthPerCall(calls);
    expect(perCall.length).toBeGreaterThan(0);
    // A boxed number is 16 bytes: under 4 bytes a call, most calls allocate nothing.
    expect(Math.min(...perCall)).toBeLessThan(4);
  });
});

describe('OnnxModel.score on a transformer window', () => {
  it(`allocates nothing per call once the row plan runs the ${wasmActive() ? 'WebAssembly' : 'JavaScript'} kernels`, () => {
    const model = loadOnnx(transformerOnnx(0));
    const windows = Array.from({ length: 4 }, (_, i) => new Random(i + 1).normalFill(new Float32Array(16 * 64)));
    const calls = (n: number): number => {
      let sink = 0;
      for (let i = 0; i < n; i++) sink += model.score(windows[i & 3]!);
      return sink;
    };
    // A window costs ~10-20x a row: rounds of 2 x 10^4 after 4 x 10^4 warm-up windows. With the
    // suite's other files on both cores, V8 finishes compiling the model's functions during the
    // first rounds (20-30 bytes a call of code and metadata), so the least of four rounds is the
    // steady state (0.01 bytes a call). ~1 kB of garbage a call read 52-491 bytes here.
    const perCall = heapGrowthPerCall(calls, 4, 20_000, 40_000);
    expect(perCall.length).toBeGreaterThan(0);
    expect(Math.min(...perCall)).toBeLessThan(4);
  });
});

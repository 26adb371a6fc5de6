/**
 * `matmul` (docs/benchmarks.md): single-threaded float32 `gemm` throughput in GFLOP/s
 * (2·m·n·k flops per product) at the W1 training shape 256x64x32, a deeper 256x64x512 and the
 * square 512x512x512, on plain Float32Arrays (the WebAssembly backend copies them in and C out, as
 * onnxruntime copies its inputs). Each figure is the median of 7 timed runs after 1 warm-up run; a
 * run repeats the product enough times to last >= ~0.1 s. Anchors, measured after dadm in the same
 * run: onnxruntime-web's WASM SIMD MatMul (a one-node model, 1 thread, `session.run` per product)
 * and PyTorch eager `a @ b` with 1 and 2 threads.
 */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { Random, gemm, jsGemm } from '../../src/tensor/index.js';
import { TORCH_PRELUDE, context, median, runPython, timeRuns, torchName, versus, type BenchRow, type Workload } from '../harness.js';

const { onnx } = onnxProto;
type Shape = readonly [number, number, number];
const SHAPES: readonly Shape[] = [
  [256, 64, 32],
  [256, 64, 512],
  [512, 512, 512],
];
const REPS = 7;
const ORT_VERSION = '1.17.3';

/** Products per timed run so that one lasts ~0.1 s at ~2 GFLOP/s. */
const innerOf = ([m, n, k]: Shape): number => Math.max(1, Math.ceil(2e8 / (2 * m * n * k)));
const gflops = ([m, n, k]: Shape, seconds: number): number => (2 * m * n * k * innerOf([m, n, k])) / seconds / 1e9;

async function dadmGflops(shape: Shape, rng: Random, kernel: typeof gemm): Promise<number> {
  const [m, n, k] = shape;
  const a = rng.uniformFill(new Float32Array(m * k), -1, 1);
  const b = rng.uniformFill(new Float32Array(k * n), -1, 1);
  const c = new Float32Array(m * n);
  const inner = innerOf(shape);
  const times = await timeRuns(() => {
    for (let i = 0; i < inner; i++) kernel(a, b, c, { m, n, k });
  }, REPS, 1);
  if (!Number.isFinite(c[0]!)) throw new Error('matmul: result must be finite');
  return gflops(shape, median(times));
}

/** A one-node ONNX model `C = MatMul(A [m,k], B [k,n])`. */
function matmulModel([m, n, k]: Shape): Uint8Array {
  const vi = (name: string, dims: number[]): onnxProto.onnx.IValueInfoProto => ({
    name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'dadm-bench',
    graph: { name: 'matmul', node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['C'] }], input: [vi('A', [m, k]), vi('B', [k, n])], output: [vi('C', [m, n])] },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function ortGflops(shape: Shape, rng: Random): Promise<number> {
  const [m, n, k] = shape;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(matmulModel(shape));
  const A = new ort.Tensor('float32', rng.uniformFill(new Float32Array(m * k), -1, 1), [m, k]);
  const B = new ort.Tensor('float32', rng.uniformFill(new Float32Array(k * n), -1, 1), [k, n]);
  const inner = innerOf(shape);
  const times = await timeRuns(async () => {
    for (let i = 0; i < inner; i++) await session.run({ A, B });
  }, REPS, 1);
  await session.release();
  return gflops(shape, median(times));
}

const TORCH_SCRIPT = [
  TORCH_PRELUDE,
  `shapes = ${JSON.stringify(SHAPES)}`,
  'out = {"torch": torch.__version__}',
  'for t in (1, 2):',
  '    threads(t)',
  '    for m, n, k in shapes:',
  '        a = torch.rand(m, k) * 2 - 1; b = torch.rand(k, n) * 2 - 1',
  '        inner = max(1, -(-200000000 // (2 * m * n * k)))',
  '        def run():',
  '            for _ in range(inner): a @ b',
  `        out[f"{m}x{n}x{k}_{t}"] = 2 * m * n * k * inner / timed(run, ${REPS}, 1) / 1e9`,
  'print(json.dumps(out))',
].join('\n');

export const workload: Workload = {
  name: 'matmul',
  description: 'single-threaded float32 gemm GFLOP/s at 256x64x32, 256x64x512, 512x512x512 (anchors: onnxruntime-web MatMul, PyTorch)',
  async run(): Promise<BenchRow[]> {
    const rng = new Random(0);
    const dadm = [];
    for (const shape of SHAPES) dadm.push({ shape, value: await dadmGflops(shape, rng, gemm), ctx: context(), js: await dadmGflops(shape, rng, jsGemm) });
    const ortValues: number[] = [];
    for (const shape of SHAPES) ortValues.push(await ortGflops(shape, rng));
    const py = runPython(TORCH_SCRIPT, 'torch');
    const rows: BenchRow[] = [];
    dadm.forEach(({ shape, value, ctx, js }, i) => {
      const name = shape.join('x');
      const row: BenchRow = { workload: 'matmul', metric: `gflops_${name}`, value, unit: 'GFLOP/s', median_of: REPS, ...ctx };
      rows.push(versus(row, `onnxruntime-web ${ORT_VERSION} WASM SIMD MatMul, 1 thread`, ortValues[i]!, true));
      rows.push({ workload: 'matmul', metric: `gflops_${name}_js`, value: js, unit: 'GFLOP/s', median_of: REPS, ...ctx, backend: 'js', note: 'the JS kernel (jsGemm) in the same run' });
      if ('result' in py) {
        for (const t of [1, 2]) {
          const torchValue = Number(py.result[`${name}_${t}`]);
          rows.push(versus({ ...row, metric: `gflops_${name}_vs_torch_${t}t` }, `${torchName(py.result.torch, t)} via ${py.python}`, torchValue, true));
        }
      } else {
        rows.push({ ...row, metric: `gflops_${name}_vs_torch`, note: `PyTorch anchor skipped: ${py.skipped}` });
      }
    });
    return rows;
  },
};

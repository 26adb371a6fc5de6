/**
 * W2 (docs/benchmarks.md): single-row latency of the W1 autoencoder (64-32-8-32-64, ReLU after
 * each hidden Linear) scored as mean squared reconstruction error, through dadm's ONNX runtime and,
 * side by side, onnxruntime-web (wasm, 1 thread) on the same bytes. The ONNX model is built here
 * with onnx-proto: Gemm(transB=1) x4, Relu x3, Sub, Mul, ReduceMean(axes=[1], keepdims=0) -> score,
 * input [batch, 64] (dynamic batch). Weights: `Random(0)`, PyTorch Linear init U(±1/sqrt(fan_in)).
 * Timing: 20,000 warm-up calls (every engine), then 10,000 calls each timed individually with
 * process.hrtime.bigint (timer overhead ~0.05 µs is included). The warm-up was 1,000 calls until V8's
 * tiering was found to still be compiling `score`, the plan's steps and the timing loop during the
 * first ~1,000-2,000 timed calls of a fresh process (node --trace-opt), which put those calls at
 * 12-35 µs and made the p99 a measure of the compiler, not of a call (docs/benchmarks.md). Also: the model file size and the
 * peak RSS of a fresh Node process that loads the model and scores one row (W6 edge footprint).
 * Int8: the same model through dadm's `quantizeDynamic` (per tensor, int8 weights; every Gemm becomes
 * DynamicQuantizeLinear + MatMulInteger + Cast + Mul + Add), timed the same way in both runtimes.
 * onnxruntime-web runs with 1 thread, which is its default here: it picks min(4, ceil(cores / 2))
 * and does not run threads under Node.js. PyTorch anchors (after dadm, same run): the same model in
 * eager mode and as TorchScript (`torch.jit.trace`, frozen), 1 thread, under `torch.inference_mode()`,
 * each call timed with `time.perf_counter_ns`.
 */
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { encodeModel } from '../../src/onnx/index.js';
import { quantizeDynamic } from '../../src/quant/index.js';
import { decodeModel, loadOnnx } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { PEAK_RSS_SOURCE, TORCH_PRELUDE, TORCH_W2_MODEL, context, median, percentile, runPython, torchName, versus, type BenchRow, type Workload } from '../harness.js';

const { onnx } = onnxProto;
const SIZES = [64, 32, 8, 32, 64];
/** Untimed calls first: enough for V8 to finish optimizing the scoring path (~40 ms of calls). */
const WARMUP = 20_000;
const CALLS = 10_000;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The W1/W2 autoencoder as ONNX bytes (opset 13, IR 8), deterministic for a seed. */
export function autoencoderOnnx(seed = 0): Uint8Array {
  const rng = new Random(seed);
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const node: onnxProto.onnx.INodeProto[] = [];
  let prev = 'input';
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const [fanIn, fanOut] = [SIZES[l]!, SIZES[l + 1]!];
    const bound = 1 / Math.sqrt(fanIn);
    const w = rng.uniformFill(new Float32Array(fanOut * fanIn), -bound, bound);
    const b = rng.uniformFill(new Float32Array(fanOut), -bound, bound);
    initializer.push({ name: `W${l}`, dims: [fanOut, fanIn], dataType: 1, rawData: new Uint8Array(w.buffer) });
    initializer.push({ name: `B${l}`, dims: [fanOut], dataType: 1, rawData: new Uint8Array(b.buffer) });
    const out = l + 2 < SIZES.length ? `h${l}` : 'reconstruction';
    node.push({ opType: 'Gemm', name: `gemm${l}`, input: [prev, `W${l}`, `B${l}`], output: [out], attribute: [{ name: 'transB', type: 2, i: 1 }] });
    prev = out;
    if (l + 2 < SIZES.length) {
      node.push({ opType: 'Relu', name: `relu${l}`, input: [out], output: [`a${l}`] });
      prev = `a${l}`;
    }
  }
  node.push({ opType: 'Sub', name: 'sub', input: ['reconstruction', 'input'], output: ['diff'] });
  node.push({ opType: 'Mul', name: 'sq', input: ['diff', 'diff'], output: ['sq'] });
  node.push({ opType: 'ReduceMean', name: 'mean', input: ['sq'], output: ['score'], attribute: [{ name: 'axes', type: 7, ints: [1] }, { name: 'keepdims', type: 2, i: 0 }] });
  const vi = (name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'dadm-bench',
    graph: { name: 'autoencoder', node, initializer, input: [vi('input', ['batch', 64])], output: [vi('score', ['batch'])] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The W2 model dynamically quantized by dadm (default options: per-tensor int8). */
export function quantizedAutoencoderOnnx(seed = 0): Uint8Array {
  const { model, report } = quantizeDynamic(decodeModel(autoencoderOnnx(seed)));
  if (report.quantized.length !== 4) throw new Error(`W2: quantizer must rewrite 4 Gemm nodes, got ${report.message}`);
  return encodeModel(model);
}

/** Rows to cycle through, N(0,1) from seed 1. */
export function sampleRows(count: number): Float32Array[] {
  const rng = new Random(1);
  return Array.from({ length: count }, () => rng.normalFill(new Float32Array(64)));
}

/** Per-call microseconds of dadm's runtime scoring one row (WARMUP untimed calls first). */
export function dadmLatency(bytes: Uint8Array, rows: Float32Array[]): number[] {
  const model = loadOnnx(bytes);
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += model.score(rows[i % rows.length]!);
  const us: number[] = new Array<number>(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const row = rows[i % rows.length]!;
    const t0 = process.hrtime.bigint();
    sink += model.score(row);
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  if (!Number.isFinite(sink)) throw new Error('W2: scores must be finite');
  return us;
}

/**
 * Heap bytes a `score(row)` call leaves behind in dadm's runtime: heap growth over 10^5 calls after
 * a full collection, the least of three rounds (the caller's loop is recompiled while it warms up);
 * a round that a collection ran through (the heap shrank) is skipped, NaN when every round was.
 */
export function dadmHeapBytesPerCall(bytes: Uint8Array, rows: Float32Array[]): number {
  const model = loadOnnx(bytes);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const calls = (n: number): number => {
    let sink = 0;
    for (let i = 0; i < n; i++) sink += model.score(rows[i % rows.length]!);
    return sink;
  };
  calls(20_000);
  let best = NaN;
  for (let round = 0; round < 3; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    if (!Number.isFinite(calls(100_000))) throw new Error('W2: scores must be finite');
    const grown = process.memoryUsage().heapUsed - before;
    if (grown >= 0 && !(grown / 100_000 >= best)) best = grown / 100_000;
  }
  return best;
}

/** Per-call microseconds of onnxruntime-web (1 thread) scoring one `[1, 64]` row (WARMUP untimed calls first). */
export async function ortLatency(bytes: Uint8Array, rows: Float32Array[]): Promise<number[]> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const once = async (row: Float32Array): Promise<number> => {
    const out = await session.run({ input: new ort.Tensor('float32', row, [1, 64]) });
    return (out.score!.data as Float32Array)[0]!;
  };
  for (let i = 0; i < WARMUP; i++) await once(rows[i % rows.length]!);
  const us: number[] = new Array<number>(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await once(rows[i % rows.length]!);
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  return us;
}

/**
 * Peak RSS (MB) of a fresh `node` process that reads the model file, loads it and scores one row.
 * The child runs dadm's runtime bundled to plain JS by esbuild (tsx's dependency), so no
 * TypeScript loader inflates the figure; `baseline` is an empty `node -e ''` for reference.
 * `scoreCall` is the child's scoring expression on `model` (W7 passes a `[1, 16, 64]` run).
 */
export async function edgeRss(modelPath: string, scoreCall = 'model.score(new Float32Array(64).fill(0.5))'): Promise<{ mb: number; baselineMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'dadm-w2-edge-'));
  const entry = join(dir, 'edge.mjs');
  const { buildSync } = await import('esbuild');
  buildSync({
    stdin: {
      contents: `import { readFileSync } from 'node:fs';
import { loadOnnx } from './src/runtime/index.ts';
const model = loadOnnx(new Uint8Array(readFileSync(process.argv[2])));
const s = ${scoreCall};
${PEAK_RSS_SOURCE}
process.stdout.write(JSON.stringify({ score: s, maxRssKb: peakRssKb() }));`,
      resolveDir: repoRoot,
      sourcefile: 'edge-child.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: entry,
    logLevel: 'silent',
  });
  const child = spawnSync(process.execPath, [entry, modelPath], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`W2: edge child must exit 0, got ${child.status}: ${child.stderr}`);
  const base = spawnSync(process.execPath, ['-e', `${PEAK_RSS_SOURCE}; process.stdout.write(String(peakRssKb()))`], { encoding: 'utf8' });
  const got = JSON.parse(child.stdout) as { maxRssKb: number };
  return { mb: got.maxRssKb / 1024, baselineMb: Number(base.stdout) / 1024 };
}

const TORCH_SCRIPT = [
  TORCH_PRELUDE,
  TORCH_W2_MODEL,
  'threads(1)',
  'rows = [torch.randn(1, 64) for _ in range(100)]',
  'out = {"torch": torch.__version__}',
  'def latency(fn):',
  `    for i in range(${WARMUP}): fn(rows[i % 100])`,
  '    us = []',
  `    for i in range(${CALLS}):`,
  '        t0 = time.perf_counter_ns(); fn(rows[i % 100]); us.append((time.perf_counter_ns() - t0) / 1e3)',
  '    us.sort()',
  '    return us[len(us) // 2], us[int(0.99 * (len(us) - 1))]',
  'with torch.inference_mode():',
  '    out["eager_median"], out["eager_p99"] = latency(scorer)',
  '    script = torch.jit.freeze(torch.jit.trace(scorer, rows[0]))',
  '    out["script_median"], out["script_p99"] = latency(script)',
  'print(json.dumps(out))',
].join('\n');

export const workload: Workload = {
  name: 'W2',
  description: 'single-row latency of the 64-32-8-32-64 autoencoder ONNX model, float and int8, edge RSS (anchors: onnxruntime-web, PyTorch eager and TorchScript)',
  async run(): Promise<BenchRow[]> {
    const bytes = autoencoderOnnx(0);
    const rows = sampleRows(100);
    const ctx = context();
    const dadm = dadmLatency(bytes, rows);
    const int8 = quantizedAutoencoderOnnx(0);
    const dadmInt8 = dadmLatency(int8, rows);
    const ortUs = await ortLatency(bytes, rows);
    const ortInt8 = await ortLatency(int8, rows);
    const modelPath = join(mkdtempSync(join(tmpdir(), 'dadm-w2-')), 'autoencoder.onnx');
    writeFileSync(modelPath, bytes);
    const rss = await edgeRss(modelPath);
    const py = runPython(TORCH_SCRIPT, 'torch');
    const timing = `${CALLS} calls after ${WARMUP} warm-up, each timed with hrtime.bigint`;
    const ort = 'onnxruntime-web 1.17.3 WASM, 1 thread (its default here), await session.run per row';
    const row = (metric: string, value: number, note?: string): BenchRow => ({ workload: 'W2', metric, value, unit: 'us', median_of: CALLS, ...ctx, ...(note ? { note } : {}) });
    const out: BenchRow[] = [
      versus(row('median_us', median(dadm), `dadm score(row), target <= 5 us; ${timing}`), ort, median(ortUs), false),
      versus(row('p99_us', percentile(dadm, 0.99), 'target <= 15 us'), ort, percentile(ortUs, 0.99), false),
      versus(row('median_us_int8', median(dadmInt8), `dadm score(row) on the int8 model (quantizeDynamic defaults), target <= 5 us; ${timing}`), `${ort}, same int8 bytes`, median(ortInt8), false),
      versus(row('p99_us_int8', percentile(dadmInt8, 0.99), 'target <= 15 us'), `${ort}, same int8 bytes`, percentile(ortInt8, 0.99), false),
    ];
    if ('result' in py) {
      const r = py.result;
      for (const [mode, key] of [['eager', 'eager'], ['TorchScript', 'script']] as const) {
        out.push(versus(row(`median_us_vs_torch_${key}`, median(dadm)), `${torchName(r.torch, 1, mode)} via ${py.python}`, Number(r[`${key}_median`]), false));
        out.push(versus(row(`p99_us_vs_torch_${key}`, percentile(dadm, 0.99)), torchName(r.torch, 1, mode), Number(r[`${key}_p99`]), false));
      }
    } else {
      out.push(row('median_us_vs_torch', median(dadm), `PyTorch anchor skipped: ${py.skipped}`));
    }
    out.push(
      { workload: 'W2', metric: 'peak_rss_mb_edge', value: rss.mb, unit: 'MB', median_of: 1, note: `fresh node process: load model file + score 1 row (esbuild bundle); empty node process: ${rss.baselineMb.toFixed(1)} MB` },
      { workload: 'W2', metric: 'heap_bytes_per_call', value: dadmHeapBytesPerCall(bytes, rows), unit: 'bytes', median_of: 1, note: 'dadm score(row): heap growth over 10^5 calls after a full GC, least of 3 rounds' },
      { workload: 'W2', metric: 'heap_bytes_per_call_int8', value: dadmHeapBytesPerCall(int8, rows), unit: 'bytes', median_of: 1 },
      { workload: 'W2', metric: 'model_bytes', value: bytes.length, unit: 'bytes', median_of: 1 },
      { workload: 'W2', metric: 'model_bytes_int8', value: int8.length, unit: 'bytes', median_of: 1 },
    );
    return out;
  },
};

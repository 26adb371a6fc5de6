/**
 * Shared helpers for benchmark workloads (bench/workloads/*.ts). A workload file exports
 * `workload: Workload`; bench/run.ts discovers them, runs the ones asked for, prints a table and
 * writes bench/results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { backend } from '../src/tensor/index.js';

export interface BenchRow {
  workload: string;
  metric: string;
  value: number;
  unit: string;
  median_of: number;
  /** Optional free-text context (anchor figures, reference tool results). */
  note?: string;
  /** The kernel backend the figure ran on (`js` or `wasm`), when dadm's kernels ran. */
  backend?: string;
  /** What the anchor is (engine, version, threads), measured in the same run. */
  anchor?: string;
  /** The anchor's figure, in the row's unit. */
  anchor_value?: number;
  /** dadm against the anchor, > 1 = dadm ahead (value / anchor, or anchor / value for times). */
  ratio?: number;
  /** The machine's 1-minute load average when the row was measured (2 cores: above 2 = contended). */
  load?: number;
}

/** Context every dadm row carries: the backend and the load average now. */
export function context(): Pick<BenchRow, 'backend' | 'load'> {
  return { backend: backend(), load: Number(loadavg()[0]!.toFixed(2)) };
}

/**
 * A row comparing dadm's `value` with an anchor measured in the same run. `higherIsBetter` says
 * whether the unit is a rate (ratio value / anchor) or a time (ratio anchor / value).
 */
export function versus(row: BenchRow, anchor: string, anchorValue: number, higherIsBetter: boolean): BenchRow {
  const ratio = higherIsBetter ? row.value / anchorValue : anchorValue / row.value;
  return { ...row, anchor, anchor_value: anchorValue, ratio: Number(ratio.toFixed(3)) };
}

export interface Workload {
  /** Name as in docs/benchmarks.md (W1, W2, ...) or `matmul`. */
  name: string;
  description: string;
  run(): Promise<BenchRow[]> | BenchRow[];
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (h - lo);
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; returns each timed run's seconds. */
export async function timeRuns(fn: () => unknown, reps = 5, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}

export type PyResult = Record<string, number | string>;

/**
 * Runs `script` with the first interpreter that imports `modules`: $DADM_BENCH_PYTHON, python3 on
 * PATH, then /usr/bin/python3 (where Debian's python3-* packages land). One BLAS/OpenMP thread, as
 * the workloads are defined (a PyTorch script may raise its own count with torch.set_num_threads). Returns the JSON object printed on the last stdout line and the
 * interpreter, or the reason for skipping; never throws.
 */
export function runPython(script: string, modules: string): { result: PyResult; python: string } | { skipped: string } {
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const candidates = [process.env.DADM_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of new Set(candidates)) {
    const probe = spawnSync(python, ['-c', `import ${modules}`], { env, timeout: 60_000 });
    if (probe.status !== 0) continue;
    const run = spawnSync(python, ['-c', script], { env, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 20 });
    const last = run.stdout?.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !last.startsWith('{')) {
      const why = run.error?.message ?? run.signal ?? `exit status ${run.status}`;
      const tail = (run.stderr ?? '').trim().split('\n').pop();
      return { skipped: `${python} failed (${why})${tail ? `: ${tail}` : ''}` };
    }
    return { result: JSON.parse(last) as PyResult, python };
  }
  return { skipped: `no python3 with ${modules} (tried ${[...new Set(candidates)].join(', ')})` };
}

/**
 * Source of `peakRssKb()` for child scripts: the child's own peak RSS in KiB, from VmHWM in
 * /proc/self/status. `process.resourceUsage().maxRSS` is not used on Linux: it keeps the high-water
 * mark of the address space before exec, i.e. of the forked copy of the (large) bench process.
 */
export const PEAK_RSS_SOURCE = `function peakRssKb() {
  try {
    const status = process.getBuiltinModule('node:fs').readFileSync('/proc/self/status', 'utf8');
    const m = /VmHWM:\\s+(\\d+) kB/.exec(status);
    if (m) return Number(m[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
}`;

/**
 * The Python prelude of the PyTorch anchors: `timed(fn, reps, warmup)` returns the median seconds
 * of `reps` runs after `warmup`, and `threads(n)` sets PyTorch's intra-op thread count.
 */
export const TORCH_PRELUDE = [
  'import json, time, statistics',
  'import torch',
  'def timed(fn, reps=5, warmup=1):',
  '    for _ in range(warmup): fn()',
  '    times = []',
  '    for _ in range(reps):',
  '        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)',
  '    return statistics.median(times)',
  'def threads(n):',
  '    torch.set_num_threads(n)',
].join('\n');

/** The name of a PyTorch anchor, e.g. "PyTorch 1.13.1 eager, 2 threads". */
export function torchName(version: unknown, threads: number, mode = 'eager'): string {
  return `PyTorch ${String(version)} ${mode}, ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** The autoencoder-training workload (W1, W1b) as PyTorch runs it. */
export interface TorchTrainSpec {
  /** widths `[in, h1, ..., in]`, ReLU between Linear layers, linear output */
  dims: readonly number[];
  rows: number;
  batch: number;
  timedEpochs: number;
}

/**
 * A PyTorch script training `spec` with Adam(1e-3) on N(0,1) data, reshuffled each epoch (batch
 * gathering included, as dadm's loop does), at 1 and 2 threads: prints samples/s per thread count
 * from the median of the timed epochs after one warm-up epoch.
 */
export function torchTrainScript(spec: TorchTrainSpec): string {
  return [
    TORCH_PRELUDE,
    'import torch.nn as nn',
    `dims = ${JSON.stringify(spec.dims)}`,
    `N, B, E = ${spec.rows}, ${spec.batch}, ${spec.timedEpochs}`,
    'X = torch.randn(N, dims[0], generator=torch.Generator().manual_seed(0))',
    'out = {"torch": torch.__version__}',
    'for t in (1, 2):',
    '    threads(t)',
    '    torch.manual_seed(1)',
    '    layers = []',
    '    for i in range(len(dims) - 1):',
    '        if i > 0: layers.append(nn.ReLU())',
    '        layers.append(nn.Linear(dims[i], dims[i + 1]))',
    '    model = nn.Sequential(*layers)',
    ...torchEpochLines('samples_per_s'),
    'print(json.dumps(out))',
  ].join('\n');
}

/**
 * The body of a PyTorch training anchor's thread loop (indented for `for t in (1, 2):`): Adam(1e-3)
 * on `model`, reshuffled minibatches `xb` of B items of X, the loss `loss` (a Python expression over
 * `model` and `xb`; default MSE reconstruction), a global gradient-norm clip when `clip` is given;
 * stores `N / median epoch seconds` (E timed epochs after one warm-up) as `out["<key>_<t>"]`.
 */
export function torchEpochLines(key: string, o: { loss?: string; clip?: number } = {}): string[] {
  return [
    '    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)',
    '    def epoch():',
    '        perm = torch.randperm(N)',
    '        for s in range(0, N, B):',
    '            xb = X[perm[s:s + B]]',
    '            opt.zero_grad()',
    `            loss = ${o.loss ?? '((model(xb) - xb) ** 2).mean()'}`,
    '            loss.backward()',
    ...(o.clip === undefined ? [] : [`            torch.nn.utils.clip_grad_norm_(model.parameters(), ${o.clip})`]),
    '            opt.step()',
    `    out[f"${key}_{t}"] = N / timed(epoch, E, 1)`,
  ];
}

/**
 * The W2/W2b model in PyTorch: Linear 64-32-8-32-64 with ReLU between, score = mean squared
 * reconstruction error per row (random weights: the cost does not depend on them).
 */
export const TORCH_W2_MODEL = [
  'import torch.nn as nn',
  'class Scorer(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU(), nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 64))',
  '    def forward(self, x):',
  '        return ((self.net(x) - x) ** 2).mean(dim=1)',
  'torch.manual_seed(0)',
  'scorer = Scorer().eval()',
].join('\n');

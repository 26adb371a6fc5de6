/**
 * `matmul` (docs/benchmarks.md): single-threaded float32 `gemm` throughput in GFLOP/s
 * (2·m·n·k flops per product) at the W1 training shape 256x64x32, a deeper 256x64x512 and the
 * square 512x512x512. Each figure is the median of 7 timed runs after 1 warm-up run; a run repeats
 * the product enough times to last >= ~0.1 s.
 */
import { gemm, Random } from '../../src/tensor/index.js';
import { median, timeRuns, type BenchRow, type Workload } from '../harness.js';

const SHAPES: readonly (readonly [number, number, number])[] = [
  [256, 64, 32],
  [256, 64, 512],
  [512, 512, 512],
];
const REPS = 7;

async function measure(m: number, n: number, k: number, rng: Random): Promise<number> {
  const a = rng.uniformFill(new Float32Array(m * k), -1, 1);
  const b = rng.uniformFill(new Float32Array(k * n), -1, 1);
  const c = new Float32Array(m * n);
  const flops = 2 * m * n * k;
  const inner = Math.max(1, Math.ceil(2e8 / flops));
  const times = await timeRuns(() => {
    for (let i = 0; i < inner; i++) gemm(a, b, c, { m, n, k });
  }, REPS, 1);
  if (!Number.isFinite(c[0]!)) throw new Error('matmul: result must be finite');
  return (flops * inner) / median(times) / 1e9;
}

export const workload: Workload = {
  name: 'matmul',
  description: 'single-threaded float32 gemm GFLOP/s at 256x64x32, 256x64x512, 512x512x512',
  async run(): Promise<BenchRow[]> {
    const rng = new Random(0);
    const rows: BenchRow[] = [];
    for (const [m, n, k] of SHAPES) {
      const value = await measure(m, n, k, rng);
      rows.push({ workload: 'matmul', metric: `gflops_${m}x${n}x${k}`, value, unit: 'GFLOP/s', median_of: REPS });
    }
    return rows;
  },
};

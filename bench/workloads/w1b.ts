/**
 * W1b (docs/benchmarks.md): large, compute-bound autoencoder 64->512->256->64->256->512->64 (ReLU,
 * linear output), MSE over all outputs, Adam(lr 1e-3), batch 512, 50,000 x 64 N(0,1) from Random(0),
 * reshuffled each epoch; 1 warm-up epoch then 2 timed epochs, metric from the median (= mean) of the
 * two. GFLOP/s = 6 * params * samples/s (forward 2, backward 4 flops per parameter per sample).
 * Anchor: the same training in PyTorch eager, 1 and 2 threads, after dadm in the same run.
 */
import type { BenchRow, Workload } from '../harness.js';
import { trainingRows } from './w1.js';

const HIDDEN = [512, 256, 64] as const;

function paramCount(dims: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < dims.length; i++) n += dims[i]! * dims[i + 1]! + dims[i + 1]!;
  return n;
}

export const workload: Workload = {
  name: 'W1b',
  description: 'Autoencoder 64-512-256-64-256-512-64 training, Adam, batch 512, 50,000 x 64: samples/s and GFLOP/s (anchor: PyTorch eager 1 and 2 threads)',
  run(): BenchRow[] {
    const dims = [64, ...HIDDEN, ...[...HIDDEN].reverse().slice(1), 64];
    const spec = { dims, rows: 50_000, batch: 512, timedEpochs: 2 };
    const rows = trainingRows('W1b', spec, { inputDim: 64, hiddenDims: HIDDEN, rows: spec.rows, batch: spec.batch, timedEpochs: spec.timedEpochs });
    const params = paramCount(dims);
    // GFLOP/s = 6 flops per parameter per sample; the anchors convert the same way.
    const toGflops = (r: BenchRow): BenchRow => ({
      ...r,
      metric: r.metric.replace('samples_per_s', 'gflops'),
      value: (6 * params * r.value) / 1e9,
      unit: 'GFLOP/s',
      ...(r.anchor_value === undefined ? {} : { anchor_value: (6 * params * r.anchor_value) / 1e9 }),
      note: `${params} parameters; ${r.note ?? ''}`,
    });
    return [...rows, ...rows.map(toGflops)];
  },
};

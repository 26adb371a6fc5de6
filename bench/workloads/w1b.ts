/**
 * W1b (docs/benchmarks.md): large, compute-bound autoencoder 64->512->256->64->256->512->64 (ReLU,
 * linear output), MSE over all outputs, Adam(lr 1e-3), batch 512, 50,000 x 64 N(0,1) from Random(0),
 * reshuffled each epoch; 1 warm-up epoch then 2 timed epochs, metric from the median (= mean) of the
 * two. GFLOP/s = 6 * params * samples/s (forward 2, backward 4 flops per parameter per sample).
 */
import { median, type BenchRow, type Workload } from '../harness.js';
import { timeTrainingEpochs } from './w1.js';

const HIDDEN = [512, 256, 64] as const;

function paramCount(dims: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < dims.length; i++) n += dims[i]! * dims[i + 1]! + dims[i + 1]!;
  return n;
}

export const workload: Workload = {
  name: 'W1b',
  description: 'Autoencoder 64-512-256-64-256-512-64 training, Adam, batch 512, 50,000 x 64: samples/s and GFLOP/s',
  run(): BenchRow[] {
    const rows = 50_000;
    const times = timeTrainingEpochs({ inputDim: 64, hiddenDims: HIDDEN, rows, batch: 512, timedEpochs: 2 });
    const samplesPerS = rows / median(times.wall);
    const params = paramCount([64, ...HIDDEN, ...[...HIDDEN].reverse().slice(1), 64]);
    const perCpuSecond = rows / median(times.cpu);
    const note = `median of 2 epochs after 1 warm-up; ${params} parameters; per process CPU-second ${perCpuSecond.toFixed(0)} samples/s`;
    return [
      { workload: 'W1b', metric: 'samples_per_s', value: samplesPerS, unit: 'samples/s', median_of: times.wall.length, note },
      { workload: 'W1b', metric: 'gflops', value: (6 * params * samplesPerS) / 1e9, unit: 'GFLOP/s', median_of: times.wall.length, note },
    ];
  },
};

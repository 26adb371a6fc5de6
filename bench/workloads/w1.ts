/**
 * W1 (docs/benchmarks.md): autoencoder training throughput. Model 64->32->8->32->64, ReLU after
 * each hidden Linear, linear output, MSE over all 64 outputs, Adam(lr 1e-3, betas .9/.999, eps 1e-8),
 * batch 256 (the last partial batch of 160 rows included), reshuffled every epoch; data 100,000 x 64
 * N(0,1) from Random(0). One warm-up epoch, then 3 timed epochs; the metric is 100,000 / the median
 * epoch time (wall clock). The note adds samples per process CPU-second, which shows how much a loaded
 * machine slowed the wall-clock figure. Weights come from Random(1), shuffles from Random(2).
 * Anchor, run after dadm in the same run: the same training in PyTorch eager with 1 and 2 threads
 * (harness.ts `torchTrainScript`); the ratio is taken against the faster of the two.
 */
import { Adam, Autoencoder, ParallelMlpTrainer } from '../../src/nn/index.js';
import { Random, resolveThreads, spinBudgetMs } from '../../src/tensor/index.js';
import { context, median, runPython, torchName, torchTrainScript, versus, type BenchRow, type TorchTrainSpec, type Workload } from '../harness.js';

export interface TrainBenchConfig {
  inputDim: number;
  hiddenDims: readonly number[];
  rows: number;
  batch: number;
  timedEpochs: number;
  /** Threads of the data-parallel step; 1 = `trainStep` on the calling thread. */
  threads: number;
}

/** Per timed epoch: wall-clock seconds (the metric) and this process's CPU seconds (load context). */
export interface EpochTimes {
  wall: number[];
  cpu: number[];
}

/**
 * Trains an Autoencoder with Adam through `trainStep` for 1 warm-up + `timedEpochs` epochs and
 * returns each timed epoch's seconds (shuffle and batch gathering included).
 */
export function timeTrainingEpochs(cfg: TrainBenchConfig): EpochTimes {
  const { inputDim: d, rows, batch } = cfg;
  const data = new Random(0).normalFill(new Float32Array(rows * d));
  const model = new Autoencoder({ inputDim: d, hiddenDims: cfg.hiddenDims, rng: new Random(1) });
  const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 });
  const shuffle = new Random(2);
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const buf = new Float32Array(batch * d);
  const trainer = cfg.threads > 1 ? new ParallelMlpTrainer({ params: model.parameters(), activation: 'relu', lossMask: null, threads: cfg.threads }) : null;
  const times: EpochTimes = { wall: [], cpu: [] };
  let lastLoss = 0;
  for (let epoch = 0; epoch <= cfg.timedEpochs; epoch++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    shuffle.shuffleInPlace(order);
    for (let start = 0; start < rows; start += batch) {
      const n = Math.min(batch, rows - start);
      for (let i = 0; i < n; i++) {
        const src = order[start + i]! * d;
        for (let j = 0; j < d; j++) buf[i * d + j] = data[src + j]!;
      }
      if (trainer === null) {
        lastLoss = model.trainStep(buf, n, opt);
      } else {
        lastLoss = trainer.lossAndGrad(buf, n);
        opt.step();
      }
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (epoch > 0) {
      times.wall.push(s);
      times.cpu.push((c.user + c.system) / 1e6);
    }
  }
  trainer?.close();
  if (!Number.isFinite(lastLoss)) throw new Error('W1: training loss must stay finite');
  return times;
}

/** How the threads waited for each other at the end of the run (src/tensor/threads/spin.ts). */
export function syncNote(): string {
  const spin = spinBudgetMs();
  return spin > 0 ? `threads spin ${spin} ms before sleeping` : 'threads sleep at once';
}

/**
 * Rows for a training workload: dadm's samples/s against PyTorch's best thread count, plus each
 * PyTorch thread count as its own anchor row.
 */
export function trainingRows(name: string, spec: TorchTrainSpec, cfg: Omit<TrainBenchConfig, 'threads'>): BenchRow[] {
  const measured = [1, resolveThreads('auto')].filter((t, i, all) => all.indexOf(t) === i).map((threads) => {
    const ctx = context();
    const times = timeTrainingEpochs({ ...cfg, threads });
    const perCpuSecond = spec.rows / median(times.cpu);
    const row: BenchRow = {
      workload: name, metric: threads === 1 ? 'samples_per_s_1_thread' : 'samples_per_s', value: spec.rows / median(times.wall), unit: 'samples/s', median_of: times.wall.length, ...ctx,
      note: `${threads} thread${threads === 1 ? ' (trainStep)' : `s (ParallelMlpTrainer, threads: auto; ${syncNote()})`}; median of ${times.wall.length} epochs after 1 warm-up; per process CPU-second ${perCpuSecond.toFixed(0)} samples/s`,
    };
    return row;
  });
  const py = runPython(torchTrainScript(spec), 'torch');
  if (!('result' in py)) return measured.map((row) => ({ ...row, note: `${row.note}; PyTorch anchor skipped: ${py.skipped}` }));
  const [one, two] = [Number(py.result.samples_per_s_1), Number(py.result.samples_per_s_2)];
  const best = one >= two ? 1 : 2;
  return measured.flatMap((row) => [
    versus(row, `${torchName(py.result.torch, best)} (its best thread count) via ${py.python}`, Math.max(one, two), true),
    versus({ ...row, metric: `${row.metric}_vs_torch_1t` }, torchName(py.result.torch, 1), one, true),
    versus({ ...row, metric: `${row.metric}_vs_torch_2t` }, torchName(py.result.torch, 2), two, true),
  ]);
}

export const workload: Workload = {
  name: 'W1',
  description: 'Autoencoder 64-32-8-32-64 training, Adam, batch 256, 100,000 x 64 N(0,1): samples/s (anchor: PyTorch eager 1 and 2 threads)',
  run(): BenchRow[] {
    const spec = { dims: [64, 32, 8, 32, 64], rows: 100_000, batch: 256, timedEpochs: 3 };
    return trainingRows('W1', spec, { inputDim: 64, hiddenDims: [32, 8], rows: spec.rows, batch: spec.batch, timedEpochs: spec.timedEpochs });
  },
};

/**
 * W5 (docs/benchmarks.md): tiny Transformer training throughput. Windows [16 steps x 64
 * features]; SequenceAutoencoder defaults: Linear 64->32 embed + learned positional embedding, one
 * post-norm encoder layer (2 heads, feed-forward 64, ReLU, dropout 0), head Linear 32->64
 * reconstructing every step; MSE; Adam(lr 1e-3, betas .9/.999, eps 1e-8); batch 64 (the last
 * partial batch of 32 windows included), reshuffled every epoch as in W1. Data: 20,000 windows
 * N(0,1) from Random(0); weights from Random(1), shuffles from Random(2). One warm-up epoch, then 2
 * timed epochs; the metric is 20,000 / the median epoch time (wall clock). One thread: the fused
 * training step (`trainStep` without dropout, nn/fused-transformer.ts); all threads (`threads:
 * auto`, when that is more than one): the same step data-parallel (nn/parallel-sequence.ts), each
 * run from the same initial weights. Anchor, run after dadm in the same run: the same model and loop
 * in PyTorch eager (nn.TransformerEncoderLayer, post-norm, batch_first) at 1 and 2 threads; each dadm
 * figure is compared with both, the ratio against one thread being issue 16's target.
 */
import { Adam, ParallelSequenceTrainer, SequenceAutoencoder } from '../../src/nn/index.js';
import { Random, resolveThreads } from '../../src/tensor/index.js';
import { TORCH_PRELUDE, context, median, runPython, torchEpochLines, torchName, versus, type BenchRow, type Workload } from '../harness.js';

const WINDOWS = 20_000;
const STEPS = 16;
const FEATURES = 64;
const BATCH = 64;
const TIMED_EPOCHS = 2;

export const workload: Workload = {
  name: 'W5',
  description: 'Tiny transformer (d 32, 1 layer, 2 heads, FF 64) training, Adam, batch 64, 20,000 x 16 x 64 N(0,1): sequences/s',
  run(): BenchRow[] {
    const ctx = context();
    const per = STEPS * FEATURES;
    const data = new Random(0).normalFill(new Float32Array(WINDOWS * per));
    const auto = resolveThreads('auto');
    const measured = [1, auto].filter((t, i, all) => all.indexOf(t) === i).map((threads) => ({ threads, ...timeEpochs(data, threads) }));
    const rows = measured.map(({ threads, wall, cpu, lastLoss }): BenchRow => ({
      workload: 'W5',
      metric: threads === 1 ? 'sequences_per_s' : 'sequences_per_s_all_threads',
      value: WINDOWS / median(wall),
      unit: 'sequences/s',
      median_of: wall.length,
      ...ctx,
      note: `${threads === 1 ? '1 thread (trainStep)' : `${threads} threads (ParallelSequenceTrainer, threads: auto)`}; median of ${TIMED_EPOCHS} epochs after 1 warm-up (epoch seconds ${wall.map((w) => w.toFixed(2)).join(', ')}); `
        + `per process CPU-second ${(WINDOWS / median(cpu)).toFixed(0)} sequences/s (wall < CPU rate means the machine was loaded); final loss ${lastLoss.toFixed(4)}`,
    }));
    const py = runPython(TORCH_W5_SCRIPT, 'torch');
    if (!('result' in py)) return rows.map((row) => ({ ...row, note: `${row.note}; PyTorch anchor skipped: ${py.skipped}` }));
    const [one, two] = [Number(py.result.sequences_per_s_1), Number(py.result.sequences_per_s_2)];
    const single = rows[0]!;
    const best = rows[rows.length - 1]!;
    return [
      versus(single, `${torchName(py.result.torch, 1)} via ${py.python}`, one, true),
      versus({ ...single, metric: 'sequences_per_s_vs_torch_2t' }, torchName(py.result.torch, 2), two, true),
      ...(best === single ? [] : [
        versus(best, `${torchName(py.result.torch, 1)} via ${py.python}`, one, true),
        versus({ ...best, metric: 'sequences_per_s_all_threads_vs_torch_2t' }, torchName(py.result.torch, 2), two, true),
      ]),
    ];
  },
};

/** Trains the W5 model for one warm-up and TIMED_EPOCHS timed epochs on `threads` threads. */
function timeEpochs(data: Float32Array, threads: number): { wall: number[]; cpu: number[]; lastLoss: number } {
  const per = STEPS * FEATURES;
  const model = new SequenceAutoencoder({ inputDim: FEATURES, seqLen: STEPS, dModel: 32, nhead: 2, dimFeedforward: 64, dropout: 0, rng: new Random(1) });
  const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 });
  const trainer = threads > 1 ? new ParallelSequenceTrainer({ model, threads }) : null;
  const shuffle = new Random(2);
  const order = new Int32Array(WINDOWS);
  for (let i = 0; i < WINDOWS; i++) order[i] = i;
  const full = new Float32Array(BATCH * per);
  const wall: number[] = [], cpu: number[] = [];
  let lastLoss = 0;
  for (let epoch = 0; epoch <= TIMED_EPOCHS; epoch++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    shuffle.shuffleInPlace(order);
    for (let start = 0; start < WINDOWS; start += BATCH) {
      const n = Math.min(BATCH, WINDOWS - start);
      const buf = n === BATCH ? full : new Float32Array(n * per);
      for (let i = 0; i < n; i++) buf.set(data.subarray(order[start + i]! * per, (order[start + i]! + 1) * per), i * per);
      lastLoss = trainer === null ? model.trainStep(buf, n, opt) : trainer.trainStep(buf, n, opt);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (epoch > 0) {
      wall.push(s);
      cpu.push((c.user + c.system) / 1e6);
    }
  }
  trainer?.close();
  if (!Number.isFinite(lastLoss)) throw new Error('W5: training loss must stay finite');
  return { wall, cpu, lastLoss };
}

/** W5 in PyTorch: the same shapes, init seeds aside (the cost does not depend on the weights). */
const TORCH_W5_SCRIPT = [
  TORCH_PRELUDE,
  'import torch.nn as nn',
  `N, T, D, B, E = ${WINDOWS}, ${STEPS}, ${FEATURES}, ${BATCH}, ${TIMED_EPOCHS}`,
  'X = torch.randn(N, T, D, generator=torch.Generator().manual_seed(0))',
  'class SeqAE(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.embed = nn.Linear(D, 32)',
  '        self.pos = nn.Parameter(torch.zeros(T, 32).normal_(0, 0.02))',
  '        self.layer = nn.TransformerEncoderLayer(32, 2, dim_feedforward=64, dropout=0.0, batch_first=True)',
  '        self.head = nn.Linear(32, D)',
  '    def forward(self, x):',
  '        return self.head(self.layer(self.embed(x) + self.pos))',
  'out = {"torch": torch.__version__}',
  'for t in (1, 2):',
  '    threads(t)',
  '    torch.manual_seed(1)',
  '    model = SeqAE()',
  ...torchEpochLines('sequences_per_s'),
  'print(json.dumps(out))',
].join('\n');

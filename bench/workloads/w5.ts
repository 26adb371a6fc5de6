/**
 * W5 (docs/benchmarks.md): tiny Transformer training throughput, dadm and PyTorch side by side in
 * the same run. Windows [16 steps x 64 features]; SequenceAutoencoder defaults: Linear 64->32 embed +
 * learned positional embedding, one post-norm encoder layer (2 heads, feed-forward 64, ReLU,
 * dropout 0), head Linear 32->64 reconstructing every step; MSE; Adam(lr 1e-3, betas .9/.999,
 * eps 1e-8); batch 64 (the last partial batch of 32 windows included), reshuffled every epoch. Data:
 * 20,000 windows N(0,1). One warm-up epoch, then 3 timed epochs; the metric is 20,000 / the median
 * epoch time (wall clock). dadm trains through the fused step (`trainStep` without dropout); the
 * anchor is PyTorch 1.13 eager with `torch.set_num_threads(1)`, nn.TransformerEncoderLayer
 * (batch_first) with the same sizes and the same loop, run right after dadm. The machine load
 * (`uptime`'s 1-minute average) is recorded beside both.
 */
import { loadavg } from 'node:os';
import { Adam, SequenceAutoencoder } from '../../src/nn/index.js';
import { Random } from '../../src/tensor/index.js';
import { median, runPython, type BenchRow, type Workload } from '../harness.js';

const WINDOWS = 20_000;
const STEPS = 16;
const FEATURES = 64;
const BATCH = 64;
const TIMED_EPOCHS = 3;

/** The same model, data size, batch, optimizer and epochs in PyTorch 1.13, one thread. */
const TORCH_SCRIPT = `
import json, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
N, T, F, B, EPOCHS = ${WINDOWS}, ${STEPS}, ${FEATURES}, ${BATCH}, ${TIMED_EPOCHS}
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(F, 32)
        self.pos_embedding = torch.nn.Parameter(torch.randn(T, 32) * 0.02)
        self.encoder = torch.nn.TransformerEncoderLayer(32, 2, 64, 0.0, batch_first=True)
        self.head = torch.nn.Linear(32, F)
    def forward(self, x):
        return self.head(self.encoder(self.embed(x) + self.pos_embedding))
model = Model()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
data = torch.randn(N, T, F)
loss_fn = torch.nn.MSELoss()
times, cpu = [], []
for epoch in range(EPOCHS + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    order = torch.randperm(N)
    for s in range(0, N, B):
        x = data[order[s:s + B]]
        opt.zero_grad()
        loss = loss_fn(model(x), x)
        loss.backward()
        opt.step()
    if epoch > 0:
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
times.sort(); cpu.sort()
print(json.dumps({"sequences_per_s": N / times[len(times) // 2], "per_cpu_s": N / cpu[len(cpu) // 2], "loss": float(loss), "torch": torch.__version__}))
`;

/** dadm's epoch times (wall and this process's CPU seconds) and the final loss. */
function timeDadm(): { wall: number[]; cpu: number[]; loss: number } {
  const per = STEPS * FEATURES;
  const data = new Random(0).normalFill(new Float32Array(WINDOWS * per));
  const model = new SequenceAutoencoder({ inputDim: FEATURES, seqLen: STEPS, dModel: 32, nhead: 2, dimFeedforward: 64, dropout: 0, rng: new Random(1) });
  const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 });
  const shuffle = new Random(2);
  const order = new Int32Array(WINDOWS);
  for (let i = 0; i < WINDOWS; i++) order[i] = i;
  const buf = new Float32Array(BATCH * per);
  const wall: number[] = [], cpu: number[] = [];
  let loss = 0;
  for (let epoch = 0; epoch <= TIMED_EPOCHS; epoch++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    shuffle.shuffleInPlace(order);
    for (let start = 0; start < WINDOWS; start += BATCH) {
      const n = Math.min(BATCH, WINDOWS - start);
      for (let i = 0; i < n; i++) buf.set(data.subarray(order[start + i]! * per, (order[start + i]! + 1) * per), i * per);
      loss = model.trainStep(buf.subarray(0, n * per), n, opt);
    }
    const c = process.cpuUsage(c0);
    if (epoch > 0) {
      wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
      cpu.push((c.user + c.system) / 1e6);
    }
  }
  if (!Number.isFinite(loss)) throw new Error('W5: training loss must stay finite');
  return { wall, cpu, loss };
}

export const workload: Workload = {
  name: 'W5',
  description: 'Tiny transformer (d 32, 1 layer, 2 heads, FF 64) training, Adam, batch 64, 20,000 x 16 x 64 N(0,1): sequences/s, PyTorch 1.13 one thread side by side',
  run(): BenchRow[] {
    const loadBefore = loadavg()[0]!;
    const dadm = timeDadm();
    const value = WINDOWS / median(dadm.wall);
    const torch = runPython(TORCH_SCRIPT, 'torch');
    const load = `load average ${loadBefore.toFixed(1)} before dadm, ${loadavg()[0]!.toFixed(1)} after PyTorch (2 cores)`;
    const rows: BenchRow[] = [{
      workload: 'W5',
      metric: 'sequences_per_s',
      value,
      unit: 'sequences/s',
      median_of: dadm.wall.length,
      note: `fused training step; median of ${TIMED_EPOCHS} epochs after 1 warm-up (epoch seconds ${dadm.wall.map((w) => w.toFixed(2)).join(', ')}); `
        + `per process CPU-second ${(WINDOWS / median(dadm.cpu)).toFixed(0)} sequences/s; final loss ${dadm.loss.toFixed(4)}; ${load}`,
    }];
    if ('skipped' in torch) {
      rows[0]!.note += `; PyTorch anchor skipped: ${torch.skipped}`;
      return rows;
    }
    const anchor = Number(torch.result.sequences_per_s);
    const ratio = value / anchor;
    rows[0]!.note += `; PyTorch ${torch.result.torch} (1 thread, same run) ${anchor.toFixed(0)} sequences/s, ratio ${ratio.toFixed(2)}x (target >= 0.5x)`;
    rows.push(
      { workload: 'W5', metric: 'torch_sequences_per_s', value: anchor, unit: 'sequences/s', median_of: TIMED_EPOCHS, note: `${torch.python}, torch.set_num_threads(1); per process CPU-second ${Number(torch.result.per_cpu_s).toFixed(0)}; final loss ${Number(torch.result.loss).toFixed(4)}` },
      { workload: 'W5', metric: 'ratio_to_torch', value: ratio, unit: 'x', median_of: 1, note: `dadm / PyTorch sequences per second, same run; ${load}` },
    );
    return rows;
  },
};

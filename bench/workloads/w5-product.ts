/**
 * W5-product (docs/benchmarks.md): training throughput of the product transformer, what `dadm
 * train --model transformer` runs: `TransformerDetector.fit` with the options config.yaml's defaults
 * give for the endpoint schema (window 16, next-step objective with context noise 0.5, d 32, 1
 * layer, 2 heads, FF 64, the 12 active columns, batch 64, Adam, gradient clip 1), on 1 thread and
 * on `threads: auto` (the fused step data-parallel, nn/parallel-transformer.ts). Data: the
 * synthetic fleet (generateSequenceData, 96 hosts x 450 steps, seed 0; validationFraction 0 so an
 * epoch is training only). One warm-up epoch, then TIMED_EPOCHS timed ones (the detector's own
 * epoch seconds); the metric is training windows / the median epoch time. Anchors in the same run:
 * dadm's one-thread figure beside the all-threads one, and PyTorch eager (1 and 2 threads) training
 * the same network the same way (causal mask, inputs steps 0..14, targets 1..15, MSE, Adam,
 * clip_grad_norm_ 1) on as many random windows; PyTorch does no gather or context corruption, which
 * dadm's figure includes.
 */
import { defaultConfig } from '../../src/config/index.js';
import { memoryRows } from '../../src/data/index.js';
import { TransformerDetector, transformerOptions, type TransformerProgress } from '../../src/models/transformer/index.js';
import { ENDPOINT_V1, generateSequenceData, normalizeCore, toModelInput } from '../../src/schema/index.js';
import { releaseThreads, resolveThreads } from '../../src/tensor/index.js';
import { TORCH_PRELUDE, context, median, runPython, torchEpochLines, torchName, versus, type BenchRow, type Workload } from '../harness.js';

const HOSTS = 96;
const STEPS = 450;
const TIMED_EPOCHS = 3;

export const workload: Workload = {
  name: 'W5-product',
  description: `Product transformer training (dadm train --model transformer defaults: window 16, next-step, d 32, 1 layer, 2 heads, FF 64, batch 64), ${HOSTS} x ${STEPS} synthetic fleet rows, 1 thread and threads: auto: windows/s`,
  run(): BenchRow[] {
    const ctx = context();
    const gen = generateSequenceData({ hosts: HOSTS, steps: STEPS, seed: 0 });
    const rows = toModelInput(normalizeCore(gen.raw));
    const source = () => ({ data: memoryRows(rows, ENDPOINT_V1.dim, 'rows'), hosts: memoryRows(gen.hosts, 1, 'hosts') });
    const options = { ...transformerOptions(defaultConfig(), ENDPOINT_V1), epochs: 1 + TIMED_EPOCHS, validationFraction: 0, earlyStoppingPatience: 0 };
    const auto = resolveThreads('auto');
    const measured = [1, auto].filter((t, i, all) => all.indexOf(t) === i).map((threads) => {
      let windows = 0;
      const onProgress = (p: TransformerProgress): void => {
        if (p.kind === 'step') windows = p.windowsTotal;
      };
      const c0 = process.cpuUsage();
      const model = new TransformerDetector(options).fit(source(), { threads, onProgress });
      const c = process.cpuUsage(c0);
      const wall = model.history.slice(1).map((e) => e.seconds);
      return { threads, windows, wall, cpuPerEpoch: (c.user + c.system) / 1e6 / (1 + TIMED_EPOCHS), lastLoss: model.history[model.history.length - 1]!.trainLoss };
    });
    releaseThreads();
    const rowsOut = measured.map(({ threads, windows, wall, cpuPerEpoch, lastLoss }): BenchRow => ({
      workload: 'W5-product',
      metric: threads === 1 ? 'windows_per_s' : 'windows_per_s_all_threads',
      value: windows / median(wall),
      unit: 'windows/s',
      median_of: wall.length,
      ...ctx,
      note: `${threads} thread${threads === 1 ? '' : 's'} (TransformerDetector.fit, threads: ${threads === 1 ? 1 : 'auto'}); ${windows} training windows per epoch; median of ${TIMED_EPOCHS} epochs after 1 warm-up `
        + `(epoch seconds ${wall.map((w) => w.toFixed(2)).join(', ')}); ~${(windows / cpuPerEpoch).toFixed(0)} windows per process CPU-second (fit's own passes included); final train loss ${lastLoss.toFixed(4)}`,
    }));
    const single = rowsOut[0]!;
    const best = rowsOut[rowsOut.length - 1]!;
    const vsOne = best === single ? [] : [versus({ ...best, metric: 'windows_per_s_all_threads_vs_1t' }, 'dadm, 1 thread, same run', single.value, true)];
    const py = runPython(torchScript(measured[0]!.windows, options.activeFeatures!.length), 'torch');
    if (!('result' in py)) return [...rowsOut, ...vsOne].map((row) => ({ ...row, note: `${row.note}; PyTorch anchor skipped: ${py.skipped}` }));
    const torchOne = Number(py.result.windows_per_s_1);
    return [
      versus(single, `${torchName(py.result.torch, 1)} via ${py.python}`, torchOne, true),
      versus({ ...single, metric: 'windows_per_s_vs_torch_2t' }, torchName(py.result.torch, 2), Number(py.result.windows_per_s_2), true),
      ...(best === single ? [] : [versus(best, `${torchName(py.result.torch, 1)} via ${py.python}`, torchOne, true)]),
      ...vsOne,
    ];
  },
};

/** The product network's training in PyTorch: `n` random windows of 16 steps x `a` active columns. */
function torchScript(n: number, a: number): string {
  return [
    TORCH_PRELUDE,
    'import torch.nn as nn',
    `N, T, A, B, E = ${n}, 16, ${a}, 64, ${TIMED_EPOCHS}`,
    'X = torch.randn(N, T, A, generator=torch.Generator().manual_seed(0))',
    'mask = torch.triu(torch.full((T - 1, T - 1), float("-inf")), diagonal=1)',
    'class WindowNet(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.embed = nn.Linear(A, 32)',
    '        self.pos = nn.Parameter(torch.zeros(T - 1, 32).normal_(0, 0.02))',
    '        self.layer = nn.TransformerEncoderLayer(32, 2, dim_feedforward=64, dropout=0.0, batch_first=True)',
    '        self.head = nn.Linear(32, A)',
    '    def forward(self, x):',
    '        return self.head(self.layer(self.embed(x) + self.pos, src_mask=mask))',
    'out = {"torch": torch.__version__}',
    'for t in (1, 2):',
    '    threads(t)',
    '    torch.manual_seed(1)',
    '    model = WindowNet()',
    ...torchEpochLines('windows_per_s', { loss: '((model(xb[:, :-1]) - xb[:, 1:]) ** 2).mean()', clip: 1 }),
    'print(json.dumps(out))',
  ].join('\n');
}

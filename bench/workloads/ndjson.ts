/**
 * `ndjson` (docs/benchmarks.md, issue 14): streamed scoring throughput, lines per second on one core,
 * of `dadm score --model model.onnx --format ndjson` on 100,000 raw endpoint-v1 events (the 12
 * features by name in raw units plus a `host` field, ~330 bytes a line, gen-data's seed 0 with 2%
 * attacks): parse, normalize, score with the autoencoder ONNX (the default 64-32-8-32-64 network,
 * exported by dadm with a dynamic batch), write one JSON line per event.
 *  - in-process: `scoreLines` reading the file in 64 KiB chunks, output counted and dropped;
 *  - the same with `--explain 3` (reconstruction shares per line);
 *  - the CLI end to end: `node dadm.mjs score ... < events.ndjson > /dev/null` (dadm bundled to plain
 *    JS by esbuild; process start and model load included).
 * Anchor, side by side in the same run: Python 3 with PyTorch 1.13 (one thread) doing the same work
 * the obvious way: `json.loads` per line, the same normalization in NumPy per batch of 256, the same
 * network (the checkpoint's weights) in `torch.no_grad()`, `json.dumps` per output line.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, exportOnnx, generateData, loadCheckpoint, mergeConfig, scoreLines, train } from '../../src/pipeline/index.js';
import { CORE_FEATURES, generateHostData } from '../../src/schema/index.js';
import { median, runPython, type BenchRow, type Workload } from '../harness.js';

const LINES = 100_000;
const RUNS = 3;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Writes the events file: one JSON object a line, `host` then the 12 features by name. */
function writeEvents(path: string): void {
  const { raw } = generateHostData({ rows: LINES, seed: 0, anomalyRate: 0.02 });
  const fd = openSync(path, 'w');
  try {
    let text = '';
    for (let r = 0; r < LINES; r++) {
      let line = `{"host":"host-${r % 5000}"`;
      for (let j = 0; j < 12; j++) line += `,"${CORE_FEATURES[j]!.name}":${raw[r * 12 + j]}`;
      text += `${line}}\n`;
      if (text.length > 1 << 20) {
        writeSync(fd, text);
        text = '';
      }
    }
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

async function inProcess(model: string, events: string, explain: number): Promise<number> {
  let bytes = 0;
  const t0 = performance.now();
  const r = await scoreLines({
    model,
    format: 'ndjson',
    input: createReadStream(events, { highWaterMark: 1 << 16 }),
    write: (t) => void (bytes += t.length),
    ...(explain > 0 ? { explain } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.scored !== LINES || bytes === 0) throw new Error(`ndjson: every line must be scored, got ${r.scored} of ${LINES}`);
  return LINES / seconds;
}

/** dadm's CLI bundled by esbuild into one plain-JS file, so no TypeScript loader is timed. */
async function bundleCli(dir: string): Promise<string> {
  const out = join(dir, 'dadm.mjs');
  const { buildSync } = await import('esbuild');
  buildSync({ entryPoints: [join(repoRoot, 'src', 'cli.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent', absWorkingDir: repoRoot,
    // CommonJS dependencies (yaml, protobufjs) call require: give the ES module one.
    banner: { js: "import { createRequire as bannerCreateRequire } from 'node:module'; const require = bannerCreateRequire(import.meta.url);" } });
  return out;
}

function cliPipe(cli: string, model: string, events: string): number {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" score --model "${model}" --format ndjson --quiet < "${events}" > /dev/null`], { cwd: repoRoot, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`ndjson: the CLI must exit 0, got ${r.status}: ${r.stderr}`);
  return LINES / seconds;
}

/** The network's layers (PyTorch layout) and threshold, for the anchor. */
function weightsJson(checkpoint: string): string {
  const d = loadCheckpoint(checkpoint);
  const spec = d.explain.shapModel as { readonly layers: readonly { weight: Float32Array; bias: Float32Array }[] };
  return JSON.stringify({ threshold: d.threshold, layers: spec.layers.map((l) => ({ weight: Array.from(l.weight), bias: Array.from(l.bias) })) });
}

const PYTHON = (weights: string, events: string): string => `
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
spec = json.load(open(${JSON.stringify(weights)}))
layers = []
for l in spec['layers']:
    n_out = len(l['bias'])
    lin = torch.nn.Linear(len(l['weight']) // n_out, n_out)
    lin.weight.data = torch.tensor(l['weight'], dtype=torch.float32).reshape(n_out, -1)
    lin.bias.data = torch.tensor(l['bias'], dtype=torch.float32)
    layers.append(lin)
mods = []
for k, lin in enumerate(layers):
    mods.append(lin)
    if k < len(layers) - 1: mods.append(torch.nn.ReLU())
net = torch.nn.Sequential(*mods).eval()
names = ${JSON.stringify(CORE_FEATURES.map((f) => f.name))}
offset = np.array(${JSON.stringify(CORE_FEATURES.map((f) => f.offset))})
scale = np.array(${JSON.stringify(CORE_FEATURES.map((f) => f.scale))})
is_log = np.array(${JSON.stringify(CORE_FEATURES.map((f) => (f.transform === 'log1p' ? 1 : 0)))}, dtype=bool)
threshold = spec['threshold']
def run():
    out = open('/dev/null', 'w')
    n = 0
    batch = []
    def flush():
        raw = np.array([[e[k] for k in names] for e in batch], dtype=np.float64)
        t = np.where(is_log, np.log1p(raw), raw)
        z = np.clip((t - offset) / scale, -10, 10).astype(np.float32)
        x = np.zeros((len(batch), 64), dtype=np.float32)
        x[:, :12] = z
        with torch.no_grad():
            xt = torch.from_numpy(x)
            s = ((net(xt) - xt)[:, :12] ** 2).mean(dim=1).numpy()
        for e, v in zip(batch, s):
            out.write(json.dumps({'host': e['host'], 'score': float(v), 'flagged': bool(v > threshold)}) + '\\n')
        batch.clear()
    with open(${JSON.stringify(events)}) as f:
        for line in f:
            batch.append(json.loads(line))
            n += 1
            if len(batch) == 256: flush()
    if batch: flush()
    return n
runs = []
for _ in range(${RUNS}):
    t0 = time.perf_counter(); n = run(); runs.append(n / (time.perf_counter() - t0))
runs.sort()
print(json.dumps({'lines_per_s': runs[len(runs) // 2], 'torch': torch.__version__}))
`;

export const workload: Workload = {
  name: 'ndjson',
  description: 'streamed NDJSON scoring throughput (lines/s, one core) of the autoencoder ONNX: in-process, with --explain 3, the CLI through a pipe; PyTorch anchor',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'dadm-bench-ndjson-'));
    try {
      const data = join(dir, 'train.npy');
      generateData({ rows: 5000, out: data, seed: 0 });
      train({ data, outDir: dir, config: mergeConfig({ training: { epochs: 1 } }, defaultConfig()) });
      const model = join(dir, 'model.onnx');
      exportOnnx({ checkpoint: join(dir, 'model.safetensors'), output: model, dynamicBatch: true });
      const events = join(dir, 'events.ndjson');
      writeEvents(events);
      const load = loadavg()[0]!.toFixed(1);
      const plain: number[] = [];
      const explained: number[] = [];
      const cli: number[] = [];
      const bundle = await bundleCli(dir);
      for (let i = 0; i < RUNS; i++) {
        plain.push(await inProcess(model, events, 0));
        explained.push(await inProcess(model, events, 3));
        cli.push(cliPipe(bundle, model, events));
      }
      const weights = join(dir, 'weights.json');
      writeFileSync(weights, weightsJson(join(dir, 'model.safetensors')));
      const py = runPython(PYTHON(weights, events), 'numpy, torch');
      const anchor = 'result' in py ? `PyTorch ${String(py.result.torch)} same work: ${Math.round(Number(py.result.lines_per_s)).toLocaleString('en-US')} lines/s` : `anchor skipped: ${py.skipped}`;
      const note = `${anchor}; load average ${load} at start, ${loadavg()[0]!.toFixed(1)} at end`;
      const row = (metric: string, values: number[]): BenchRow => ({ workload: 'ndjson', metric, value: median(values), unit: 'lines/s', median_of: RUNS, note });
      const rows = [row('dadm in-process', plain), row('dadm in-process --explain 3', explained), row('dadm CLI pipe (incl. start)', cli)];
      if ('result' in py) rows.push({ workload: 'ndjson', metric: 'PyTorch anchor', value: Number(py.result.lines_per_s), unit: 'lines/s', median_of: RUNS, note });
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

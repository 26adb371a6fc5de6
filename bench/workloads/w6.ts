/**
 * W6 (docs/benchmarks.md): memory. Writes a 10,000,000 x 64 float32 N(0,1) .npy (2.56 GB,
 * streamed with NpyWriter into os.tmpdir()), then runs `dadm train` for 1 epoch of the W1 model
 * (64-32-8-32-64 ReLU, Adam 1e-3, batch 256, generic schema) in a child process and reads the
 * child's peak RSS (VmHWM, see PEAK_RSS_SOURCE in harness.ts, reported by the child on exit). The edge
 * footprint (load + score one row through the installed package) is workload W6-edge (w6-edge.ts).
 * Skips with a message when the temporary directory has less than 6 GB free. Files are deleted afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NpyWriter } from '../../src/io/index.js';
import { Random } from '../../src/tensor/index.js';
import { PEAK_RSS_SOURCE, type BenchRow, type Workload } from '../harness.js';

const ROWS = 10_000_000;
const COLS = 64;
const WRITE_ROWS = 65536;
const MIN_FREE_BYTES = 6e9;
const TARGET_MB = 300;
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const W1_CONFIG = `model: autoencoder
schema: none
standardize: false
autoencoder:
  hidden_dims: [32, 8]
  activation: relu
training:
  epochs: 1
  batch_size: 256
  learning_rate: 0.001
  optimizer: adam
  seed: 0
`;

/** Runs `script` (ESM, may import src/*.ts) in a child node with tsx; returns its last stdout line as JSON. */
function child(script: string): { maxRssKb: number; stdout: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`W6: child failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-25).join(' | ')}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return { maxRssKb: (JSON.parse(last) as { maxRSS: number }).maxRSS, stdout: r.stdout, seconds: (performance.now() - t0) / 1000 };
}

function writeData(path: string): void {
  const rng = new Random(0);
  const chunk = new Float32Array(WRITE_ROWS * COLS);
  const writer = new NpyWriter(path, { shape: [ROWS, COLS], dtype: 'float32' });
  try {
    for (let start = 0; start < ROWS; start += WRITE_ROWS) {
      const n = Math.min(WRITE_ROWS, ROWS - start);
      const part = chunk.subarray(0, n * COLS);
      rng.normalFill(part);
      writer.append(part);
    }
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

export const workload: Workload = {
  name: 'W6',
  description: 'Memory: peak RSS of `dadm train` for 1 epoch of W1 on 10,000,000 x 64 float32 (2.56 GB .npy)',
  run(): BenchRow[] {
    const base = tmpdir();
    const fs = statfsSync(base);
    const free = fs.bavail * fs.bsize;
    if (free < MIN_FREE_BYTES) {
      console.error(`W6: skipped: ${base} has ${(free / 1e9).toFixed(1)} GB free, needs >= 6 GB for the 2.56 GB data file and outputs`);
      return [];
    }
    const dir = mkdtempSync(join(base, 'dadm-w6-'));
    try {
      const data = join(dir, 'w6.npy');
      const t0 = performance.now();
      writeData(data);
      console.error(`W6: wrote ${data} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      writeFileSync(join(dir, 'config.yaml'), W1_CONFIG);
      const train = child(
        `import { main } from './src/cli/main.ts';
         const code = await main(['train', '--data', ${JSON.stringify(data)}, '--out-dir', ${JSON.stringify(join(dir, 'out'))}, '--config', ${JSON.stringify(join(dir, 'config.yaml'))}, '--json']);
         if (code !== 0) process.exit(code);
         ${PEAK_RSS_SOURCE}
         console.log(JSON.stringify({ maxRSS: peakRssKb() }));`,
      );
      const metrics = JSON.parse(train.stdout.slice(0, train.stdout.lastIndexOf('\n{'))) as { metrics: { timings: Record<string, number> } };
      const trainMb = train.maxRssKb / 1024;
      const t = metrics.metrics.timings;
      return [
        {
          workload: 'W6',
          metric: 'peak_rss_mb_train',
          value: trainMb,
          unit: 'MB',
          median_of: 1,
          note: `target <= ${TARGET_MB} MB; child train ${train.seconds.toFixed(0)} s (check ${t.check?.toFixed(0)} s, epoch+validation ${t.model?.toFixed(0)} s, reference ${t.reference?.toFixed(0)} s)`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

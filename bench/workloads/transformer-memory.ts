/**
 * Transformer training memory on the rows + hosts form (issue 12: flat in N; a 10M-row file trains
 * under 400 MB RSS). Writes sequence data with `writeSequenceFiles` — 1,000,000 rows (2,000 hosts x
 * 500 steps) and 10,000,000 rows (20,000 hosts x 500 steps), 2.56 GB on disk — and in a child process
 * per file trains the default transformer (window 16, next-step, d 32) from the two .npy files for
 * one epoch with stride 100 and reports the child's peak RSS (VmHWM). The stride keeps the run short;
 * it does not change what is held in memory (the whole file is streamed in both passes). Skips when
 * the temporary directory has less than 6 GB free. Files are deleted afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEAK_RSS_SOURCE, type BenchRow, type Workload } from '../harness.js';

const SIZES = [{ hosts: 2_000, steps: 500 }, { hosts: 20_000, steps: 500 }];
const TARGET_MB = 400;
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Runs an ESM script (may import src/*.ts) in a child node with tsx; returns its last stdout line as JSON. */
function child<R>(script: string): R {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`transformer-memory: child failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-10).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as R;
}

/** Writes the files in a child (its peak RSS is gen-data's footprint). */
function writeChild(dir: string, size: { hosts: number; steps: number }): { maxRSS: number; seconds: number; rows: number } {
  return child(`import { writeSequenceFiles } from './src/pipeline/index.ts';
const t0 = performance.now();
const r = writeSequenceFiles({ hosts: ${size.hosts}, steps: ${size.steps}, seed: 0, anomalyRate: 0.02, out: ${JSON.stringify(join(dir, 'data.npy'))}, hostsOut: ${JSON.stringify(join(dir, 'hosts.npy'))} });
${PEAK_RSS_SOURCE}
console.log(JSON.stringify({ maxRSS: peakRssKb(), seconds: (performance.now() - t0) / 1000, rows: r.rows }));`);
}

function trainChild(dir: string): { maxRSS: number; seconds: number; windows: number } {
  return child(`import { NpyRowReader } from './src/io/index.ts';
import { TransformerDetector } from './src/models/transformer/index.ts';
const data = new NpyRowReader(${JSON.stringify(join(dir, 'data.npy'))});
const hosts = new NpyRowReader(${JSON.stringify(join(dir, 'hosts.npy'))});
let windows = 0;
const t0 = performance.now();
new TransformerDetector({ epochs: 1, stride: 100, activeFeatures: [0,1,2,3,4,5,6,7,8,9,10,11] }).fit({ data, hosts }, { onProgress: (p) => { if (p.kind === 'step') windows = p.windowsDone; } });
${PEAK_RSS_SOURCE}
console.log(JSON.stringify({ maxRSS: peakRssKb(), seconds: (performance.now() - t0) / 1000, windows }));`);
}

export const workload: Workload = {
  name: 'transformer-memory',
  description: 'Peak RSS of transformer training from rows + hosts .npy files of 1M and 10M rows (flat in N, target < 400 MB)',
  run(): BenchRow[] {
    const base = tmpdir();
    const fs = statfsSync(base);
    if (fs.bavail * fs.bsize < 6e9) {
      console.error(`transformer-memory: skipped: ${base} has less than 6 GB free`);
      return [];
    }
    const rows: BenchRow[] = [];
    for (const size of SIZES) {
      const dir = mkdtempSync(join(base, 'dadm-tmem-'));
      try {
        const written = writeChild(dir, size);
        const train = trainChild(dir);
        const m = `${written.rows / 1e6}M`;
        rows.push(
          {
            workload: 'transformer-memory', metric: `peak_rss_mb_train_${m}`, value: train.maxRSS / 1024, unit: 'MB', median_of: 1,
            note: `${written.rows} rows (${size.hosts} hosts x ${size.steps} steps); 1 epoch, stride 100 (${train.windows} training windows) in ${train.seconds.toFixed(0)} s; node + tsx child; target < ${TARGET_MB} MB`,
          },
          { workload: 'transformer-memory', metric: `peak_rss_mb_gen_${m}`, value: written.maxRSS / 1024, unit: 'MB', median_of: 1, note: `writeSequenceFiles (gen-data --sequences) in a node + tsx child, ${written.seconds.toFixed(0)} s` },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return rows;
  },
};

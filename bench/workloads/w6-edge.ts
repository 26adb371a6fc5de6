/**
 * W6-edge (docs/benchmarks.md, issue 19): the edge agent's footprint measured the way a user gets it.
 * `npm pack` builds and packs this checkout; the tarball is installed offline into a fresh consumer
 * project (a lockfile derived from ours, so npm takes every dependency from its cache); child
 * processes `import { loadOnnx } from 'dadm/runtime'`, load a model file and score one row. Reported
 * side by side in the same run: an empty `node -e 0` (peak RSS and wall time), the W2 autoencoder,
 * a 100-tree isolation forest and the W7 transformer (one [1, 16, 64] window) (peak RSS = VmHWM, cold start = spawn to the first score, as the issue
 * defines it, with spawn to exit in the note; the empty node is spawn to exit; medians of 11 interleaved
 * rounds), and three soaks of 10^6 scores per model (the median one reported): RSS after the first
 * 1,000 vs after 10^6, each sampled right after a full GC (`--expose-gc`), so the figure shows memory
 * the scores kept, not where the young generation happened to be in its cycle.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IsolationForest } from '../../src/iforest/index.js';
import { encodeModel } from '../../src/onnx/index.js';
import { exportIsolationForest } from '../../src/onnx-writer/index.js';
import { Random } from '../../src/tensor/index.js';
import { PEAK_RSS_SOURCE, median, type BenchRow, type Workload } from '../harness.js';
import { autoencoderOnnx } from './w2.js';
import { transformerOnnx } from './w7.js';

/** Rounds of the interleaved children: start-up times on a shared 2-core machine scatter by tens of ms. */
const RUNS = 11;
/** Soaks per model (each 10^6 scores): the growth depends on when V8 optimizes the scoring code. */
const SOAKS = 3;
const SOAK_SCORES = 1_000_000;
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * The edge child: argv = model path, row width, soak count (0 = load and score once). It loads the
 * model by path, as docs/edge.md shows, so it imports nothing but dadm/runtime (an agent that imports
 * node:fs itself pays Node's facade of it, ~3 ms: docs/edge.md "What start-up pays for").
 */
const CHILD = `import { loadOnnx } from 'dadm/runtime';
${PEAK_RSS_SOURCE}
const rssMb = () => {
  globalThis.gc();
  return process.memoryUsage.rss() / 1048576;
};
const [path, width, soak] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a)));
const model = loadOnnx(path);
const first = model.score(new Float32Array(width).fill(0.5));
const out = { firstScoreMs: performance.now(), firstScoreAt: performance.timeOrigin + performance.now(), peakKb: peakRssKb(), first };
if (soak > 0) {
  // 256 distinct rows, their views made once: the loop itself allocates nothing. The scores are
  // summed into a Float64Array cell: a module-level \`let\` holding a float is a boxed number, one
  // 16-byte allocation per score that sweeps the young generation and read as 1-2 MB of growth.
  const data = Float32Array.from({ length: 256 * width }, (_, i) => Math.sin(i));
  const rows = Array.from({ length: 256 }, (_, r) => data.subarray(r * width, (r + 1) * width));
  const sum = new Float64Array(1);
  for (let i = 0; i < 1000; i++) sum[0] += model.score(rows[i & 255]);
  out.rss1k = rssMb();
  const t0 = performance.now();
  for (let i = 1000; i < soak; i++) sum[0] += model.score(rows[i & 255]);
  out.soakSeconds = (performance.now() - t0) / 1000;
  out.rssEnd = rssMb();
  out.sum = sum[0];
}
process.stdout.write(JSON.stringify(out));
`;

interface ChildResult {
  firstScoreMs: number;
  /** Wall-clock time of the first score (ms since the epoch), to subtract the parent's spawn time from. */
  firstScoreAt: number;
  peakKb: number;
  rss1k?: number;
  rssEnd?: number;
  soakSeconds?: number;
  wallMs: number;
  /** Wall-clock time just before the spawn (ms since the epoch). */
  spawnAt: number;
}

function run(command: string, args: string[], cwd: string, what: string): { stdout: string; stderr: string; wallMs: number; spawnAt: number } {
  const t0 = performance.now();
  const spawnAt = performance.timeOrigin + t0;
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 24 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`W6-edge: ${what} must exit 0, got ${r.status ?? r.signal}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-5).join(' | ')}`);
  return { stdout: r.stdout, stderr: r.stderr, wallMs, spawnAt };
}

/** Packs this checkout (npm runs `prepare`, i.e. the build) and returns the tarball's path. */
function pack(dir: string): string {
  const { stdout } = run('npm', ['pack', '--pack-destination', dir, '--silent'], root, 'npm pack');
  return join(dir, stdout.trim().split('\n').pop()!);
}

/**
 * A consumer project that depends on the tarball, installed with `npm ci --offline`: its lockfile
 * lists our production dependencies exactly as our package-lock.json resolves them.
 * @returns the npm warnings the install printed
 */
function installConsumer(dir: string, tarball: string): string[] {
  mkdirSync(dir);
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const dependency = { dadm: `file:${tarball}` };
  const packages: Record<string, unknown> = {
    '': { name: 'edge-consumer', version: '1.0.0', dependencies: dependency },
    'node_modules/dadm': {
      version: ours.version,
      resolved: `file:${tarball}`,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: ours.license,
      dependencies: ours.dependencies,
      bin: ours.bin,
      engines: ours.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key !== '' && !entry.dev) packages[key] = entry;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'edge-consumer', version: '1.0.0', private: true, type: 'module', dependencies: dependency }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'edge-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  const { stdout, stderr } = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir, 'npm ci --offline of the packed tarball');
  return `${stdout}\n${stderr}`.split('\n').filter((l) => /^npm warn/i.test(l));
}

/** The W3-sized forest (100 trees, 256 samples) fitted on 10,000 x 12 N(0,1) rows, as dadm exports it. */
function forestOnnx(): Uint8Array {
  const data = new Random(0).normalFill(new Float32Array(10_000 * 12));
  const forest = new IsolationForest({ nEstimators: 100, maxSamples: 256, seed: 0 }).fit({ data, shape: [10_000, 12] });
  return encodeModel(exportIsolationForest(forest.toArrays(), { dynamicBatch: true }));
}

export const workload: Workload = {
  name: 'W6-edge',
  description: 'Edge footprint through the installed package: peak RSS and cold start of `dadm/runtime` load + one score (autoencoder, forest, transformer window) beside an empty node, and RSS over 10^6 scores',
  run(): BenchRow[] {
    const dir = mkdtempSync(join(tmpdir(), 'dadm-w6-edge-'));
    try {
      const t0 = performance.now();
      const warnings = installConsumer(join(dir, 'consumer'), pack(dir));
      console.error(`W6-edge: packed and installed in ${((performance.now() - t0) / 1000).toFixed(0)} s; npm printed ${warnings.length} warning lines`);
      const consumer = join(dir, 'consumer');
      writeFileSync(join(consumer, 'edge.mjs'), CHILD);
      // The transformer scores a window: its one [1, 16, 64] input as 16 x 64 values (OnnxModel.score).
      const models = { autoencoder: { bytes: autoencoderOnnx(0), width: 64 }, forest: { bytes: forestOnnx(), width: 12 }, transformer: { bytes: transformerOnnx(0), width: 16 * 64 } };
      for (const [name, m] of Object.entries(models)) writeFileSync(join(dir, `${name}.onnx`), m.bytes);
      const child = (name: string, soak: number): ChildResult => {
        const flags = soak > 0 ? ['--expose-gc'] : [];
        const r = run(process.execPath, [...flags, 'edge.mjs', join(dir, `${name}.onnx`), String(models[name as keyof typeof models].width), String(soak)], consumer, `the ${name} edge child`);
        return { ...(JSON.parse(r.stdout) as Omit<ChildResult, 'wallMs' | 'spawnAt'>), wallMs: r.wallMs, spawnAt: r.spawnAt };
      };
      const empty = { peakMb: [] as number[], wallMs: [] as number[] };
      const edge: Record<string, ChildResult[]> = { autoencoder: [], forest: [], transformer: [] };
      const load0 = loadavg()[0]!;
      // Interleaved, so a change in machine load hits every figure alike.
      for (let i = 0; i < RUNS; i++) {
        empty.wallMs.push(run(process.execPath, ['-e', '0'], consumer, 'node -e 0').wallMs);
        empty.peakMb.push(Number(run(process.execPath, ['-e', `${PEAK_RSS_SOURCE}; process.stdout.write(String(peakRssKb()))`], consumer, 'node -e peakRssKb').stdout) / 1024);
        for (const name of Object.keys(edge)) edge[name]!.push(child(name, 0));
      }
      const soaks: Record<string, ChildResult[]> = Object.fromEntries(Object.keys(edge).map((name) => [name, []]));
      for (let i = 0; i < SOAKS; i++) for (const name of Object.keys(edge)) soaks[name]!.push(child(name, SOAK_SCORES));
      const load = `load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`;
      const nodeMb = median(empty.peakMb);
      const nodeMs = median(empty.wallMs);
      const rows: BenchRow[] = [
        { workload: 'W6-edge', metric: 'peak_rss_mb_node', value: nodeMb, unit: 'MB', median_of: RUNS, note: `empty node -e (VmHWM); ${load}` },
        { workload: 'W6-edge', metric: 'cold_start_ms_node', value: nodeMs, unit: 'ms', median_of: RUNS, note: 'spawn to exit of node -e 0' },
      ];
      for (const [name, runs] of Object.entries(edge)) {
        const suffix = name === 'autoencoder' ? '' : `_${name}`;
        const peak = median(runs.map((r) => r.peakKb / 1024));
        // The cold start: process start (the spawn) to the first score; the process's exit
        // after it (a larger heap to tear down, the VmHWM read, the JSON write) is not part of it.
        const cold = median(runs.map((r) => r.firstScoreAt - r.spawnAt));
        const exit = median(runs.map((r) => r.wallMs));
        // The soak whose growth is the median one.
        const s = soaks[name]!.slice().sort((a, b) => a.rssEnd! - a.rss1k! - (b.rssEnd! - b.rss1k!))[SOAKS >> 1]!;
        const growths = soaks[name]!.map((r) => (r.rssEnd! - r.rss1k!).toFixed(1)).join(', ');
        // Each round's child against the empty node of the same round, a figure less moved by a burst of load.
        const paired = median(runs.map((r, i) => r.firstScoreAt - r.spawnAt - empty.wallMs[i]!));
        const target = `target <= ${name === 'transformer' ? 55 : 50} MB`;
        rows.push(
          { workload: 'W6-edge', metric: `peak_rss_mb_edge${suffix}`, value: peak, unit: 'MB', median_of: RUNS, note: `${name}: import 'dadm/runtime' from the installed tarball, load + score 1 row; ${target}; empty node ${nodeMb.toFixed(1)} MB` },
          { workload: 'W6-edge', metric: `cold_start_ms_edge${suffix}`, value: cold, unit: 'ms', median_of: RUNS, note: `spawn to first score; empty node spawn to exit ${nodeMs.toFixed(0)} ms (target <= +50 ms, got ${(cold - nodeMs).toFixed(0)}; median of the rounds' differences ${paired.toFixed(0)}); this process spawn to exit ${exit.toFixed(0)} ms; first score ${median(runs.map((r) => r.firstScoreMs)).toFixed(0)} ms after its performance.timeOrigin; ${load}` },
          { workload: 'W6-edge', metric: `soak_rss_growth_mb${suffix}`, value: s.rssEnd! - s.rss1k!, unit: 'MB', median_of: SOAKS, note: `VmRSS after a full GC: ${s.rss1k!.toFixed(1)} MB after 1,000 scores, ${s.rssEnd!.toFixed(1)} MB after ${SOAK_SCORES.toExponential(0)} (target within 2 MB; the ${SOAKS} soaks grew ${growths} MB); ${((SOAK_SCORES - 1000) / s.soakSeconds!).toFixed(0)} scores/s` },
        );
      }
      rows.push({ workload: 'W6-edge', metric: 'install_warning_lines', value: warnings.length, unit: 'lines', median_of: 1, note: warnings.join(' | ').slice(0, 300) || 'none' });
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

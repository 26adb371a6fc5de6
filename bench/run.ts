/**
 * `npm run bench [-- NAME ...]`: runs the named workloads (all by default), prints a table and
 * writes bench/results/latest.json as an array of rows { workload, metric, value, unit, median_of,
 * and where they apply note, backend, load, anchor, anchor_value, ratio } (see harness.ts).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow, Workload } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

async function loadWorkloads(): Promise<Workload[]> {
  const dir = join(here, 'workloads');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const list: Workload[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { workload?: Workload };
    if (mod.workload) list.push(mod.workload);
  }
  return list;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const all = await loadWorkloads();
  const known = new Set(all.map((w) => w.name));
  for (const w of wanted) {
    if (!known.has(w)) {
      console.error(`bench: unknown workload ${w}; known: ${[...known].join(', ')}`);
      process.exit(2);
    }
  }
  const chosen = wanted.length ? all.filter((w) => wanted.includes(w.name)) : all;
  const rows: BenchRow[] = [];
  console.error(`# load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  for (const w of chosen) {
    console.error(`# ${w.name}: ${w.description}`);
    const got = await w.run();
    for (const r of got) {
      const vs = r.anchor_value === undefined ? '' : `  ${r.ratio}x vs ${fmt(r.anchor_value)} ${r.anchor}`;
      const where = r.backend === undefined ? '' : ` [${r.backend}, load ${r.load}]`;
      console.log(`${r.workload.padEnd(8)} ${r.metric.padEnd(30)} ${fmt(r.value).padStart(14)} ${r.unit.padEnd(10)} median of ${r.median_of}${where}${vs}${r.note ? `  (${r.note})` : ''}`);
    }
    rows.push(...got);
  }
  const outDir = join(here, 'results');
  const outFile = join(outDir, 'latest.json');
  mkdirSync(outDir, { recursive: true });
  // Running a subset keeps the other workloads' rows from the previous run.
  const ran = new Set(chosen.map((w) => w.name));
  const kept = previousRows(outFile).filter((r) => !ran.has(r.workload));
  const merged = [...kept, ...rows];
  const tmp = join(outDir, `latest.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(merged, null, 2) + '\n');
  renameSync(tmp, outFile);
  console.error(`wrote ${join('bench', 'results', 'latest.json')} (${rows.length} new rows, ${kept.length} kept)`);
}

function previousRows(path: string): BenchRow[] {
  if (!existsSync(path)) return [];
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(parsed) ? (parsed as BenchRow[]) : [];
  } catch {
    return [];
  }
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(3);
  return v.toPrecision(4);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

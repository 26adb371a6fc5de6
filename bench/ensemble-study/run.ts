/**
 * The ensemble study (issue 18): member and ensemble ROC-AUC per data set and seed, for every
 * calibration x combination candidate, and the targets' verdict.
 *
 *   node --import tsx bench/ensemble-study/run.ts [--seeds 0..4] [--ae default|baselines]
 *        [--gen-seed 0] [--gen-rows 50000] [--cache DIR] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rocAuc } from '../../src/stats/index.js';
import { MEMBERS, memberScores, studySets, type AutoencoderVariant } from './members.js';
import { CALIBRATIONS, RULES } from './rules.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function seedList(text: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return text.split(',').map(Number);
}

const meanSd = (v: readonly number[]): [number, number] => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length)];
};
const f4 = (v: number): string => v.toFixed(4);

const seeds = seedList(arg('seeds', '0..4'));
const variant = arg('ae', 'default') as AutoencoderVariant;
const cacheDir = resolve(arg('cache', join(tmpdir(), 'dadm-ensemble-study')));
const sets = studySets({ dataDir: join(repoRoot, 'test/fixtures/data'), workDir: cacheDir, genSeed: Number(arg('gen-seed', '0')), genRows: Number(arg('gen-rows', '50000')) });
const candidates = Object.keys(CALIBRATIONS).flatMap((c) => Object.keys(RULES).map((r) => `${c}/${r}`));

/** auc[set][name] = per-seed AUCs, name a member or a candidate. */
const auc: Record<string, Record<string, number[]>> = {};
for (const set of sets) {
  const rows: Record<string, number[]> = (auc[set.name] = {});
  for (const seed of seeds) {
    const t0 = performance.now();
    const { labels, scores } = memberScores(set, seed, variant, cacheDir);
    const line: string[] = [];
    for (const m of MEMBERS) {
      (rows[m] ??= []).push(rocAuc(scores[m], labels));
      line.push(`${m} ${f4(rows[m].at(-1)!)}`);
    }
    for (const name of candidates) {
      const [cal, rule] = name.split('/') as [string, string];
      const calibrated = MEMBERS.map((m) => CALIBRATIONS[cal]!(scores[m])(scores[m]));
      (rows[name] ??= []).push(rocAuc(RULES[rule]!(calibrated), labels));
    }
    console.log(`${set.name} seed ${seed}: ${line.join(', ')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

console.log(`\nROC-AUC mean ± sd over seeds ${seeds.join(',')} (autoencoder: ${variant} config)`);
const names = [...MEMBERS, ...candidates];
console.log(['candidate', ...sets.map((s) => s.name), 'average', 'verdict'].join(' | '));
const bestMember = Math.max(...MEMBERS.map((m) => meanSd(sets.map((s) => meanSd(auc[s.name]![m]!)[0]))[0]));
for (const name of names) {
  const per = sets.map((s) => meanSd(auc[s.name]![name]!));
  const avg = per.reduce((a, p) => a + p[0], 0) / per.length;
  let verdict = '';
  if (!MEMBERS.includes(name as never)) {
    const gaps = sets.map((s, i) => per[i]![0] - Math.max(...MEMBERS.map((m) => meanSd(auc[s.name]![m]!)[0])));
    const ok = gaps.every((g) => g >= -0.005) && avg >= bestMember;
    verdict = `${ok ? 'MEETS' : 'fails'} (gaps ${gaps.map((g) => (g >= 0 ? '+' : '') + f4(g)).join(' ')}; avg ${avg >= bestMember ? '+' : ''}${f4(avg - bestMember)})`;
  }
  console.log([name, ...per.map(([m, sd]) => `${f4(m)} ± ${f4(sd)}`), f4(avg), verdict].join(' | '));
}
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify({ seeds, variant, auc }, null, 1));

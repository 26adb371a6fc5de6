/**
 * The ensemble study (issue 18, docs/ensemble.md): per data set and seed, each member's ROC-AUC and
 * each calibration x combination candidate's, then mean ± sd over seeds and the targets' verdict:
 * on every set the candidate's mean >= the better member's mean - 0.005, and on the average over the
 * sets >= the average of the member that is best on average. No labels choose any weight; the
 * "oracle" line uses labels and is only an upper bound for weighted means of robust z scores.
 *
 *   node --import tsx bench/ensemble-study/run.ts [--seeds 0..4] [--ae default|baselines]
 *        [--gen-seed 0] [--gen-rows 50000] [--cache DIR] [--json FILE]
 *        [--ae ensemble --ensemble '{"ensemble":{"autoencoderMinSteps":300}}'] [--sets ionosphere,breastcancer]
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PartialDadmConfig } from '../../src/pipeline/index.js';
import { rocAuc } from '../../src/stats/index.js';
import { MEMBERS, memberScores, studySets, type AutoencoderVariant } from './members.js';
import { CALIBRATIONS, RULES, oracleWeights } from './rules.js';

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

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: readonly number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
const f4 = (v: number): string => v.toFixed(4);
const signed = (v: number): string => (v >= 0 ? '+' : '') + f4(v);

const seeds = seedList(arg('seeds', '0..4'));
const variant = arg('ae', 'default') as AutoencoderVariant;
const cacheDir = resolve(arg('cache', join(tmpdir(), 'dadm-ensemble-study')));
const only = arg('sets', '');
const ensembleOverrides = JSON.parse(arg('ensemble', '{}')) as PartialDadmConfig;
const sets = studySets({ dataDir: join(repoRoot, 'test/fixtures/data'), workDir: cacheDir, genSeed: Number(arg('gen-seed', '0')), genRows: Number(arg('gen-rows', '50000')) }).filter((s) => only === '' || only.split(',').some((o) => s.name.startsWith(o)));
const candidates = Object.keys(CALIBRATIONS).flatMap((c) => Object.keys(RULES).map((r) => `${c}/${r}`));
const names = [...MEMBERS, ...candidates];

/** auc[set][name] = per-seed ROC-AUCs; oracle[set] = the labelled upper bound. */
const auc: Record<string, Record<string, number[]>> = {};
const oracle: Record<string, { weights: number[]; auc: number }> = {};
for (const set of sets) {
  const rows: Record<string, number[]> = (auc[set.name] = Object.fromEntries(names.map((n) => [n, []])));
  const forOracle = [];
  for (const seed of seeds) {
    const { labels, scores } = memberScores(set, seed, variant, cacheDir, ensembleOverrides);
    for (const m of MEMBERS) rows[m]!.push(rocAuc(scores[m], labels));
    const calibrated = Object.fromEntries(Object.entries(CALIBRATIONS).map(([c, f]) => [c, MEMBERS.map((m) => f(scores[m]))]));
    for (const name of candidates) {
      const [cal, rule] = name.split('/') as [string, string];
      rows[name]!.push(rocAuc(RULES[rule]!(calibrated[cal]!), labels));
    }
    forOracle.push({ calibrated: calibrated['robust-z']!, labels });
  }
  oracle[set.name] = oracleWeights(forOracle);
  const best = Math.max(...MEMBERS.map((m) => mean(rows[m]!)));
  console.log(`\n## ${set.name}: ROC-AUC per seed (autoencoder: ${variant} config)\n`);
  console.log(`| candidate | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean ± sd | vs better member |`);
  console.log(`| --- | ${seeds.map(() => '---').join(' | ')} | --- | --- |`);
  for (const name of names) {
    const v = rows[name]!;
    console.log(`| ${name} | ${v.map(f4).join(' | ')} | ${f4(mean(v))} ± ${f4(sd(v))} | ${signed(mean(v) - best)} |`);
  }
  const o = oracle[set.name]!;
  console.log(`| oracle (labels; robust-z weights ${o.weights.map((w) => w.toFixed(2)).join('/')}) | ${seeds.map(() => '').join(' | ')} | ${f4(o.auc)} | ${signed(o.auc - best)} |`);
}

const bestPerSet = sets.map((s) => Math.max(...MEMBERS.map((m) => mean(auc[s.name]![m]!))));
const memberAverage = (m: string): number => mean(sets.map((s) => mean(auc[s.name]![m]!)));
const bestMember = MEMBERS.reduce((a, m) => (memberAverage(m) > memberAverage(a) ? m : a));
console.log(`\n## Verdict (seeds ${seeds.join(',')}; autoencoder ${variant}; best member on average: ${bestMember} ${f4(memberAverage(bestMember))})\n`);
console.log(`| candidate | ${sets.map((s) => s.name).join(' | ')} | average | per-set targets met | average target | verdict |`);
console.log(`| --- | ${sets.map(() => '---').join(' | ')} | --- | --- | --- | --- |`);
const verdicts: Record<string, { gaps: number[]; averageGap: number; meets: boolean }> = {};
for (const name of names) {
  const per = sets.map((s) => auc[s.name]![name]!);
  const gaps = per.map((v, i) => mean(v) - bestPerSet[i]!);
  const averageGap = mean(per.map(mean)) - memberAverage(bestMember);
  const met = gaps.filter((g) => g >= -0.005).length;
  const meets = met === sets.length && averageGap >= 0;
  verdicts[name] = { gaps, averageGap, meets };
  const cells = per.map((v, i) => `${f4(mean(v))} ± ${f4(sd(v))} (${signed(gaps[i]!)})`);
  console.log(`| ${name} | ${cells.join(' | ')} | ${f4(mean(per.map(mean)))} (${signed(averageGap)}) | ${met} of ${sets.length} | ${averageGap >= 0 ? 'met' : 'not met'} | ${meets ? 'MEETS' : 'fails'} |`);
}
const json = arg('json', '');
if (json) writeFileSync(json, `${JSON.stringify({ seeds, variant, sets: sets.map((s) => s.name), auc, oracle, verdicts }, null, 1)}\n`);

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError } from '../../../src/errors.js';
import { writeNpyFile } from '../../../src/io/index.js';
import { demoExplain, type DemoExplainResult } from '../../../src/pipeline/demo/demo-explain.js';
import { defaultConfig, explain, generateData, mergeConfig, score, train } from '../../../src/pipeline/index.js';
import { ATTACK_FEATURES, ATTACK_NAMES, generateHostData, type AttackName } from '../../../src/schema/index.js';
import { tempDir } from '../helpers.js';
import { expectError } from '../../tensor/expect-error.js';

const dir = tempDir('dadm-demo-explain-');
const data = join(dir, 'data.npy');
const model = join(dir, 'model.safetensors');
const ROWS = 10000;
const SEED = 0;
const ANOMALY_RATE = 0.04;
const PER_ATTACK = 3;
/** Share of explained attack rows whose top-3 must contain one of the attack's own features. */
const MIN_TOP3_HIT_RATE = 0.7;

let result: DemoExplainResult;

beforeAll(() => {
  generateData({ rows: ROWS, out: data, seed: SEED, anomalyRate: ANOMALY_RATE, attackTypesOut: join(dir, 'attack_types.npy') });
  // The demo's architecture with fewer epochs (about 1.5 s of training).
  train({ data, outDir: dir, config: mergeConfig({ training: { epochs: 15 } }, defaultConfig()), seed: SEED });
  result = demoExplain({ outDir: dir, shapPerAttack: PER_ATTACK });
}, 60_000);

/** Attack name of each row, straight from the generator (not from the written file). */
function generatorAttackNames(): string[] {
  const host = generateHostData({ rows: ROWS, seed: SEED, anomalyRate: ANOMALY_RATE });
  return Array.from(host.attackType, (c) => ATTACK_NAMES[c]!);
}

describe('demoExplain', () => {
  it('explains the highest-scoring flagged rows of each attack type with shap, and every flagged attack row with reconstruction', () => {
    const names = generatorAttackNames();
    const { scores, threshold } = score({ model, data });
    const flaggedAttacks = [];
    for (let r = 0; r < ROWS; r++) if (scores[r]! > threshold && names[r] !== 'normal') flaggedAttacks.push(r);
    expect(result.flaggedAttacks).toBe(flaggedAttacks.length);
    expect(result.threshold).toBe(threshold);
    // naive selection: per attack type, sort its flagged rows by score and keep the first PER_ATTACK
    const expected: number[] = [];
    for (const name of ATTACK_NAMES.slice(1)) {
      const of = flaggedAttacks.filter((r) => names[r] === name).sort((a, b) => scores[b]! - scores[a]!);
      expected.push(...of.slice(0, PER_ATTACK));
    }
    expect(result.shap.rows.map((r) => r.row).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    expect(result.reconstruction!.rows.map((r) => r.row).sort((a, b) => a - b)).toEqual(flaggedAttacks);
    for (const m of [result.shap, result.reconstruction!]) {
      for (const row of m.rows) {
        expect(row.attackType).toBe(names[row.row]);
        expect(row.score).toBeAllclose(scores[row.row]!, { rtol: 1e-5 });
        expect(row.top).toHaveLength(3);
        const c = row.top.map((f) => f.contribution);
        expect([...c].sort((a, b) => b - a)).toEqual(c);
      }
    }
  });

  it('counts hits from the attack definitions (recomputed here) per attack type and in total', () => {
    for (const m of [result.shap, result.reconstruction!]) {
      const byType = new Map<string, { rows: number; top1: number; top3: number }>();
      for (const row of m.rows) {
        const own = ATTACK_FEATURES[row.attackType as AttackName];
        const top1 = own.includes(row.top[0]!.name);
        const top3 = row.top.some((f) => own.includes(f.name));
        expect([row.top1Hit, row.top3Hit]).toEqual([top1, top3]);
        for (const key of [row.attackType, 'all']) {
          const h = byType.get(key) ?? { rows: 0, top1: 0, top3: 0 };
          byType.set(key, { rows: h.rows + 1, top1: h.top1 + Number(top1), top3: h.top3 + Number(top3) });
        }
      }
      const got = new Map(m.hitRates.map((h) => [h.attackType as string, { rows: h.rows, top1: h.top1, top3: h.top3 }]));
      expect(got).toEqual(byType);
      expect(m.hitRates.at(-1)!.attackType).toBe('all');
    }
  });

  it('quality: the top-3 Shapley features of injected attacks name a feature the attack changed for a clear majority', () => {
    const rows = result.shap.rows;
    // at least three attack types explained, so the rate is not about one kind of attack
    expect(new Set(rows.map((r) => r.attackType)).size).toBeGreaterThanOrEqual(3);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const own = (r: (typeof rows)[number]): readonly string[] => ATTACK_FEATURES[r.attackType];
    const top3 = rows.filter((r) => r.top.some((f) => own(r).includes(f.name))).length / rows.length;
    expect(top3).toBeGreaterThanOrEqual(MIN_TOP3_HIT_RATE);
    const recon = result.reconstruction!.rows;
    const reconTop3 = recon.filter((r) => r.top.some((f) => own(r).includes(f.name))).length / recon.length;
    expect(reconTop3).toBeGreaterThanOrEqual(MIN_TOP3_HIT_RATE);
  });

  it('rejects a non-positive row count per attack', () => {
    expectError(() => demoExplain({ outDir: dir, shapPerAttack: 0 }), InvalidOptionError, /^demoExplain: shapPerAttack must be a positive integer, got 0$/);
  });

  it('rejects attack types of another length than the data', () => {
    const other = join(dir, 'short');
    mkdirSync(other);
    for (const f of ['model.safetensors', 'data.npy']) copyFileSync(join(dir, f), join(other, f));
    writeNpyFile(join(other, 'attack_types.npy'), { data: new Uint8Array(5), shape: [5] });
    const run = (): unknown => demoExplain({ outDir: other });
    expectError(run, DataError, /attack_types\.npy: length must be 10000 like data\.npy, got 5$/);
  });
});

describe('explain rows option', () => {
  it('explains exactly the given rows in the given order, counting flagged rows over the whole file', () => {
    const all = explain({ model, data, method: 'reconstruction', topK: 3 });
    const some = explain({ model, data, method: 'reconstruction', topK: 3, rows: [7, 2, 9999] });
    expect(some.explained.map((e) => e.row)).toEqual([7, 2, 9999]);
    const byRow = (r: number): unknown => all.explained.find((e) => e.row === r);
    expect(some.explained).toEqual([byRow(7), byRow(2), byRow(9999)]);
    expect(some.flagged).toBe(all.flagged);
    expect(some.rows).toBe(ROWS);
  });

  it('rejects a row outside the file', () => {
    const run = (): unknown => explain({ model, data, method: 'reconstruction', rows: [0, ROWS] });
    expectError(run, InvalidOptionError, /^explain: rows must be integers in \[0, 9999\], got 10000$/);
  });
});

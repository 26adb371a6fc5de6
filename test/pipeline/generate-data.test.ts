import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, UsageError } from '../../src/errors.js';
import { readNpyFile, readNpyTyped } from '../../src/io/index.js';
import { MAX_GENERATED_ROWS, generateData } from '../../src/pipeline/index.js';
import { CORE_FEATURES, generateHostData } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

describe('generateData', () => {
  it('writes [rows, 64] float32 with zero padding and uint8 labels with round(rows * rate) anomalies', () => {
    const r = generateData({ rows: 1000, out: join(dir, 'a.npy'), seed: 3, anomalyRate: 0.05, labelsOut: join(dir, 'a-labels.npy'), attackTypesOut: join(dir, 'a-types.npy') });
    const x = readNpyFile(join(dir, 'a.npy'));
    expect(x.dtype).toBe('<f4');
    expect(x.shape).toEqual([1000, 64]);
    for (let i = 0; i < 1000; i++) for (let j = 12; j < 64; j++) expect(x.data[i * 64 + j]).toBe(0);
    const labels = readNpyTyped(readFileSync(join(dir, 'a-labels.npy')));
    expect(labels.dtype).toBe('|u1');
    const types = readNpyTyped(readFileSync(join(dir, 'a-types.npy'))).data as Uint8Array;
    let positives = 0;
    for (let i = 0; i < 1000; i++) {
      positives += (labels.data as Uint8Array)[i]!;
      expect(types[i]! > 0).toBe((labels.data as Uint8Array)[i] === 1);
    }
    expect(positives).toBe(50);
    expect(r.anomalies).toBe(50);
    expect(r.attackCounts.normal).toBe(950);
  });

  it('writes the same bytes for the same seed and different bytes for another seed', () => {
    generateData({ rows: 500, out: join(dir, 'b1.npy'), seed: 7, anomalyRate: 0.02 });
    generateData({ rows: 500, out: join(dir, 'b2.npy'), seed: 7, anomalyRate: 0.02 });
    generateData({ rows: 500, out: join(dir, 'b3.npy'), seed: 8, anomalyRate: 0.02 });
    const b1 = readFileSync(join(dir, 'b1.npy'));
    expect(b1.equals(readFileSync(join(dir, 'b2.npy')))).toBe(true);
    expect(b1.equals(readFileSync(join(dir, 'b3.npy')))).toBe(false);
  });

  it('writes raw events by name as .ndjson and .csv: every value reads back as the generator\'s float32', () => {
    const raw = generateHostData({ rows: 30, seed: 6, anomalyRate: 0.2 }).raw;
    const names = CORE_FEATURES.map((f) => f.name);
    const r = generateData({ rows: 30, out: join(dir, 'e.ndjson'), seed: 6, anomalyRate: 0.2, labelsOut: join(dir, 'e-labels.npy') });
    expect(r).toMatchObject({ rows: 30, anomalies: 6, files: { data: join(dir, 'e.ndjson'), labels: join(dir, 'e-labels.npy') } });
    const lines = readFileSync(join(dir, 'e.ndjson'), 'utf8').split('\n');
    expect(lines).toHaveLength(31);
    expect(lines[30]).toBe('');
    const objects = lines.slice(0, 30).map((l) => JSON.parse(l) as Record<string, number>);
    expect(Object.keys(objects[0]!)).toEqual(names);
    expect(objects.flatMap((o) => names.map((n) => Math.fround(o[n]!)))).toEqual(Array.from(raw));
    generateData({ rows: 30, out: join(dir, 'e.CSV'), seed: 6, anomalyRate: 0.2 });
    const csv = readFileSync(join(dir, 'e.CSV'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(names.join(','));
    expect(csv.slice(1).flatMap((l) => l.split(',').map((v) => Math.fround(Number(v))))).toEqual(Array.from(raw));
  });

  it('throws InvalidOptionError for an output that is not .npy, .ndjson or .csv, writing nothing', () => {
    expectError(() => generateData({ rows: 5, out: join(dir, 'data') }), InvalidOptionError, /^generateData: out must end in \.npy \(model input\), \.ndjson or \.csv \(raw events\), got '.*data'$/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('throws InvalidOptionError for a row count outside [1, MAX_GENERATED_ROWS]', () => {
    expectError(() => generateData({ rows: 0, out: join(dir, 'c.npy') }), InvalidOptionError, /^generateData: rows must be an integer in \[1, 100000000\] .*, got 0$/);
    expectError(() => generateData({ rows: MAX_GENERATED_ROWS + 1, out: join(dir, 'c.npy') }), InvalidOptionError, /^generateData: rows must be an integer in \[1, 100000000\] .*, got 100000001$/);
  });

  it('throws UsageError, writing nothing, when two outputs are the same file', () => {
    const same = join(dir, 'same.npy');
    expectError(() => generateData({ rows: 5, out: same, labelsOut: same }), UsageError, /^generateData: labelsOut \(--labels\) must not be the same file as out \(--out\) \(it would be overwritten\)/);
    expectError(() => generateData({ rows: 5, out: join(dir, 'other.npy'), labelsOut: same, attackTypesOut: same }), UsageError, /^generateData: attackTypesOut \(--attack-types\) must not be the same file as labelsOut \(--labels\)/);
    expect(existsSync(same)).toBe(false);
    expect(existsSync(join(dir, 'other.npy'))).toBe(false);
  });
});

/**
 * gen-data streams its host table through a temporary file (issue 17 item 7): the bytes must be those
 * of the in-memory generator it replaced. The SHA-256 fixtures below were computed with the previous
 * generateData (the whole host table in memory, main at 2e0c10e) before this change; the cases cover
 * a dense anomaly draw (k >= n/16), a sparse one (k < n/16) and none.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpyFile } from '../../src/io/index.js';
import { generateData } from '../../src/pipeline/index.js';
import { generateHostData, normalizeCore, toModelInput } from '../../src/schema/index.js';
import { Random } from '../../src/tensor/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('dadm-gen-stream-');
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('generateData streams the host table', () => {
  it.each([
    [5000, 0.3, 11, 'b3d021407d953836ca0aaa1af6d45759324b6cc81369f60954327ddc84e78f3f', '18bd78c709312af5ed021bee9ad808b64b52796595f17c77d2fda5955e73b578', 'd62e5620fbf1bd16f86f2fbea0fc095979c3b761b939b44d6ad936203a333993'],
    [20000, 0.01, 12, 'da65fa59beb96f9a302014ff12575dc1684b838a73375d87492a410e678e670a', '08fe51a8828743e7dfa59de56f55c3e70b77c0fcd68a73062374b68ea67cc439', 'c1074357159cc955d3914ecb409d958cb69cd93b1a36ef9a69b7e90f599bd852'],
    [3000, 0, 13, '0dc201928cb69efc4d8cf089e3396e28f7f47d00aea65d589bff137ef6a22f53', '2107e2706a718232f96039709b352c41046df1de0e46e51946d106d0f16fa3ad', '2107e2706a718232f96039709b352c41046df1de0e46e51946d106d0f16fa3ad'],
  ])('rows %i, anomaly rate %f, seed %i: the same bytes as the in-memory generator', (rows, anomalyRate, seed, data, labels, types) => {
    const out = { out: join(dir, `d${rows}.npy`), labelsOut: join(dir, `l${rows}.npy`), attackTypesOut: join(dir, `t${rows}.npy`) };
    const r = generateData({ rows, anomalyRate, seed, ...out });
    expect(r.anomalies).toBe(Math.round(rows * anomalyRate));
    expect([sha(out.out), sha(out.labelsOut), sha(out.attackTypesOut)]).toEqual([data, labels, types]);
  });

  it('writes toModelInput(normalizeCore(generateHostData(...).raw)) and leaves no temporary file', () => {
    const rows = 40_000; // more than two write blocks
    const out = join(dir, 'blocks.npy');
    const r = generateData({ rows, anomalyRate: 0.02, seed: 21, out });
    const host = generateHostData({ rows, anomalyRate: 0.02, seed: 21 });
    const want = toModelInput(normalizeCore(host.raw, { source: 'test' }));
    expect(Buffer.compare(Buffer.from(readNpyFile(out).data.buffer), Buffer.from(want.buffer))).toBe(0);
    let normal = 0;
    for (const t of host.attackType) if (t === 0) normal++;
    expect(r.attackCounts.normal).toBe(normal);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('Random.sampleWithoutReplacement', () => {
  it('draws the same sample whether it keeps an index array or a map (k << n)', () => {
    for (const [n, k] of [[1000, 10], [1000, 62], [1000, 63], [100, 99], [7, 0], [1, 1], [50_000, 3000]] as const) {
      const a = new Random(5);
      const b = new Random(5);
      const got = a.sampleWithoutReplacement(n, k);
      // The partial Fisher–Yates on a full index array, written out here as the reference.
      const pool = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = b.int(i, n);
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      expect(Array.from(got)).toEqual(Array.from(pool.subarray(0, k)));
      expect(a.next()).toBe(b.next());
    }
  });
});

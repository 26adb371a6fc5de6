import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '../../src/errors.js';
import { readNpyTyped } from '../../src/io/index.js';
import { generateSequenceData, normalizeCore, toModelInput } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';
import { writeSequenceFiles } from '../../src/pipeline/index.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-seqfiles-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opts = { hosts: 7, steps: 40, seed: 9, anomalyRate: 0.1 };
const paths = (tag: string) => ({ out: join(dir, `${tag}-d.npy`), hostsOut: join(dir, `${tag}-h.npy`), labelsOut: join(dir, `${tag}-l.npy`), attackTypesOut: join(dir, `${tag}-t.npy`) });

describe('writeSequenceFiles', () => {
  it('streams exactly the normalized, padded rows and the host ids, labels and codes of generateSequenceData', () => {
    const p = paths('a');
    const r = writeSequenceFiles({ ...opts, ...p });
    const mem = generateSequenceData(opts);
    expect(r.rows).toBe(280);
    expect(r.anomalies).toBe(mem.labels.reduce((a, b) => a + b, 0));
    const data = readNpyTyped(readFileSync(p.out));
    expect(data.shape).toEqual([280, 64]);
    expect(data.data).toEqual(toModelInput(normalizeCore(mem.raw)));
    const hosts = readNpyTyped(readFileSync(p.hostsOut));
    expect(hosts.dtype).toBe('<i4');
    expect(hosts.data).toEqual(mem.hosts);
    expect(readNpyTyped(readFileSync(p.labelsOut)).data).toEqual(mem.labels);
    expect(readNpyTyped(readFileSync(p.attackTypesOut)).data).toEqual(mem.attackType);
    expect(Object.values(r.attackCounts).reduce((a, b) => a + b, 0)).toBe(280);
  });

  it('writes the same bytes for the same options', () => {
    writeSequenceFiles({ ...opts, ...paths('b') });
    writeSequenceFiles({ ...opts, ...paths('c') });
    for (const k of ['out', 'hostsOut', 'labelsOut', 'attackTypesOut'] as const) {
      expect(readFileSync(paths('b')[k])).toEqual(readFileSync(paths('c')[k]));
    }
  });

  it('checks the options before creating any file', () => {
    const p = paths('bad');
    expectError(() => writeSequenceFiles({ ...opts, steps: 20, ...p }), InvalidOptionError, /steps must be >= 36 to place attacks/);
    for (const f of Object.values(p)) expect(existsSync(f)).toBe(false);
  });
});

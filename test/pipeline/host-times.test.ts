/**
 * `--timestamps` of the rows + hosts form (issue 12 "rows of a host out of time order (when
 * timestamps are given)"): train and score, through the library and the CLI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, FormatError, ShapeError, UsageError } from '../../src/errors.js';
import { writeNpyFile } from '../../src/io/index.js';
import { mergeConfig, score, train, writeSequenceFiles, type DadmConfig } from '../../src/pipeline/index.js';
import { expectError } from '../tensor/expect-error.js';
import { expectOneLineError, run } from '../cli/helpers.js';
import { smallConfig, tempDir } from './helpers.js';

const HOSTS = 4;
const STEPS = 20;

function seqConfig(): DadmConfig {
  return mergeConfig({ model: 'transformer', transformer: { dModel: 8, heads: 2, feedForward: 16, batchSize: 32 }, sequence: { window: 4 }, training: { epochs: 1 } }, smallConfig());
}

describe('--timestamps (train, score)', () => {
  const dir = tempDir('dadm-times-');
  const f = (name: string): string => join(dir, name);

  beforeAll(() => {
    writeSequenceFiles({ hosts: HOSTS, steps: STEPS, seed: 5, out: f('seq.npy'), hostsOut: f('hosts.npy') });
    // Hosts are contiguous (host h holds rows h*STEPS ..): times in order per host, restarting at each host.
    const good = BigInt64Array.from({ length: HOSTS * STEPS }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i % STEPS) * 7_200_000_000_000n);
    writeNpyFile(f('ts.npy'), { data: good, shape: [good.length] });
    const late = good.slice();
    late[2 * STEPS + 9] = late[2 * STEPS + 8]! - 1n; // host 2, row 49: one nanosecond before row 48
    writeNpyFile(f('ts-bad.npy'), { data: late, shape: [late.length] });
    const seconds = Float64Array.from({ length: HOSTS * STEPS }, (_, i) => 1.7e9 + (i % STEPS) * 7200.5);
    seconds[STEPS + 3] = 1.7e9; // host 1, row 23 goes back to the host's first time
    writeNpyFile(f('ts-f8-bad.npy'), { data: seconds, shape: [seconds.length] });
    writeNpyFile(f('ts-f4.npy'), { data: new Float32Array(HOSTS * STEPS), shape: [HOSTS * STEPS] });
    writeNpyFile(f('ts-short.npy'), { data: good.subarray(1), shape: [HOSTS * STEPS - 1] });
    train({ data: f('seq.npy'), hosts: f('hosts.npy'), timestamps: f('ts.npy'), outDir: f('ok'), config: seqConfig() });
  }, 60_000);

  it('train and score accept rows in time order per host (int64 times)', () => {
    expect(existsSync(f('ok/model.safetensors'))).toBe(true);
    expect(score({ model: f('ok/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy'), timestamps: f('ts.npy') }).rows).toBe(HOSTS * STEPS);
  });

  it('train: a host row earlier than its previous row is a DataError naming file, host, row and both times; nothing is written', () => {
    expectError(
      () => train({ data: f('seq.npy'), hosts: f('hosts.npy'), timestamps: f('ts-bad.npy'), outDir: f('bad'), config: seqConfig() }),
      DataError,
      /^\S+ts-bad\.npy: host 2 rows must be in time order, got row 49 at time 1700057599999999999 before row 48 at time 1700057600000000000$/,
    );
    expect(existsSync(f('bad'))).toBe(false);
  });

  it('score: the same check with float64 times', () => {
    expectError(
      () => score({ model: f('ok/model.safetensors'), data: f('seq.npy'), hosts: f('hosts.npy'), timestamps: f('ts-f8-bad.npy') }),
      DataError,
      /^\S+ts-f8-bad\.npy: host 1 rows must be in time order, got row 23 at time 1700000000 before row 22 at time 1700014401$/,
    );
  });

  it('refuses another dtype, another row count, and --timestamps without --hosts', () => {
    const model = f('ok/model.safetensors');
    expectError(() => score({ model, data: f('seq.npy'), hosts: f('hosts.npy'), timestamps: f('ts-f4.npy') }), FormatError, /ts-f4\.npy: dtype must be int64 or float64 \(one time per row\), got '<f4'$/);
    expectError(() => score({ model, data: f('seq.npy'), hosts: f('hosts.npy'), timestamps: f('ts-short.npy') }), ShapeError, /ts-short\.npy: shape must be \(80,\) with one time per row of \S+seq\.npy, got \(79,\)$/);
    expectError(() => score({ model, data: f('seq.npy'), timestamps: f('ts.npy') }), UsageError, /^score: --timestamps must be given with --hosts/);
    expectError(() => train({ data: f('seq.npy'), timestamps: f('ts.npy'), outDir: f('bad2'), config: seqConfig() }), UsageError, /^train: --timestamps must be given with --hosts/);
  });

  it('the CLI prints one line and exits 1 for out-of-order rows (train and score)', async () => {
    const yaml = f('seq.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(yaml, 'model: transformer\nschema: endpoint-v1\ntransformer: {d_model: 8, heads: 2, feed_forward: 16}\nsequence: {window: 4}\ntraining: {epochs: 1}\n');
    const t = await run('train', '--data', f('seq.npy'), '--hosts', f('hosts.npy'), '--timestamps', f('ts-bad.npy'), '--out-dir', f('cli'), '--config', yaml, '--quiet');
    expect(t.code).toBe(1);
    expectOneLineError(t, /ts-bad\.npy: host 2 rows must be in time order, got row 49 at time \d+ before row 48 at time \d+/);
    const s = await run('score', '--model', f('ok/model.safetensors'), '--data', f('seq.npy'), '--hosts', f('hosts.npy'), '--timestamps', f('ts-f8-bad.npy'), '--quiet');
    expect(s.code).toBe(1);
    expectOneLineError(s, /ts-f8-bad\.npy: host 1 rows must be in time order, got row 23/);
  });
});

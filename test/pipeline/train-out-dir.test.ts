import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, TrainingError } from '../../src/errors.js';
import { generateData, train, type ProgressEvent } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';

const dir = tempDir('dadm-train-out-');
const data = join(dir, 'data.npy');

beforeAll(() => {
  generateData({ rows: 600, out: data, seed: 3 });
});

const config = smallConfig({ training: { epochs: 1 } });

describe('train output directory', () => {
  it('refuses an out-dir that is a regular file before reading the data or training', () => {
    const taken = join(dir, 'taken');
    writeFileSync(taken, 'not a directory');
    const events: ProgressEvent[] = [];
    const run = (dataPath: string) => () => train({ data: dataPath, outDir: taken, config, onProgress: (e) => events.push(e) });
    expectError(run(data), InvalidOptionError, new RegExp(`^train: output directory ${escapeRegExp(taken)} must be a writable directory, got a regular file$`));
    // The check comes first: a missing data file is not even looked at.
    expectError(run(join(dir, 'absent.npy')), InvalidOptionError, /^train: output directory .*taken must be a writable directory, got a regular file$/);
    expect(events).toEqual([]);
    expect(readFileSync(taken, 'utf8')).toBe('not a directory');
  });

  it('refuses an out-dir below a regular file (ENOTDIR) before training', () => {
    const below = join(dir, 'taken-too', 'out');
    writeFileSync(join(dir, 'taken-too'), 'x');
    const events: ProgressEvent[] = [];
    const run = () => train({ data, outDir: below, config, onProgress: (e) => events.push(e) });
    expectError(run, InvalidOptionError, new RegExp(`^train: output directory ${escapeRegExp(below)} must be a writable directory, got ENOTDIR \\(a part of the path is a file\\)$`));
    expect(events).toEqual([]);
  });

  it('writes no file and keeps old outputs when one output cannot be written', () => {
    const out = join(dir, 'blocked');
    mkdirSync(join(out, 'metrics.json'), { recursive: true }); // a directory where metrics.json must go
    writeFileSync(join(out, 'model.safetensors'), 'old model');
    const events: ProgressEvent[] = [];
    const run = () => train({ data, outDir: out, config, onProgress: (e) => events.push(e) });
    expectError(run, InvalidOptionError, new RegExp(`^${escapeRegExp(join(out, 'metrics.json'))}: output path must not be a directory, got a directory$`));
    expect(events.some((e) => e.kind === 'epoch')).toBe(true); // it failed at the end, after training
    expect(readdirSync(out).sort()).toEqual(['metrics.json', 'model.safetensors']);
    expect(readFileSync(join(out, 'model.safetensors'), 'utf8')).toBe('old model');
  });

  it('removes the directories it created when training fails', () => {
    const top = join(dir, 'new-top');
    const out = join(top, 'nested', 'out');
    const bad = smallConfig({ training: { epochs: 1, learningRate: 1e30 } });
    expectError(() => train({ data, outDir: out, config: bad }), TrainingError, /^train: loss must be finite/);
    expect(existsSync(top)).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });

  it('creates a missing out-dir with parents and writes exactly the three files', () => {
    const out = join(dir, 'made', 'here');
    const r = train({ data, outDir: out, config });
    expect(readdirSync(out).sort()).toEqual(['drift_reference.npz', 'metrics.json', 'model.safetensors']);
    expect(r.files.metrics).toBe(join(out, 'metrics.json'));
  });
});

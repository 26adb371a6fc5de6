import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { parseConfig, defaultConfig } from '../../src/pipeline/index.js';
import { tempDir } from '../pipeline/helpers.js';
import { run, expectOneLineError } from './helpers.js';

const dir = tempDir('dadm-cli-');

describe('dadm --help / --version', () => {
  it('lists every command and prints the version', async () => {
    const h = await run('--help');
    expect(h.code).toBe(0);
    for (const c of COMMANDS) expect(h.out).toContain(c.name);
    const v = await run('--version');
    expect(v.out.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows usage, options and an example', async (name) => {
    const r = await run(name, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: dadm ${name}`));
    expect(r.out).toContain('Options:');
    expect(r.out).toMatch(/Examples?:\n {2}dadm /);
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['nope'], /^dadm: command must be one of .*got 'nope'/],
    [['train', '--data'], /^dadm train: --data must have a value, got nothing/],
    [['train', '--data', 'x.npy', '--bogus'], /^dadm train: options must be known flags, got --bogus/],
    [['train', '--out-dir', 'o'], /^dadm train: --data must be given, got nothing/],
    [['gen-data', '--rows', 'ten', '--out', 'x.npy'], /^dadm gen-data: --rows must be an integer in \[1, 100000000\], got 'ten'/],
    [['gen-data', '--rows', '1e12', '--out', 'x.npy'], /^dadm gen-data: --rows must be an integer in \[1, 100000000\], got '1e12'/],
    [['gen-data', '--rows', '10', '--out', 'x.npy', '--rows', '20'], /^dadm gen-data: --rows must be given once, got '10', '20'; run dadm gen-data --help\n/],
    [['gen-data', '--rows', '10', '--out', 'x.npy', 'extra'], /^dadm gen-data: arguments must be --flags, got 'extra'/],
    [['train', '--data', 'x.npy', '--out-dir', 'o', '--model', 'svm'], /^dadm train: --model must be one of autoencoder, iforest, ecod, ensemble, transformer, got 'svm'/],
    // Out-of-range numbers are usage errors too, checked before any file is read.
    [['export-onnx', '--checkpoint', 'missing.safetensors', '--output', 'x.onnx', '--opset', '99'], /^dadm export-onnx: --opset must be an integer in \[13, 21\], got '99'/],
    [['gen-data', '--rows', '10', '--out', 'x.npy', '--anomaly-rate', '1.5'], /^dadm gen-data: --anomaly-rate must be a number in \[0, 1\], got '1\.5'/],
    [['train', '--data', 'x.npy', '--out-dir', 'o', '--epochs', '0'], /^dadm train: --epochs must be an integer in \[1, 100000\], got '0'/],
    [['train', '--data', 'x.npy', '--out-dir', 'o', '--epochs', '1e12'], /^dadm train: --epochs must be an integer in \[1, 100000\], got '1e12'/],
    [['train', '--data', 'x.npy', '--out-dir', 'o', '--epochs', '100001'], /^dadm train: --epochs must be an integer in \[1, 100000\], got '100001'/],
    [['train', '--data', 'x.npy', '--out-dir', 'o', '--seed', '2.0'], /^dadm train: --seed must be an integer >= 0, got '2\.0'/],
    [['score', '--model', 'm', '--data', 'x.npy', '--quiet', '--quiet'], /^dadm score: --quiet must be given once, got --quiet, --quiet; run dadm score --help\n/],
    [['score', '--model', 'm', '--data', 'x.npy', '-q', '--quiet'], /^dadm score: --quiet must be given once, got --quiet, --quiet; run dadm score --help\n/],
    [['train', '--data', '-', '--out-dir', 'o'], /^dadm train: --data must name a file \(train reads it once to check it, then once per epoch\), got '-'; run dadm train --help\n/],
    [['train', '--data', 'x.npy', '--out-dir', '-'], /^dadm train: --out-dir must name a directory \(dadm train reads and writes no standard stream\), got '-'; run dadm train --help\n/],
    [['score', '--model', '-', '--data', 'x.npy'], /^dadm score: --model must name a file \(only --data, --output take '-'\), got '-'; run dadm score --help\n/],
    [['report', '--model', 'm', '--data', '-', '--output', 'r.html'], /^dadm report: --data must name a file \(report reads it once per section\), got '-'/],
    [['quantize', '--model', 'm.onnx', '--output', 'q.onnx', '--check-data', '-'], /^dadm quantize: --check-data must name a file \(quantize scores it with both models\), got '-'/],
    [['quantize', '--model', 'm.onnx', '--output', 'q.onnx', '--min-weights', '-1'], /^dadm quantize: --min-weights must be an integer >= 0, got '-1'/],
    [['explain', '--model', 'm.onnx', '--data', 'x.npy', '--top-k', '0'], /^dadm explain: --top-k must be an integer >= 1, got '0'/],
    [['demo', '--rows', '1'], /^dadm demo: --rows must be an integer >= 2, got '1'/],
  ])('%j', async (argv, pattern) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expectOneLineError(r, pattern);
  });
});

describe('gen-data -> train -> score', () => {
  const data = join(dir, 'data.npy');
  const labels = join(dir, 'labels.npy');
  const cfg = join(dir, 'config.yaml');

  it('runs end to end with JSON summaries', async () => {
    const g = await run('gen-data', '--rows', '3000', '--out', data, '--anomaly-rate', '0.03', '--labels', labels, '--json');
    expect(g.code).toBe(0);
    expect(JSON.parse(g.out).anomalies).toBe(90);
    const ic = await run('init-config', '--out', cfg);
    expect(ic.code).toBe(0);
    expect(parseConfig(readFileSync(cfg, 'utf8'))).toEqual(defaultConfig());
    writeFileSync(cfg, 'autoencoder:\n  hidden_dims: [16, 4]\ntraining:\n  batch_size: 64\n');
    const t = await run('train', '--data', data, '--out-dir', join(dir, 'out'), '--config', cfg, '--epochs', '3', '--json');
    expect(t.code).toBe(0);
    expect(t.err.match(/^epoch \d\/3 /gm)).toHaveLength(3); // stderr is not a TTY: one line per epoch
    expect(JSON.parse(t.out).metrics.epochs).toHaveLength(3);
    const s = await run('score', '--model', join(dir, 'out', 'model.safetensors'), '--data', data, '--labels', labels, '--output', join(dir, 's.npy'), '--json');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out).labels.rocAuc).toBeGreaterThan(0.8);
    expect(existsSync(join(dir, 's.npy'))).toBe(true);
  });

  it('--quiet prints nothing on a successful run', async () => {
    const t = await run('train', '--data', data, '--out-dir', join(dir, 'q'), '--config', cfg, '--epochs', '1', '--quiet');
    expect(t).toEqual({ code: 0, out: '', err: '' });
  });

  it('init-config keeps an existing file unless --force', async () => {
    const r = await run('init-config', '--out', cfg);
    expect(r.code).toBe(1);
    expectOneLineError(r, /config\.yaml: file must not exist yet \(pass --force to overwrite\)/);
    expect((await run('init-config', '--out', cfg, '--force')).code).toBe(0);
  });

  it('reports an unknown config key on one line, exit 1, nothing written', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'trainng:\n  epochs: 3\n');
    const r = await run('train', '--data', data, '--out-dir', join(dir, 'o-bad'), '--config', bad);
    expect(r.code).toBe(1);
    expectOneLineError(r, /^dadm train: .*bad\.yaml: unknown key trainng \(did you mean training\?\)/);
    expect(existsSync(join(dir, 'o-bad'))).toBe(false);
  });

  it('reports NaN loss, a non-npy file and a foreign checkpoint on one line, exit 1', async () => {
    const lr = join(dir, 'lr.yaml');
    writeFileSync(lr, 'training:\n  learning_rate: 1.0e+30\n  epochs: 2\n');
    const r1 = await run('train', '--data', data, '--out-dir', join(dir, 'o-lr'), '--config', lr, '--quiet');
    expect(r1.code).toBe(1);
    expectOneLineError(r1, /^dadm train: loss must be finite, got \S+ at epoch \d+, step \d+/);
    expect(existsSync(join(dir, 'o-lr')) ? readdirSync(join(dir, 'o-lr')) : []).toEqual([]);
    const junk = join(dir, 'junk.npy');
    writeFileSync(junk, 'not numpy');
    const r2 = await run('score', '--model', join(dir, 'out', 'model.safetensors'), '--data', junk);
    expect(r2.code).toBe(1);
    expectOneLineError(r2, /^dadm score: .*junk\.npy/);
    const r3 = await run('score', '--model', junk, '--data', data);
    expect(r3.code).toBe(1);
    expectOneLineError(r3, /^dadm score: .*junk\.npy/);
  });
});

describe('negative numbers as option values', () => {
  it('reads `--rows -5` as the value -5 and rejects it with the option\'s own message, exit 2', async () => {
    const r = await run('gen-data', '--rows', '-5', '--out', join(dir, 'neg.npy'));
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm gen-data: --rows must be an integer in \[1, 100000000\], got '-5'/);
    expect(existsSync(join(dir, 'neg.npy'))).toBe(false);
  });
});

describe('the dadm process', () => {
  it('runs as `node --import tsx src/cli.ts` with exit codes 0 and 2', () => {
    const ok = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(ok.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'score', '--nope'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('dadm score: options must be known flags, got --nope; run dadm score --help');
  });

  it('exits quietly with status 0 when its reader closes the pipe early (dadm ... | head)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});

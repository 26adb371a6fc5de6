/**
 * `dadm score` on real pipes (a child process): `-` is standard input / output for .npy data and
 * scores, and `--format ndjson` answers each event line as it arrives.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy, readNpyFile, writeNpy } from '../../src/io/index.js';
import { ENDPOINT_V1, generateHostData } from '../../src/schema/index.js';
import { exportOnnx, generateData, score, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';

const dir = tempDir('dadm-cli-stream-');
const model = join(dir, 'out', 'model.safetensors');
const onnxModel = join(dir, 'out', 'model.onnx');
const data = join(dir, 'rows.npy');

beforeAll(() => {
  const train0 = join(dir, 'train.npy');
  generateData({ rows: 1000, out: train0, seed: 2 });
  train({ data: train0, outDir: join(dir, 'out'), config: smallConfig() });
  exportOnnx({ checkpoint: model, output: onnxModel, dynamicBatch: true });
  generateData({ rows: 50, out: data, seed: 4, anomalyRate: 0.2 });
}, 60_000);

interface Child {
  write(text: string | Uint8Array): void;
  end(): void;
  /** Resolves with the stdout text once it holds `n` lines. */
  lines(n: number): Promise<string[]>;
  done: Promise<{ code: number | null; out: Buffer; err: string }>;
}

function dadm(...argv: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const text = (): string => Buffer.concat(out).toString();
  return {
    write: (t) => child.stdin.write(t),
    end: () => child.stdin.end(),
    lines: (n) =>
      new Promise((resolve) => {
        const check = (): void => {
          const got = text().split('\n').filter((l) => l !== '');
          if (got.length >= n) resolve(got);
          else waiters.push(check);
        };
        check();
      }),
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err }))),
  };
}

describe('dadm score with standard streams', () => {
  it('--data - --output -: .npy rows in through a pipe, .npy scores out, the summary on stderr', async () => {
    const ref = score({ model, data });
    const c = dadm('score', '--model', model, '--data', '-', '--output', '-');
    const rows = readNpyFile(data);
    c.write(writeNpy(rows));
    c.end();
    const r = await c.done;
    expect(r.code).toBe(0);
    const scores = readNpy(new Uint8Array(r.out));
    expect(scores.shape).toEqual([50]);
    expect(Array.from(scores.data as Float32Array)).toEqual(Array.from(ref.scores));
    expect(r.err).toMatch(/^scored 50 rows with the autoencoder: \d+ \(\d+\.\d\d%\) above the threshold/);
  }, 60_000);

  it('/dev/stdin fed by a pipe is standard input, read in order like -', async () => {
    const ref = score({ model, data });
    const c = dadm('score', '--model', model, '--data', '/dev/stdin', '--output', '-');
    c.write(writeNpy(readNpyFile(data)));
    c.end();
    const r = await c.done;
    expect(r.code).toBe(0);
    expect(Array.from(readNpy(new Uint8Array(r.out)).data as Float32Array)).toEqual(Array.from(ref.scores));
  }, 60_000);

  it('a FIFO named by --data is refused by the checked open for events as for .npy, never waited on', async () => {
    const fifo = join(dir, 'events.fifo');
    spawnSync('mkfifo', [fifo], { timeout: 10_000 });
    for (const format of ['ndjson', 'npy']) {
      const c = dadm('score', '--model', model, '--format', format, '--data', fifo);
      c.end();
      const r = await c.done;
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^dadm score: .*events\.fifo: (events|data) file \(--data\) must be a regular file, got a FIFO \(named pipe\)\n$/);
    }
  }, 60_000);

  it('--format ndjson answers each event before the next one is sent, with its reasons; the count on stderr', async () => {
    const raw = generateHostData({ rows: 3, seed: 8 }).raw;
    const names = ENDPOINT_V1.featureNames.slice(0, 12);
    const line = (r: number): string => `${JSON.stringify(Object.fromEntries(names.map((n, j) => [n, raw[r * 12 + j]])))}\n`;
    const c = dadm('score', '--model', onnxModel, '--format', 'ndjson', '--explain', '2');
    c.write(line(0));
    const first = await c.lines(1);
    expect(Object.keys(JSON.parse(first[0]!))).toEqual(['score', 'flagged', 'reasons']);
    c.write('oops\n');
    await c.lines(2);
    c.write(line(2));
    const all = await c.lines(3);
    c.end();
    const r = await c.done;
    expect(r.code).toBe(0);
    expect(JSON.parse(all[1]!)).toMatchObject({ line: 2, error: expect.stringMatching(/^line must be one JSON object/) });
    expect(JSON.parse(all[2]!).reasons).toHaveLength(2);
    expect(r.err).toMatch(/^scored 2 of 3 lines: \d flagged; wrote standard output\nwarning: 1 bad line answered with an error line \(first: line 2: line must be one JSON object/);
  }, 60_000);

  it('--format csv takes --threads and --backend like --format npy', async () => {
    const c = dadm('score', '--model', model, '--format', 'csv', '--threads', '2', '--backend', 'js');
    c.write(`${ENDPOINT_V1.featureNames.slice(0, 12).join(',')}\n${'1,'.repeat(11)}1\n`);
    c.end();
    const r = await c.done;
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.out.toString()))).toEqual(['score', 'flagged']);
  }, 60_000);

  it('--fail-on-bad-line exits 1 with one line on stderr after answering the lines before', async () => {
    const c = dadm('score', '--model', model, '--format', 'csv', '--fail-on-bad-line');
    c.write(`${ENDPOINT_V1.featureNames.slice(0, 12).join(',')}\n${'1,'.repeat(11)}1\n1,2\n`);
    c.end();
    const r = await c.done;
    expect(r.code).toBe(1);
    expect(r.out.toString().trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^dadm score: <stdin>: line 3 must be a usable record, got: feature \w+ must be given, got nothing\n$/);
  }, 60_000);
});

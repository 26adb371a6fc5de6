/**
 * Streamed scoring (`scoreLines` behind `dadm score --format ndjson|csv`, and `scoreStream`): raw
 * endpoint events by name give exactly the scores of the same rows normalized into a .npy by gen-data
 * and scored by `score`; explanations are explain's; bad lines are answered, never fatal unless asked;
 * output is flushed batch by batch so a trickling source gets each answer before sending more.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, InvalidOptionError } from '../../src/errors.js';
import { writeNpyFile } from '../../src/io/index.js';
import { ENDPOINT_V1, generateHostData } from '../../src/schema/index.js';
import { explain, exportOnnx, generateData, score, scoreLines, scoreStream, train, type ScoreLinesOptions } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from './helpers.js';

const dir = tempDir('dadm-score-stream-');
const ROWS = 40;
const SEED = 5;
const names = ENDPOINT_V1.featureNames.slice(0, 12);
const ae = join(dir, 'ae', 'model.safetensors');
const onnxModel = join(dir, 'ae', 'model.onnx');
const forest = join(dir, 'if', 'model.safetensors');
const events = join(dir, 'events.npy');
let raw: Float32Array;

beforeAll(() => {
  const data = join(dir, 'data.npy');
  generateData({ rows: 1500, out: data, seed: 1, anomalyRate: 0.03 });
  train({ data, outDir: join(dir, 'ae'), config: smallConfig() });
  train({ data, outDir: join(dir, 'if'), config: smallConfig({ iforest: { nEstimators: 10 } }), model: 'iforest' });
  exportOnnx({ checkpoint: ae, output: onnxModel, dynamicBatch: true });
  // The same rows twice: raw events (generateHostData) and gen-data's normalized model input.
  generateData({ rows: ROWS, out: events, seed: SEED, anomalyRate: 0.3 });
  raw = generateHostData({ rows: ROWS, seed: SEED, anomalyRate: 0.3 }).raw;
}, 60_000);

function eventObject(r: number): Record<string, number | string> {
  const o: Record<string, number | string> = { host: `h${r}` };
  names.forEach((n, j) => (o[n] = raw[r * 12 + j]!));
  return o;
}

const ndjson = (): string => Array.from({ length: ROWS }, (_, r) => JSON.stringify(eventObject(r))).join('\n') + '\n';
const csv = (): string =>
  ['host,' + names.join(','), ...Array.from({ length: ROWS }, (_, r) => `h${r},` + names.map((_, j) => raw[r * 12 + j]).join(','))].join('\r\n') + '\r\n';

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function runLines(opts: Omit<ScoreLinesOptions, 'write' | 'input'> & { text: string; chunk?: number }): Promise<{ out: Record<string, unknown>[]; result: Awaited<ReturnType<typeof scoreLines>> }> {
  let text = '';
  const { text: input, chunk, ...rest } = opts;
  const result = await scoreLines({ ...rest, input: chunks(input, chunk ?? 97), write: (t) => void (text += t) });
  return { out: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), result };
}

describe('scoreLines', () => {
  for (const [format, text] of [['ndjson', ndjson], ['csv', csv]] as const) {
    it(`${format}: raw events score exactly like gen-data's normalized rows, for the checkpoint and the .onnx`, async () => {
      for (const model of [ae, onnxModel, forest]) {
        const ref = score({ model, data: events });
        const { out, result } = await runLines({ model, format, text: text(), keep: ['host'] });
        expect(result).toMatchObject({ scored: ROWS, badLines: 0, flagged: ref.flagged });
        expect(out.map((o) => o.host)).toEqual(Array.from({ length: ROWS }, (_, r) => `h${r}`));
        expect(out.map((o) => o.score)).toBeAllclose(ref.scores, { rtol: 1e-6 });
        expect(out.map((o) => o.flagged)).toEqual(Array.from(ref.scores, (s) => s > ref.threshold));
      }
    });
  }

  it('with explain K lists the reasons explain gives for the row (reconstruction, and Shapley values for a forest)', async () => {
    for (const [model, method] of [[ae, 'reconstruction'], [forest, 'shap']] as const) {
      const first12 = ndjson().split('\n').slice(0, 12).join('\n');
      const { out } = await runLines({ model, format: 'ndjson', text: first12, explain: 3 });
      const ref = explain({ model, data: events, method, topK: 3, rows: [0, 7, 11] });
      for (const e of ref.explained) {
        const reasons = out[e.row]!.reasons as { feature: string; contribution: number; value: number }[];
        expect(reasons.map((f) => f.feature)).toEqual(e.top.map((f) => f.name));
        expect(reasons.map((f) => f.contribution)).toBeAllclose(e.top.map((f) => f.contribution), { rtol: 1e-5, atol: 1e-7 });
        // Values are reported as given: raw units.
        expect(reasons.map((f) => f.value)).toEqual(e.top.map((f) => raw[e.row * 12 + f.feature]));
      }
    }
  });

  it('answers bad lines with an error line and goes on; failOnBadLine stops at the first', async () => {
    const good = JSON.stringify(eventObject(0));
    const missing = eventObject(1);
    delete missing[names[3]!];
    const text = [good, '{not json', '', JSON.stringify(missing), JSON.stringify({ ...eventObject(2), [names[0]!]: -1 }), '[1,2]', JSON.stringify({ ...eventObject(3), [names[5]!]: 'many' }), good].join('\n');
    const { out, result } = await runLines({ model: ae, format: 'ndjson', text, keep: ['host'] });
    expect(result).toMatchObject({ lines: 8, scored: 2, badLines: 5, firstBadLine: { line: 2 } });
    expect(out.map((o) => o.line ?? null)).toEqual([null, 2, 4, 5, 6, 7, null]);
    expect(out[1]!.error).toMatch(/^line must be one JSON object, got /);
    expect(out[2]).toEqual({ line: 4, host: 'h1', error: `feature ${names[3]} must be given, got nothing` });
    expect(out[3]!.error).toBe(`feature ${names[0]} must be a finite number >= 0, got -1`);
    expect(out[4]!.error).toBe('row must have 64 values (schema endpoint-v1), got 2');
    expect(out[5]!.error).toBe(`feature ${names[5]} must be a number, got "many"`);
    expect(out[6]!.score).toBe(out[0]!.score);

    let written = '';
    const failing = scoreLines({ model: ae, format: 'ndjson', input: chunks(text, 5), source: 'events.ndjson', failOnBadLine: true, write: (t) => void (written += t) });
    await expect(failing).rejects.toThrow(DataError);
    await expect(failing).rejects.toThrow(/^events\.ndjson: line 2 must be a usable record, got: line must be one JSON object, got /);
    expect(written.trim().split('\n')).toHaveLength(1);
  });

  it('scores on the threads asked for, like score on .npy (one options path): same scores, bad counts refused', async () => {
    for (const model of [ae, forest]) {
      const ref = score({ model, data: events });
      const { out } = await runLines({ model, format: 'ndjson', text: ndjson(), threads: 2, batchRows: 16 });
      expect(out.map((o) => o.score)).toBeAllclose(ref.scores, { rtol: 1e-6 });
    }
    await expect(runLines({ model: ae, format: 'ndjson', text: ndjson(), threads: 0 })).rejects.toThrow(InvalidOptionError);
    await expect(runLines({ model: ae, format: 'ndjson', text: ndjson(), threads: 0 })).rejects.toThrow(/^score: threads must be/);
  });

  it('refuses a CSV header without the schema\'s features, naming the missing ones', async () => {
    const text = 'host,a,b\nh,1,2\n';
    await expect(runLines({ model: ae, format: 'csv', text, source: 'x.csv' })).rejects.toThrow(
      new RegExp(`^x\\.csv: line 1: header must name every feature of schema endpoint-v1, got no column ${names[0]}, ${names[1]}, ${names[2]}, \\.\\.\\. \\(12 missing\\)$`),
    );
  });

  it('answers a trickling source line by line (each answer is written before the next line is sent)', async () => {
    const lines = ndjson().split('\n').filter((l) => l !== '').slice(0, 5);
    let answers = 0;
    let release: (() => void) | null = null;
    async function* trickle(): AsyncGenerator<string> {
      for (let i = 0; i < lines.length; i++) {
        yield `${lines[i]}\n`;
        // The next line comes only once this one has been answered.
        await new Promise<void>((resolve) => (answers > i ? resolve() : (release = resolve)));
      }
    }
    const result = await scoreLines({
      model: onnxModel,
      format: 'ndjson',
      input: trickle(),
      write: (t) => {
        answers += t.split('\n').length - 1;
        release?.();
      },
    });
    expect(result.scored).toBe(5);
    expect(answers).toBe(5);
  });

  it('holds at most one batch: output comes in writes of at most batchRows lines, each awaited (back-pressure)', async () => {
    const many = ndjson().repeat(25);
    const sizes: number[] = [];
    let pending = 0;
    const result = await scoreLines({
      model: ae,
      format: 'ndjson',
      input: chunks(many, 1 << 16),
      batchRows: 64,
      write: async (t) => {
        expect(pending).toBe(0);
        pending++;
        sizes.push(t.split('\n').length - 1);
        await new Promise((r) => setTimeout(r, 1));
        pending--;
      },
    });
    expect(result.scored).toBe(25 * ROWS);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(25 * ROWS);
  });

  it('reads a generic (schema: none) model\'s events as a features array', async () => {
    const gdir = join(dir, 'generic');
    const rows = new Float32Array(300 * 5);
    for (let i = 0; i < rows.length; i++) rows[i] = Math.sin(i * 0.37) * 2;
    writeNpyFile(join(gdir + '.npy'), { data: rows, shape: [300, 5] });
    train({ data: gdir + '.npy', outDir: gdir, config: smallConfig({ schema: 'none', autoencoder: { hiddenDims: [4, 2] } }) });
    const model = join(gdir, 'model.safetensors');
    const text = [0, 1, 2].map((r) => JSON.stringify({ features: Array.from(rows.subarray(r * 5, r * 5 + 5)) })).join('\n');
    const { out } = await runLines({ model, format: 'ndjson', text });
    expect(out.map((o) => o.score)).toBeAllclose(score({ model, data: gdir + '.npy' }).scores.subarray(0, 3), { rtol: 1e-6 });
    const named = await runLines({ model, format: 'ndjson', text: JSON.stringify({ f0: 1 }) });
    expect(named.out[0]!.error).toBe('feature f1 must be given, got nothing');
  });
});

describe('scoreStream', () => {
  it('yields one result per record in order, for objects, rows and async sources', async () => {
    const ref = score({ model: ae, data: events });
    async function* records(): AsyncGenerator<Record<string, unknown>> {
      for (let r = 0; r < ROWS; r++) yield eventObject(r);
    }
    const got = [];
    for await (const s of scoreStream(ae, records())) got.push(s);
    expect(got.map((s) => s.index)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(got.map((s) => ('score' in s ? s.score : NaN))).toBeAllclose(ref.scores, { rtol: 1e-6 });
    const rows = [new Float32Array(64), 'nope' as unknown as Float32Array];
    const mixed = [];
    for await (const s of scoreStream(onnxModel, rows)) mixed.push(s);
    expect(mixed[0]).toMatchObject({ index: 0, flagged: false });
    expect(mixed[1]).toEqual({ index: 1, error: 'record must be a JSON object, got "nope"' });
  });

  it('throws InvalidOptionError at the first unusable record with failOnBadRecord', async () => {
    const run = async (): Promise<void> => {
      for await (const _ of scoreStream(ae, [eventObject(0), { x: 1 }], { failOnBadRecord: true })) void _;
    };
    await expect(run()).rejects.toThrow(InvalidOptionError);
    await expect(run()).rejects.toThrow(`scoreStream: record 1 must be usable, got: feature ${names[0]} must be given, got nothing`);
  });

  it('takes threads like score: the same scores from worker threads', async () => {
    const ref = score({ model: ae, data: events });
    const got = [];
    for await (const s of scoreStream(ae, Array.from({ length: ROWS }, (_, r) => eventObject(r)), { threads: 2 })) got.push(s);
    expect(got.map((s) => ('score' in s ? s.score : NaN))).toBeAllclose(ref.scores, { rtol: 1e-6 });
  });

  it('refuses a bad batch size', async () => {
    await expect(scoreStream(ae, [], { batchRows: 0 }).next()).rejects.toThrow(InvalidOptionError);
    await expect(scoreStream(ae, [], { batchRows: 0 }).next()).rejects.toThrow(/^scoreStream: batchRows must be an integer >= 1, got 0$/);
  });
});

/**
 * docs/examples/edge-agent.mjs, run as the docs describe it, on small models written with
 * src/protobuf; the expected scores are float64 forward passes written out here.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { encodeModel, type GraphProto, type NodeProto, type TensorProto } from '../../src/protobuf/index.js';
import { Random } from '../../src/tensor/index.js';

// The example imports the package by name, as a user would; in the repository that is src/runtime.
vi.mock('dadm/runtime', () => import('../../src/runtime/index.js'));

interface Result {
  event: number;
  score?: number | null;
  flagged?: boolean;
  reason?: string;
  error?: string;
}
interface Agent {
  handle(row: Float32Array): Result;
  reload(path?: string): boolean;
  lastReloadError: string | null;
  stats: Record<string, number>;
}
interface Example {
  EdgeAgent: new (path: string, options: { features: number; window?: number }) => Agent;
  main(args: string[], io: { input: Readable; output: PassThrough; log: PassThrough }): Promise<Record<string, number>>;
}
const EXAMPLE = '../../docs/examples/edge-agent.mjs';
const { EdgeAgent, main } = (await import(EXAMPLE)) as Example;

const D = 4;
const H = 3;
const dir = mkdtempSync(join(tmpdir(), 'dadm-edge-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const floats = (name: string, dims: number[], data: Float32Array): TensorProto => ({ name, dataType: 1, dims, floatData: Array.from(data) });
const node = (opType: string, input: string[], output: string[], attribute: NodeProto['attribute'] = []): NodeProto => ({ opType, input, output, name: output[0], attribute });
const tensorType = (dims: (number | string)[]) => ({ tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } });

/** Model bytes with a threshold in the metadata, as dadm's exporters write one. */
function modelBytes(threshold: string, graph: GraphProto): Uint8Array {
  return encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], metadataProps: [{ key: 'dadm.threshold', value: threshold }], graph });
}

interface Autoencoder {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** D-H-D ReLU autoencoder scoring mean squared reconstruction error, as dadm exports it. */
function autoencoder(seed: number, width = D): { bytes: Uint8Array; net: Autoencoder } {
  const rng = new Random(seed);
  const net = {
    w1: rng.normalFill(new Float32Array(H * width), 0, 0.5),
    b1: rng.normalFill(new Float32Array(H), 0, 0.1),
    w2: rng.normalFill(new Float32Array(width * H), 0, 0.5),
    b2: rng.normalFill(new Float32Array(width), 0, 0.1),
  };
  const bytes = modelBytes('0.5', {
    name: 'ae',
    node: [
      node('Gemm', ['input', 'w1', 'b1'], ['h'], [{ name: 'transB', type: 2, i: 1 }]),
      node('Relu', ['h'], ['a']),
      node('Gemm', ['a', 'w2', 'b2'], ['recon'], [{ name: 'transB', type: 2, i: 1 }]),
      node('Sub', ['recon', 'input'], ['diff']),
      node('Mul', ['diff', 'diff'], ['sq']),
      node('ReduceMean', ['sq'], ['score'], [{ name: 'axes', type: 7, ints: [1] }, { name: 'keepdims', type: 2, i: 0 }]),
    ],
    initializer: [floats('w1', [H, width], net.w1), floats('b1', [H], net.b1), floats('w2', [width, H], net.w2), floats('b2', [width], net.b2)],
    input: [{ name: 'input', type: tensorType(['batch', width]) }],
    output: [{ name: 'score', type: tensorType(['batch']) }],
  });
  return { bytes, net };
}

/** The same autoencoder in float64, from its definition. */
function reference(net: Autoencoder, x: ArrayLike<number>): number {
  const a = Array.from({ length: H }, (_, j) => Math.max(0, net.b1[j]! + Array.from(x).reduce((s, v, k) => s + v * net.w1[j * x.length + k]!, 0)));
  let sum = 0;
  for (let k = 0; k < x.length; k++) {
    const r = net.b2[k]! + a.reduce((s, v, j) => s + v * net.w2[k * H + j]!, 0);
    sum += (r - x[k]!) ** 2;
  }
  return sum / x.length;
}

function writeModel(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  return path;
}

describe('docs/examples/edge-agent.mjs: scoring events', () => {
  const a = autoencoder(1);
  const path = writeModel('a.onnx', a.bytes);
  const rows = Array.from({ length: 20 }, (_, i) => new Random(100 + i).normalFill(new Float32Array(D), 0, 1.5));

  it('scores each event like the float64 forward pass and flags scores above dadm.threshold', () => {
    const agent = new EdgeAgent(path, { features: D });
    for (const row of rows) {
      const got = agent.handle(row);
      const want = reference(a.net, row);
      expect(got.score).toBeAllclose(want, { rtol: 1e-5, atol: 1e-6 });
      if (Math.abs(want - 0.5) > 1e-4) expect(got.flagged).toBe(want > 0.5);
    }
    expect(agent.stats.events).toBe(rows.length);
  });

  it('turns a non-finite score into an alert and a bad event into an error line, and keeps going', () => {
    const agent = new EdgeAgent(path, { features: D });
    // Squared errors of features near 1e20 overflow float32.
    expect(agent.handle(Float32Array.of(1e20, -1e20, 1e20, 3e19))).toMatchObject({ score: null, flagged: true, reason: 'non-finite score' });
    expect(agent.handle(Float32Array.of(1, Number.NaN, 0, 0)).error).toMatch(/element 1 must be finite, got NaN/);
    expect(agent.handle(Float32Array.of(1, 2)).error).toMatch(/must have 4 values, got 2/);
    expect(agent.handle(rows[0]!).score).toBeAllclose(reference(a.net, rows[0]!), { rtol: 1e-5, atol: 1e-6 });
    expect(agent.stats).toMatchObject({ events: 4, alerts: 1 + Number(reference(a.net, rows[0]!) > 0.5), nonFinite: 1, errors: 2 });
  });

  it('runs as a command: NDJSON rows in, one NDJSON result per row out, bad lines reported', async () => {
    const input = Readable.from([...rows.slice(0, 3).map((r) => JSON.stringify(Array.from(r))), 'not json', ''].join('\n'));
    const output = new PassThrough();
    const log = new PassThrough();
    const stats = await main([path, '--features', String(D)], { input, output, log });
    const lines = String(output.read()).trim().split('\n').map((l) => JSON.parse(l) as { event: number; score?: number; error?: string });
    expect(lines.map((l) => l.event)).toEqual([0, 1, 2, 3]);
    expect(lines[1]!.score).toBeAllclose(reference(a.net, rows[1]!), { rtol: 1e-5, atol: 1e-6 });
    expect(lines[3]!.error).toMatch(/^line must be a JSON array of numbers/);
    expect(stats).toMatchObject({ events: 4, errors: 1 });
    expect(JSON.parse(String(log.read()))).toEqual(stats);
  });
});

describe('docs/examples/edge-agent.mjs: reloading', () => {
  it('swaps to a new model renamed over the file, and keeps the old one when the new one cannot load', () => {
    const first = autoencoder(2);
    const second = autoencoder(3);
    const path = writeModel('reload.onnx', first.bytes);
    const agent = new EdgeAgent(path, { features: D });
    const row = Float32Array.of(0.3, -1, 2, 0.5);
    expect(agent.handle(row).score).toBeAllclose(reference(first.net, row), { rtol: 1e-5, atol: 1e-6 });

    writeModel('reload.onnx', second.bytes);
    expect(agent.reload()).toBe(true);
    expect(agent.handle(row).score).toBeAllclose(reference(second.net, row), { rtol: 1e-5, atol: 1e-6 });

    for (const broken of [second.bytes.subarray(0, 40), autoencoder(4, D + 1).bytes]) {
      writeModel('reload.onnx', broken);
      expect(agent.reload()).toBe(false);
      expect(agent.handle(row).score).toBeAllclose(reference(second.net, row), { rtol: 1e-5, atol: 1e-6 });
    }
    expect(agent.lastReloadError).toMatch(/must have 4 values, got 5|must have 5 values, got 4/);
    expect(agent.stats).toMatchObject({ reloads: 1, failedReloads: 2 });
  });
});

describe('docs/examples/edge-agent.mjs: a window of the last T events ([1, T, D], the transformer input)', () => {
  it('scores the last T rows oldest first once T rows have arrived', () => {
    const T = 3;
    // score = sum over the window of position weight t+1 times feature k+1 times x[t, k]: order matters.
    const weights = Float32Array.from({ length: T * D }, (_, i) => (Math.floor(i / D) + 1) * ((i % D) + 1));
    const bytes = modelBytes('1e9', {
      name: 'window',
      node: [node('Reshape', ['input', 'flat_shape'], ['flat']), node('MatMul', ['flat', 'weights'], ['col']), node('Reshape', ['col', 'score_shape'], ['score'])],
      initializer: [
        { name: 'flat_shape', dataType: 7, dims: [2], int64Data: [1, T * D] },
        { name: 'score_shape', dataType: 7, dims: [1], int64Data: [1] },
        floats('weights', [T * D, 1], weights),
      ],
      input: [{ name: 'input', type: tensorType([1, T, D]) }],
      output: [{ name: 'score', type: tensorType([1]) }],
    });
    const agent = new EdgeAgent(writeModel('window.onnx', bytes), { features: D, window: T });
    const rows = Array.from({ length: 6 }, (_, i) => Float32Array.from({ length: D }, (_, k) => i * 10 + k));
    const got = rows.map((r) => agent.handle(r));
    expect(got.slice(0, T - 1).map((g) => g.reason)).toEqual(['window filling', 'window filling']);
    for (let i = T - 1; i < rows.length; i++) {
      let want = 0;
      for (let t = 0; t < T; t++) for (let k = 0; k < D; k++) want += (t + 1) * (k + 1) * rows[i - T + 1 + t]![k]!;
      expect(got[i]!.score).toBeAllclose(want, { rtol: 1e-6, atol: 0 });
    }
  });
});

/**
 * The PyTorch-exported models in test/fixtures/onnx (copied from ../shared/reference/onnx) against
 * expected.json (float64 references) and against onnxruntime-web on random inputs.
 * Tolerance (float32 engine vs float64 reference, per the reference README):
 * |got - ref| <= atol + rtol |ref| with rtol = 1e-4, atol = 1e-5 * max(1, max|ref|).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/runtime/index.js';

ort.env.wasm.numThreads = 1;

interface T {
  shape: number[];
  data: number[];
}
interface Expected {
  autoencoder: { cases: { id: string; input: T; score: T; reconstruction: T }[] };
  transformer_encoder_layer: { input: T; output: T };
}

const dir = join(import.meta.dirname, '..', 'fixtures', 'onnx');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
const AUTOENCODERS = ['autoencoder_opset13.onnx', 'autoencoder_opset17.onnx'];
const TRANSFORMER = 'transformer_encoder_layer_opset17.onnx';

describe('PyTorch-exported autoencoders', () => {
  for (const name of AUTOENCODERS) {
    const model = loadOnnx(file(name));
    it(`${name}: exposes input/output names`, () => {
      expect(model.inputNames).toEqual(['input']);
      expect(model.outputNames).toEqual(['score', 'reconstruction']);
    });
    for (const c of expected.autoencoder.cases) {
      it(`${name}: reproduces expected.json case ${c.id}`, () => {
        const out = model.run({ input: { data: Float32Array.from(c.input.data), shape: c.input.shape } });
        expect(out.score!.shape).toEqual(c.score.shape);
        expect(out.reconstruction!.shape).toEqual(c.reconstruction.shape);
        expect(out.score!.data).toBeAllclose(c.score.data);
        expect(out.reconstruction!.data).toBeAllclose(c.reconstruction.data);
      });
    }
    it(`${name}: score(row) equals the single-row reference`, () => {
      const c = expected.autoencoder.cases.find((x) => x.id === 'single_row')!;
      expect(model.score(Float32Array.from(c.input.data))).toBeAllclose(c.score.data);
    });
  }
});

describe('PyTorch-exported transformer encoder layer', () => {
  it('reproduces expected.json output [4,16,32]', () => {
    const t = expected.transformer_encoder_layer;
    const model = loadOnnx(file(TRANSFORMER));
    const out = model.run({ input: { data: Float32Array.from(t.input.data), shape: t.input.shape } });
    expect(out.output!.shape).toEqual([4, 16, 32]);
    expect(out.output!.data).toBeAllclose(t.output.data);
  });
});

describe('agreement with onnxruntime-web on random inputs', () => {
  const sessions = new Map<string, ort.InferenceSession>();
  beforeAll(async () => {
    for (const name of [...AUTOENCODERS, TRANSFORMER]) sessions.set(name, await ort.InferenceSession.create(file(name)));
  });

  const values = (n: number): fc.Arbitrary<number[]> =>
    fc.array(fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }).map(Math.fround), { minLength: n, maxLength: n });

  for (const name of AUTOENCODERS) {
    it(`${name}: same score and reconstruction for random batches`, async () => {
      const model = loadOnnx(file(name));
      const session = sessions.get(name)!;
      const arb = fc.integer({ min: 1, max: 9 }).chain((batch) => values(batch * 64).map((data) => ({ batch, data })));
      await fc.assert(
        fc.asyncProperty(arb, async ({ batch, data }) => {
          const x = Float32Array.from(data);
          const ref = await session.run({ input: new ort.Tensor('float32', x, [batch, 64]) });
          const got = model.run({ input: x });
          expect(got.score!.shape).toEqual([batch]);
          expect(got.score!.data).toBeAllclose(ref.score!.data as Float32Array, { rtol: 1e-4, atol: 1e-5 });
          expect(got.reconstruction!.data).toBeAllclose(ref.reconstruction!.data as Float32Array, { rtol: 1e-4, atol: 1e-5 });
        }),
        { seed: 42, numRuns: 6 },
      );
    });
  }

  it(`${TRANSFORMER}: same output for random inputs`, async () => {
    const model = loadOnnx(file(TRANSFORMER));
    const session = sessions.get(TRANSFORMER)!;
    await fc.assert(
      fc.asyncProperty(values(4 * 16 * 32), async (data) => {
        const x = Float32Array.from(data);
        const ref = await session.run({ input: new ort.Tensor('float32', x, [4, 16, 32]) });
        const got = model.run({ input: { data: x, shape: [4, 16, 32] } });
        const want = ref.output!.data as Float32Array;
        // Two float32 implementations of the same layer, each off the exact result by about
        // u * sqrt(K) * max|out| (u = 2^-24, K = 64 = dim_feedforward, the longest sum before the
        // final LayerNorm); allow twice that per side: 4 u sqrt(K) max|out| ~ 1.4e-5 at max|out| ~ 7.5.
        // Measured: at most 1.2e-6 over 23 random inputs (seeds 42 and 7). Absolute, not relative:
        // LayerNorm outputs near 0 carry the absolute rounding error of their whole row.
        const atol = 4 * 2 ** -24 * Math.sqrt(64) * want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(got.output!.data).toBeAllclose(want, { rtol: 0, atol });
      }),
      { seed: 42, numRuns: 3 },
    );
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { type AutoencoderExportOptions, type AutoencoderExportSpec, exportAutoencoder } from '../../src/onnx-writer/index.js';
import { checkModel, encodeModel, onnx, toNumber } from '../../src/onnx/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { naiveAutoencoder, runOrt } from './export-helpers.js';
import { expectError } from '../tensor/expect-error.js';

type Activation = AutoencoderExportSpec['activation'];

interface SpecConfig {
  widths: readonly number[];
  activation: Activation;
  scaler: boolean;
  active: readonly number[] | null;
  seed: number;
}

/** Random float32 weights (scaled by 1/sqrt(in)), biases and scaler from a seeded Random. */
function randomSpec(c: SpecConfig): AutoencoderExportSpec {
  const rng = new Random(c.seed);
  const D = c.widths[0]!;
  const layers = c.widths.slice(1).map((nOut, i) => {
    const nIn = c.widths[i]!;
    return { weight: rng.normalFill(new Float32Array(nOut * nIn), 0, 1 / Math.sqrt(nIn)), bias: rng.normalFill(new Float32Array(nOut), 0, 0.3) };
  });
  const spec: AutoencoderExportSpec = { layers, activation: c.activation, inputDim: D, activeFeatures: c.active, metadata: { 'dadm.model_type': 'autoencoder' } };
  if (c.scaler) spec.scaler = { mean: rng.normalFill(new Float32Array(D), 0, 2), std: rng.uniformFill(new Float32Array(D), 0.5, 3) };
  return spec;
}

/** Float32 inputs around the scaler's mean (z ~ N(0, 1)) or N(0, 1) without one. */
function randomInput(spec: AutoencoderExportSpec, n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const D = spec.inputDim;
  const x = rng.normalFill(new Float32Array(n * D));
  if (spec.scaler) for (let i = 0; i < x.length; i++) x[i] = spec.scaler.mean[i % D]! + spec.scaler.std[i % D]! * x[i]!;
  return x;
}

const ENDPOINT_WIDTHS = [64, 32, 8, 32, 64];
const ACTIVE12 = [0, 3, 5, 9, 17, 21, 30, 33, 41, 50, 58, 63];
const TOL = { rtol: 1e-5, atol: 1e-5 };

async function expectOrtMatches(spec: AutoencoderExportSpec, options: AutoencoderExportOptions, batches: readonly number[]): Promise<void> {
  const bytes = encodeModel(exportAutoencoder(spec, options));
  for (const n of batches) {
    const x = randomInput(spec, n, 100 + n);
    const out = await runOrt(bytes, x, [n, spec.inputDim]);
    const ref = naiveAutoencoder(spec, x, n);
    expect(out.score!.dims).toEqual([n]);
    expect(out.reconstruction!.dims).toEqual([n, spec.inputDim]);
    expect(out.score!.data).toBeAllclose(ref.score, TOL);
    expect(out.reconstruction!.data).toBeAllclose(ref.recon, TOL);
  }
}

describe('exportAutoencoder in onnxruntime-web', () => {
  for (const activation of ['relu', 'gelu', 'tanh'] as const) {
    for (const scaler of [false, true]) {
      for (const active of [null, ACTIVE12]) {
        it(`matches a float64 forward pass (${activation}, ${scaler ? 'scaler folded' : 'no scaler'}, ${active ? '12 of 64 active' : 'all active'}) at batch 1, 3, 17`, async () => {
          const spec = randomSpec({ widths: ENDPOINT_WIDTHS, activation, scaler, active, seed: 7 });
          await expectOrtMatches(spec, { dynamicBatch: true }, [1, 3, 17]);
        });
      }
    }
  }

  it('matches with the scaler not folded, fixed batch 1, opset 13 and 18', async () => {
    for (const opset of [13, 18]) {
      const spec = randomSpec({ widths: ENDPOINT_WIDTHS, activation: 'gelu', scaler: true, active: ACTIVE12, seed: 8 });
      await expectOrtMatches(spec, { foldScaler: false, opset }, [1]);
    }
  });

  it('reproduces the PyTorch autoencoder of test/fixtures/onnx (weights from the torch export, float64 references)', async () => {
    const torchModel = onnx.decodeModel(readFileSync(new URL('../fixtures/onnx/autoencoder_opset17.onnx', import.meta.url)));
    const init = (name: string): Float32Array => {
      const t = torchModel.graph!.initializer!.find((i) => i.name === name)!;
      const raw = t.rawData!;
      return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    };
    const names = ['encoder.0', 'encoder.2', 'decoder.0', 'decoder.2'];
    const spec: AutoencoderExportSpec = {
      layers: names.map((n) => ({ weight: init(`ae.${n}.weight`), bias: init(`ae.${n}.bias`) })),
      activation: 'relu', inputDim: 64, activeFeatures: null, metadata: {},
    };
    const expected = JSON.parse(readFileSync(new URL('../fixtures/onnx/expected.json', import.meta.url), 'utf8')) as {
      autoencoder: { cases: { id: string; input: { shape: number[]; data: number[] }; score: number[]; reconstruction: { data: number[] } | number[] }[] };
    };
    const bytes = encodeModel(exportAutoencoder(spec, { dynamicBatch: true }));
    expect(expected.autoencoder.cases.length).toBe(3);
    for (const c of expected.autoencoder.cases) {
      const out = await runOrt(bytes, Float32Array.from(c.input.data), c.input.shape);
      expect(out.score!.data).toBeAllclose(c.score, { rtol: 1e-5, atol: 1e-6 });
      expect(out.reconstruction!.data).toBeAllclose(c.reconstruction, { rtol: 1e-5, atol: 1e-5 });
    }
  });
});

describe('exportAutoencoder in the dadm runtime', () => {
  const config = fc
    .record({
      widths: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
      d: fc.integer({ min: 1, max: 10 }),
      activation: fc.constantFrom<Activation>('relu', 'gelu', 'tanh'),
      scaler: fc.boolean(),
      foldScaler: fc.boolean(),
      activeMask: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
      seed: fc.integer({ min: 0, max: 1e6 }),
      n: fc.integer({ min: 1, max: 5 }),
    })
    .map((r) => {
      const active = Array.from({ length: r.d }, (_, j) => j).filter((j) => r.activeMask[j]);
      return { ...r, allWidths: [r.d, ...r.widths, r.d], active: active.length > 0 ? active.reverse() : null };
    });

  it('export → encode → loadOnnx → run equals the float64 forward pass (fast-check, seed 42)', () => {
    fc.assert(
      fc.property(config, (c) => {
        const spec = randomSpec({ widths: c.allWidths, activation: c.activation, scaler: c.scaler, active: c.active, seed: c.seed });
        const model = loadOnnx(encodeModel(exportAutoencoder(spec, { dynamicBatch: true, foldScaler: c.foldScaler })));
        const x = randomInput(spec, c.n, c.seed + 1);
        const out = model.run({ input: { data: x, shape: [c.n, c.d] } });
        const ref = naiveAutoencoder(spec, x, c.n);
        expect(out.score!.shape).toEqual([c.n]);
        expect(out.score!.data).toBeAllclose(ref.score, TOL);
        expect(out.reconstruction!.data).toBeAllclose(ref.recon, TOL);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('scores one row with OnnxModel.score on a fixed-batch export', () => {
    const spec = randomSpec({ widths: ENDPOINT_WIDTHS, activation: 'gelu', scaler: true, active: ACTIVE12, seed: 3 });
    const model = loadOnnx(encodeModel(exportAutoencoder(spec)));
    const x = randomInput(spec, 1, 4);
    expect(model.score(x)).toBeAllclose(naiveAutoencoder(spec, x, 1).score, TOL);
  });
});

describe('exportAutoencoder graph', () => {
  const spec = randomSpec({ widths: ENDPOINT_WIDTHS, activation: 'gelu', scaler: true, active: ACTIVE12, seed: 11 });
  const model = onnx.decodeModel(encodeModel(exportAutoencoder(spec, { foldScaler: false })));
  const graph = model.graph!;
  const dims = (v: onnx.ValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)));

  it('uses MatMul + Add per layer (no Gemm) and stores each weight transposed as [in, out]', () => {
    const ops = graph.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'MatMul').length).toBe(4);
    expect(ops).not.toContain('Gemm');
    const w1 = graph.initializer!.find((t) => t.name === 'layers.1.weight')!;
    expect(w1.dims!.map(Number)).toEqual([32, 8]);
    const values = new Float32Array(w1.rawData!.slice().buffer);
    // PyTorch weight [8, 32]: W[o, j] must sit at [j, o].
    for (const [o, j] of [[0, 0], [3, 17], [7, 31]] as const) expect(values[j * 8 + o]).toBe(spec.layers[1]!.weight[o * 32 + j]);
  });

  it('declares input [1, D] and outputs score [1], reconstruction [1, D]; dynamicBatch makes the batch symbolic', () => {
    expect(graph.input!.map((v) => [v.name, dims(v)])).toEqual([['input', [1, 64]]]);
    expect(graph.output!.map((v) => [v.name, dims(v)])).toEqual([['score', [1]], ['reconstruction', [1, 64]]]);
    const dyn = exportAutoencoder(spec, { dynamicBatch: true }).graph!;
    expect(dims(dyn.input![0]!)).toEqual(['batch', 64]);
    expect(dims(dyn.output![0]!)).toEqual(['batch']);
  });

  it('builds GELU from Erf and picks the active columns with Gather (ReduceMean alone when all are active)', () => {
    expect(graph.node!.filter((n) => n.opType === 'Erf').length).toBe(3);
    expect(graph.node!.filter((n) => n.opType === 'Gather').length).toBe(1);
    const all = exportAutoencoder({ ...spec, activeFeatures: Array.from({ length: 64 }, (_, j) => 63 - j) }).graph!;
    expect(all.node!.map((n) => n.opType)).not.toContain('Gather');
    expect(all.node!.map((n) => n.opType)).toContain('ReduceMean');
  });

  it('writes the caller metadata as metadata_props, imports opset 17 and passes checkModel after decoding', () => {
    expect(model.metadataProps!.map((p) => [p.key, p.value])).toEqual([['dadm.model_type', 'autoencoder']]);
    expect(model.opsetImport!.map((o) => [o.domain, toNumber(o.version)])).toEqual([['', 17]]);
    expect(toNumber(model.irVersion)).toBe(8);
    expect(() => checkModel(model)).not.toThrow();
  });

  it('is deterministic: exporting twice gives identical bytes', () => {
    const again = randomSpec({ widths: ENDPOINT_WIDTHS, activation: 'gelu', scaler: true, active: ACTIVE12, seed: 11 });
    expect(encodeModel(exportAutoencoder(again, { foldScaler: false }))).toEqual(encodeModel(exportAutoencoder(spec, { foldScaler: false })));
  });
});

describe('exportAutoencoder errors', () => {
  const good = () => randomSpec({ widths: [4, 3, 4], activation: 'relu', scaler: true, active: null, seed: 1 });

  it('throws ShapeError when a weight does not match [out, in] or the last layer does not output D', () => {
    const s = good();
    s.layers = [s.layers[0]!, { weight: new Float32Array(11), bias: new Float32Array(4) }];
    expectError(() => exportAutoencoder(s), ShapeError, /^exportAutoencoder: layers\[1\]\.weight must be \[4, 3\], got 11 values$/);
    const t = good();
    t.layers = [t.layers[0]!];
    expectError(() => exportAutoencoder(t), ShapeError, /^exportAutoencoder: the last layer must output inputDim = 4 values, got 3$/);
  });

  it('throws DataError for a std that is not > 0 or a non-finite weight', () => {
    const s = good();
    s.scaler!.std[2] = 0;
    expectError(() => exportAutoencoder(s), DataError, /scaler\.std\[2\] must be finite and > 0, got 0/);
    const t = good();
    t.layers[0]!.weight[5] = Number.NaN;
    expectError(() => exportAutoencoder(t), DataError, /^exportAutoencoder: layers\[0\]\.weight\[5\] must be finite, got NaN$/);
  });

  it('throws InvalidOptionError for repeated or out-of-range active features, an unknown activation or opset', () => {
    expectError(() => exportAutoencoder({ ...good(), activeFeatures: [1, 1] }), InvalidOptionError, /^exportAutoencoder: activeFeatures must be distinct integers in \[0, 4\), got 1 in \[1, 1\]$/);
    expectError(() => exportAutoencoder({ ...good(), activeFeatures: [4] }), InvalidOptionError, /^exportAutoencoder: activeFeatures must be distinct integers in \[0, 4\), got 4 in \[4\]$/);
    expectError(() => exportAutoencoder({ ...good(), activation: 'sigmoid' as Activation }), InvalidOptionError, /^exportAutoencoder: activation must be 'relu', 'gelu' or 'tanh', got sigmoid$/);
    expectError(() => exportAutoencoder(good(), { opset: 12 }), InvalidOptionError, /^exportAutoencoder: opset must be an integer in \[13, 21\], got 12$/);
  });
});

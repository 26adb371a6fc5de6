import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile } from '../../src/io/index.js';
import { onnx } from '../../src/onnx/index.js';
import { generateData, train } from '../../src/pipeline/index.js';
import { smallConfig, tempDir } from '../pipeline/helpers.js';
import { run, expectOneLineError } from './helpers.js';

const dir = tempDir('dadm-cli-onnx-');
const data = join(dir, 'data.npy');
const labels = join(dir, 'labels.npy');
const ckpt = join(dir, 'out', 'model.safetensors');
const onnxModel = join(dir, 'out', 'model.onnx');

beforeAll(async () => {
  generateData({ rows: 1200, out: data, seed: 11, anomalyRate: 0.05, labelsOut: labels });
  train({ data, outDir: join(dir, 'out'), config: smallConfig({ training: { epochs: 2 } }) });
  train({ data, outDir: join(dir, 'forest'), config: smallConfig({ model: 'iforest', iforest: { nEstimators: 10 } }) });
  const r = await run('export-onnx', '--checkpoint', ckpt, '--output', onnxModel);
  if (r.code !== 0) throw new Error(r.err);
});

describe('dadm export-onnx', () => {
  it('prints the path, size, ops and the self-check', async () => {
    const r = await run('export-onnx', '--checkpoint', ckpt, '--output', join(dir, 'again.onnx'), '--dynamic-batch', '--opset', '13');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote ${join(dir, 'again.onnx')} (${readFileSync(join(dir, 'again.onnx')).length} bytes): autoencoder, opset 13, batch dynamic`);
    expect(r.out).toMatch(/ops: MatMul x4, Add x4, Relu x3/);
    expect(r.out).toMatch(/self-check: dadm's runtime reproduces the checkpoint's scores on 16 rows/);
  });

  it('prints JSON with --json, also for a forest', async () => {
    const out = join(dir, 'forest.onnx');
    const r = await run('export-onnx', '--checkpoint', join(dir, 'forest', 'model.safetensors'), '--output', out, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ modelType: 'iforest', output: out, opset: 17, dynamicBatch: false });
    expect(j.ops['ai.onnx.ml:TreeEnsembleRegressor']).toBe(1);
  });

  it('exits 2 for a missing flag or a bad or out-of-range opset, 1 for a file that is not a checkpoint', async () => {
    expectOneLineError(await run('export-onnx', '--checkpoint', ckpt), /^dadm export-onnx: --output must be given, got nothing/);
    expect((await run('export-onnx', '--checkpoint', ckpt)).code).toBe(2);
    for (const opset of ['seventeen', '99', '12', '17.5']) {
      const bad = await run('export-onnx', '--checkpoint', ckpt, '--output', join(dir, 'x.onnx'), '--opset', opset);
      expect(bad.code).toBe(2);
      expectOneLineError(bad, new RegExp(`^dadm export-onnx: --opset must be an integer in \\[13, 21\\], got '${opset}'\n$`));
    }
    const notCkpt = await run('export-onnx', '--checkpoint', data, '--output', join(dir, 'x.onnx'));
    expect(notCkpt.code).toBe(1);
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
  });
});

describe('dadm score --model model.onnx', () => {
  it('gives the same scores, flags and metrics as scoring with the checkpoint', async () => {
    const a = await run('score', '--model', ckpt, '--data', data, '--labels', labels, '--output', join(dir, 's-ckpt.npy'), '--json');
    const b = await run('score', '--model', onnxModel, '--data', data, '--labels', labels, '--output', join(dir, 's-onnx.npy'), '--json');
    expect([a.code, b.code]).toEqual([0, 0]);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect(jb.modelType).toBe('autoencoder');
    expect(jb.threshold).toBe(ja.threshold);
    expect(jb.flagged).toBe(ja.flagged);
    expect(jb.labels.rocAuc).toBeCloseTo(ja.labels.rocAuc, 6);
    expect(readNpyFile(join(dir, 's-onnx.npy')).data).toBeAllclose(readNpyFile(join(dir, 's-ckpt.npy')).data, { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('dadm inspect', () => {
  it('describes an ONNX model given as a bare argument', async () => {
    const r = await run('inspect', onnxModel);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${onnxModel}: ONNX model, ${readFileSync(onnxModel).length} bytes`);
    expect(r.out).toMatch(/model type\s+autoencoder/);
    expect(r.out).toMatch(/inputs\s+input float32 \[1, 64\]/);
    expect(r.out).toMatch(/outputs\s+score float32 \[1\]; reconstruction float32 \[1, 64\]/);
    expect(r.out).toMatch(/ops\s+MatMul x4/);
    expect(r.out).toMatch(/parameters\s+\d+/);
    expect(r.out).toMatch(/schema\s+endpoint-v1 1\.0\.0/);
    expect(r.out).toMatch(/threshold\s+[0-9.e-]+ \(score > threshold = anomaly\)/);
  });

  it('prints JSON for a checkpoint with --json', async () => {
    const r = await run('inspect', '--model', ckpt, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ format: 'dadm-checkpoint', modelType: 'autoencoder', ops: { Linear: 4, ReLU: 3 } });
    expect(j.training.training_rows).toBeGreaterThan(0);
  });

  it('exits 2 for two files or no file', async () => {
    const two = await run('inspect', onnxModel, ckpt);
    expect(two.code).toBe(2);
    expectOneLineError(two, /^dadm inspect: --model must be given once \(as the flag or one bare argument\), got '/);
    expect((await run('inspect', '--model', onnxModel, ckpt)).code).toBe(2);
    expect((await run('inspect')).code).toBe(2);
  });
});

describe('dadm quantize', () => {
  it('names the file when the model is not ONNX (quantize and score), exit 1', async () => {
    const bad = join(dir, 'not-a-model.onnx');
    writeFileSync(bad, 'junk');
    const q = await run('quantize', '--model', bad, '--output', join(dir, 'never.onnx'));
    expect(q.code).toBe(1);
    expectOneLineError(q, /^dadm quantize: \S*not-a-model\.onnx: onnx: bytes must be a valid ONNX ModelProto/);
    const s = await run('score', '--model', bad, '--data', data);
    expect(s.code).toBe(1);
    expectOneLineError(s, /^dadm score: \S*not-a-model\.onnx: onnx: bytes must be a valid ONNX ModelProto/);
  });

  it('prints the report, the sizes and the check figures', async () => {
    const out = join(dir, 'q.onnx');
    const r = await run('quantize', '--model', onnxModel, '--output', out, '--check-data', data, '--labels', labels, '--per-channel', '--all-nodes');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^quantized 4 of 4 MatMul\/Gemm nodes/);
    expect(r.out).toContain('quantized MatMul layers.0.MatMul (weight layers.0.weight, per channel)');
    expect(r.out).toMatch(new RegExp(`size ${readFileSync(onnxModel).length} -> ${readFileSync(out).length} bytes`));
    expect(r.out).toMatch(/check on 1200 rows: max \|diff\| [0-9.e-]+, max relative diff [0-9.e-]+, Spearman 0\.9\d+/);
    expect(r.out).toMatch(/decisions flipped at threshold [0-9.e-]+: [0-9.]+% of rows/);
    expect(r.out).toMatch(/ROC-AUC float 0\.\d{4}, quantized 0\.\d{4}/);
    const s = await run('score', '--model', out, '--data', data, '--json');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out).rows).toBe(1200);
  });

  it('says so when there is nothing to quantize, and lists excluded nodes', async () => {
    const forest = join(dir, 'forest.onnx');
    await run('export-onnx', '--checkpoint', join(dir, 'forest', 'model.safetensors'), '--output', forest);
    const r = await run('quantize', '--model', forest, '--output', join(dir, 'forest-q.onnx'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^no quantizable nodes — output equals input/);
    const ex = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-ex.onnx'), '--exclude', 'layers.0.MatMul,layers.3.MatMul', '--all-nodes', '--json');
    const j = JSON.parse(ex.out);
    expect(j.report.skipped.map((s: { node: string }) => s.node)).toEqual(['layers.0.MatMul', 'layers.3.MatMul']);
  });

  it('exits 2 when the output is the input, through any path, and leaves the input alone', async () => {
    const before = readFileSync(onnxModel);
    for (const output of [onnxModel, relative(process.cwd(), join(dir, 'out', '..', 'out', 'model.onnx'))]) {
      const r = await run('quantize', '--model', onnxModel, '--output', output);
      expect(r.code).toBe(2);
      expectOneLineError(r, /^dadm quantize: output must not be the same file as model \(it would be overwritten\)/);
    }
    expect(readFileSync(onnxModel).equals(before)).toBe(true);
  });

  it('exits 1 with a clear message for an already quantized model', async () => {
    const q = join(dir, 'q1.onnx');
    expect((await run('quantize', '--model', onnxModel, '--output', q)).code).toBe(0);
    const r = await run('quantize', '--model', q, '--output', join(dir, 'q2.onnx'));
    expect(r.code).toBe(1);
    expectOneLineError(r, /model must not be quantized already, got DynamicQuantizeLinear node/);
  });

  it('--json gives the sizes of the files, in the report too', async () => {
    const out = join(dir, 'q-json.onnx');
    const r = await run('quantize', '--model', onnxModel, '--output', out, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { bytesBefore: number; bytesAfter: number; report: { sizeBefore: number; sizeAfter: number } };
    expect([j.bytesBefore, j.bytesAfter]).toEqual([readFileSync(onnxModel).length, readFileSync(out).length]);
    expect([j.report.sizeBefore, j.report.sizeAfter]).toEqual([j.bytesBefore, j.bytesAfter]);
  });

  it('exits 2 for bad flags', async () => {
    const wt = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q3.onnx'), '--weight-type', 'int4');
    expect(wt.code).toBe(2);
    expectOneLineError(wt, /--weight-type must be one of int8, uint8, got 'int4'/);
    const lb = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q3.onnx'), '--labels', labels);
    expect(lb.code).toBe(2);
    expectOneLineError(lb, /--labels must come with --check-data/);
    expect((await run('quantize', '--model', onnxModel)).code).toBe(2);
    const ex = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q3.onnx'), '--exclude', 'layers.0.MatMul,nope');
    expect(ex.code).toBe(2);
    expectOneLineError(ex, /^dadm quantize: --exclude entries must name nodes of \S*model\.onnx, got 'nope'; its MatMul\/Gemm nodes: layers\.0\.MatMul, layers\.1\.MatMul, layers\.2\.MatMul, layers\.3\.MatMul\n$/);
    expect(existsSync(join(dir, 'q3.onnx'))).toBe(false);
  });
});

describe('dadm quantize --config', () => {
  interface QuantJson {
    report: { quantized: { node: string; perChannel: boolean }[]; skipped: { node: string; reason: string }[] };
  }
  const cfg = join(dir, 'quant.yaml');
  const settingsOf = (file: string): Record<string, unknown> => {
    const meta = Object.fromEntries(onnx.decodeModel(readFileSync(file)).metadataProps!.map((p) => [p.key, p.value]));
    return JSON.parse(meta['dadm.quantization']!) as Record<string, unknown>;
  };

  it("takes weight type, per-channel, reduce-range and excluded nodes from the config's quantization section", async () => {
    writeFileSync(cfg, 'quantization:\n  per_channel: true\n  weight_type: uint8\n  reduce_range: true\n  exclude: [layers.3.MatMul]\n');
    const out = join(dir, 'q-cfg.onnx');
    const r = await run('quantize', '--model', onnxModel, '--output', out, '--config', cfg, '--all-nodes', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as QuantJson;
    expect(j.report.quantized.map((q) => [q.node, q.perChannel])).toEqual([['layers.0.MatMul', true], ['layers.1.MatMul', true], ['layers.2.MatMul', true]]);
    expect(j.report.skipped).toEqual([expect.objectContaining({ node: 'layers.3.MatMul', reason: 'excluded by nodesToExclude' })]);
    expect(settingsOf(out)).toMatchObject({ weightType: 'uint8', perChannel: true, reduceRange: true, exclude: ['layers.3.MatMul'] });
    // Without the config the same command quantizes every node per tensor to int8.
    const plain = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-nocfg.onnx'), '--all-nodes', '--json');
    expect((JSON.parse(plain.out) as QuantJson).report.quantized.map((q) => q.perChannel)).toEqual([false, false, false, false]);
    expect(settingsOf(join(dir, 'q-nocfg.onnx'))).toMatchObject({ weightType: 'int8', perChannel: false, reduceRange: false, exclude: [] });
  });

  it('lets flags override the config: --weight-type, and --exclude replaces its list', async () => {
    writeFileSync(cfg, 'quantization:\n  weight_type: uint8\n  exclude: [layers.3.MatMul]\n');
    const out = join(dir, 'q-over.onnx');
    const r = await run('quantize', '--model', onnxModel, '--output', out, '--config', cfg, '--all-nodes', '--weight-type', 'int8', '--exclude', 'layers.0.MatMul', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as QuantJson).report.skipped.map((s) => s.node)).toEqual(['layers.0.MatMul']);
    expect(settingsOf(out)).toMatchObject({ weightType: 'int8', exclude: ['layers.0.MatMul'] });
    const none = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-none.onnx'), '--config', cfg, '--all-nodes', '--exclude', '', '--json');
    expect((JSON.parse(none.out) as QuantJson).report.skipped).toEqual([]);
  });

  it('takes the node selection rules from the config too (min_weights, keep_output_layers, require_smaller)', async () => {
    writeFileSync(cfg, 'quantization:\n  min_weights: 0\n  keep_output_layers: false\n  require_smaller: false\n');
    const r = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-rules.onnx'), '--config', cfg, '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as QuantJson).report.quantized.map((q) => q.node)).toEqual(['layers.0.MatMul', 'layers.1.MatMul', 'layers.2.MatMul', 'layers.3.MatMul']);
    // --min-weights overrides the config's min_weights: the 32->8->32 middle (256 weights each) stays float
    const flag = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-rules2.onnx'), '--config', cfg, '--min-weights', '1024', '--json');
    expect((JSON.parse(flag.out) as QuantJson).report.quantized.map((q) => q.node)).toEqual(['layers.0.MatMul', 'layers.3.MatMul']);
  });

  it('reads ./config.yaml when --config is not given', async () => {
    const work = join(dir, 'cwd');
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'config.yaml'), 'quantization:\n  per_channel: true\n');
    const home = process.cwd();
    process.chdir(work);
    try {
      const r = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-cwd.onnx'), '--json');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as QuantJson).report.quantized.map((q) => q.perChannel)).toEqual([true]);
    } finally {
      process.chdir(home);
    }
  });

  it('exits 1 naming the config file for a bad quantization value or a node the model does not have', async () => {
    writeFileSync(cfg, 'quantization:\n  weight_type: int4\n');
    const bad = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-badcfg.onnx'), '--config', cfg);
    expect(bad.code).toBe(1);
    expectOneLineError(bad, /^dadm quantize: \S*quant\.yaml: quantization\.weight_type must be one of int8, uint8, got 'int4'\n$/);
    writeFileSync(cfg, 'quantization:\n  exclude: [enc.0]\n');
    const node = await run('quantize', '--model', onnxModel, '--output', join(dir, 'q-badcfg.onnx'), '--config', cfg);
    expect(node.code).toBe(1);
    expectOneLineError(node, /^dadm quantize: \S*quant\.yaml: quantization\.exclude entries must name nodes of \S*model\.onnx, got 'enc\.0'; its MatMul\/Gemm nodes: layers\.0\.MatMul, /);
    expect(existsSync(join(dir, 'q-badcfg.onnx'))).toBe(false);
  });
});

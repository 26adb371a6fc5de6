/** report(): the data it gathers from the other steps, the file it writes, and its errors. */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError, UsageError } from '../../src/errors.js';
import { buildReportData, drift, readLabels, report, score } from '../../src/pipeline/index.js';
import { expectError, escapeRegExp } from '../tensor/expect-error.js';
import { REPORT_ROWS, makeReportFiles, type ReportFiles } from '../report/report-files.js';

let f: ReportFiles;
beforeAll(() => {
  f = makeReportFiles('dadm-report-');
}, 60_000);

const sum = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0);

describe('report with every input', () => {
  it('gathers each section from the step that measures it', () => {
    const out = join(f.dir, 'report.html');
    const r = report({ model: f.model, data: f.data, labels: f.labels, reference: f.reference, current: f.current, quantized: f.quantized, output: out, generatedAt: null });
    expect(r.sections).toEqual(['training', 'labels', 'drift', 'explanations', 'quantization']);
    expect(readFileSync(out, 'utf8')).toBe(r.html);
    expect(r.bytes).toBe(readFileSync(out).length);
    expect(readdirSync(f.dir).filter((n) => n.includes('.tmp'))).toEqual([]);

    const d = r.data;
    const scored = score({ model: f.model, data: f.data, labels: f.labels });
    const labels = readLabels(f.labels, REPORT_ROWS);
    const positives = sum(Array.from(labels));
    expect(d.scores).toMatchObject({ rows: REPORT_ROWS, flagged: scored.flagged, threshold: scored.threshold });
    expect(sum(d.scores.histogram.counts)).toBe(REPORT_ROWS);
    expect(sum(d.scores.byLabel!.anomalous)).toBe(positives);
    expect(sum(d.scores.byLabel!.normal)).toBe(REPORT_ROWS - positives);
    expect(d.labels!.rocAuc).toBe(scored.labels!.rocAuc);
    expect(d.labels!.atThreshold.recall).toBe(scored.labels!.recall);
    const roc = d.labels!.roc!;
    expect([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    expect(d.labels!.precisionRecall!.recall.at(-1)).toBe(0);

    const t = d.training!;
    const metrics = JSON.parse(readFileSync(f.metrics, 'utf8')) as { epochs: { train_loss: number }[]; best_epoch: number };
    expect(t.epochs.map((e) => e.trainLoss)).toEqual(metrics.epochs.map((e) => e.train_loss));
    expect(t.bestEpoch).toBe(metrics.best_epoch);

    const measured = drift({ reference: f.reference, current: f.current, model: f.model });
    expect(d.drift!.verdict).toBe(measured.verdict);
    expect(d.drift!.features.map((x) => x.psi)).toEqual(measured.features.map((x) => x.psi));
    expect(d.drift!.score!.status).toBe(measured.score!.status);
    // The shifted columns are the most drifted, and come first.
    const shifted = [measured.features[0]!.name, measured.features[4]!.name];
    expect(d.drift!.distributions.slice(0, 2).map((x) => x.name).sort()).toEqual(shifted.sort());
    for (const dist of d.drift!.distributions) {
      expect(dist.edges).toHaveLength(dist.reference.length + 1);
      expect(sum(dist.reference)).toBeCloseTo(1, 9);
      expect(sum(dist.current)).toBeCloseTo(1, 9);
    }

    const e = d.explanations!;
    expect(e.rows.length).toBe(Math.min(10, scored.flagged));
    const top = Array.from(scored.scores).sort((a, b) => b - a).slice(0, e.rows.length);
    expect(e.rows.map((x) => x.score)).toEqual(top);
    for (const row of e.rows) expect(row.top).toHaveLength(3);

    const q = d.quantization!;
    expect(q.rows).toBe(REPORT_ROWS);
    expect(q.spearman).toBeGreaterThan(0.9);
    expect(q.floatRocAuc).toBe(scored.labels!.rocAuc);
    expect(q.quantizedBytes).toBe(readFileSync(f.quantized).length);
    expect(q.floatBytes).toBeNull(); // a checkpoint's size says nothing about an ONNX file's
    expect(q.points.float.length).toBeLessThanOrEqual(2000);
    expect(q.points.float).toHaveLength(q.points.quantized.length);
  });

  it('is reproducible with generatedAt null', () => {
    const opts = { model: f.model, data: f.data, labels: f.labels, generatedAt: null };
    expect(report(opts).html).toBe(report(opts).html);
  });
});

describe('report sections left out', () => {
  it('has only scores (and training from the metrics.json next to the model) with model and data alone', () => {
    const d = buildReportData({ model: f.model, data: f.data, explainRows: 0 });
    expect(d.training).not.toBeNull();
    expect([d.labels, d.drift, d.explanations, d.quantization]).toEqual([null, null, null, null]);
    expect(d.inputs).toEqual([['data', f.data], ['metrics', f.metrics]]);
  });

  it('leaves out training for a forest (no loss) and the score drift for an ONNX model', () => {
    expect(buildReportData({ model: f.forest, data: f.data, explainRows: 0 }).training).toBeNull();
    const d = buildReportData({ model: f.onnx, data: f.data, reference: f.reference, current: f.current, explainRows: 2 });
    expect(d.model.format).toBe('ONNX, float');
    expect(d.drift!.score).toBeNull();
    expect(d.drift!.features).toHaveLength(12);
    expect(d.explanations!.rows.length).toBeLessThanOrEqual(2);
  });

  it('skips a metrics.json next to the model that belongs to another run, and refuses it when given', () => {
    const forestMetrics = join(f.dir, 'forest', 'metrics.json');
    const stranger = join(f.dir, 'forest', 'autoencoder.safetensors');
    copyFileSync(f.model, stranger);
    expect(buildReportData({ model: stranger, data: f.data, explainRows: 0 }).training).toBeNull();
    expectError(() => buildReportData({ model: f.model, data: f.data, metrics: forestMetrics, explainRows: 0 }), InvalidOptionError, /^report: metrics .*forest\/metrics\.json must come from the model's training run \(training id [0-9a-f]{12}\), got training id [0-9a-f]{12}$/);
  });
});

describe('report errors', () => {
  it('refuses a reference without a current batch', () => {
    expectError(() => report({ model: f.model, data: f.data, reference: f.reference }), InvalidOptionError, /^report: reference and current must be given together, got only reference$/);
  });

  it('refuses a float model as the quantized one, and an int8 model as the float one', () => {
    expectError(() => buildReportData({ model: f.model, data: f.data, quantized: f.onnx, explainRows: 0 }), InvalidOptionError, /^report: quantized model .*model\.onnx must hold int8 nodes \(DynamicQuantizeLinear, MatMulInteger\), got a float model$/);
    expectError(() => buildReportData({ model: f.quantized, data: f.data, quantized: f.quantized, explainRows: 0 }), InvalidOptionError, /^report: model .* must be the float model when quantized is given, got an int8 model$/);
  });

  it('refuses a metrics file that is not dadm\'s', () => {
    const bad = join(f.dir, 'not-metrics.json');
    writeFileSync(bad, '{"format": "other"}');
    expectError(() => buildReportData({ model: f.model, data: f.data, metrics: bad, explainRows: 0 }), FormatError, /not-metrics\.json: metrics must have format "dadm-metrics" and a list of epochs, got format "other"$/);
    writeFileSync(bad, 'epoch,loss\n1,0.5\n');
    expectError(() => buildReportData({ model: f.model, data: f.data, metrics: bad, explainRows: 0 }), FormatError, /not-metrics\.json: metrics must be JSON written by dadm train, got /);
  });

  it('refuses to overwrite an input and a missing output folder before doing any work', () => {
    expectError(() => report({ model: f.model, data: f.data, output: f.data }), UsageError, /^report: output must not be the same file as data \(it would be overwritten\)/);
    const missing = join(f.dir, 'no-such-dir', 'r.html');
    expectError(() => report({ model: f.model, data: f.data, output: missing }), InvalidOptionError, new RegExp(`^${escapeRegExp(missing)}: output folder .* must exist, got ENOENT`));
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a negative explainRows', () => {
    expectError(() => buildReportData({ model: f.model, data: f.data, explainRows: -1 }), InvalidOptionError, /^report: explainRows must be an integer >= 0, got -1$/);
  });
});

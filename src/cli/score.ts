/** `dadm score`: scores a .npy file with a trained model. */
import { OPERATING_FPRS, score } from '../pipeline/index.js';
import type { Command } from './command.js';
import { BACKEND_OPTION, JSON_OPTION, LIMITS_CONFIG_OPTION, QUIET_OPTION, THREADS_OPTION, computeOptions, configLimits, requiredString, stringOption } from './options.js';
import { fmt, printResult } from './output.js';
import { ProgressPrinter } from './progress.js';

export const scoreCommand: Command = {
  name: 'score',
  summary: 'score a .npy file with a trained model; with labels, report ROC-AUC and precision/recall',
  description:
    'Checks the data against the model\'s schema (width, finite values, zero padding), computes one anomaly\n' +
    'score per row (higher = more anomalous) and counts the rows above the model\'s threshold. With --labels\n' +
    '(0/1 per row) it reports ROC-AUC, average precision and precision/recall at the threshold.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'model.safetensors written by dadm train, or a .onnx from export-onnx/quantize', required: true },
    { name: 'data', type: 'string', value: 'FILE', description: 'data .npy [rows, features]', required: true },
    { name: 'output', type: 'string', value: 'FILE', description: 'write the scores as [rows] float32 .npy' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'labels .npy [rows] of 0/1 (1 = anomaly)' },
    { ...BACKEND_OPTION, description: 'kernels: auto, js or wasm (default auto)' },
    { ...THREADS_OPTION, description: "threads scoring a checkpoint's rows: 'auto' or a count (default 1)" },
    {
      name: 'allow-invalid',
      type: 'boolean',
      description: 'count rows the model gives no finite score (NaN/Inf) as invalid, NaN in --output, instead of failing',
    },
    LIMITS_CONFIG_OPTION,
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: ['score --model out/model.safetensors --data data.npy --output scores.npy --labels labels.npy'],
  run(values, io) {
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    const output = stringOption(values, 'output');
    const labels = stringOption(values, 'labels');
    let r;
    try {
      r = score({
        model: requiredString(values, 'model'),
        data: requiredString(values, 'data'),
        ...(output !== undefined ? { output } : {}),
        ...(labels !== undefined ? { labels } : {}),
        ...computeOptions(values),
        ...(values['allow-invalid'] === true ? { nonFinite: 'invalid' as const } : {}),
        onProgress: progress.onProgress,
        ...configLimits(values),
      });
    } finally {
      progress.clear();
    }
    const { scores: _scores, ...summary } = r;
    const lines = [`scored ${r.rows} rows with the ${r.modelType}: ${r.flagged} (${(100 * r.flaggedFraction).toFixed(2)}%) above the threshold ${fmt(r.threshold)}`];
    if (r.invalid > 0) lines.push(`${r.invalid} rows invalid: the model gave no finite score (NaN in the scores, not counted as flagged or normal)`);
    if (r.labels !== null) {
      const l = r.labels;
      lines.push(`ROC-AUC ${fmt(l.rocAuc)}, average precision ${fmt(l.averagePrecision)}; at the threshold precision ${fmt(l.precision)}, recall ${fmt(l.recall)}, F1 ${fmt(l.f1)} (${l.positives} labelled anomalies)`);
      l.operatingPoints.forEach((p, i) => lines.push(`  at FPR <= ${100 * OPERATING_FPRS[i]!}% (threshold ${fmt(p.threshold)}): precision ${fmt(p.precision)}, recall ${fmt(p.recall)}, F1 ${fmt(p.f1)}`));
      if (l.bestF1 !== null) lines.push(`  best F1 in hindsight ${fmt(l.bestF1.f1)} at threshold ${fmt(l.bestF1.threshold)} (precision ${fmt(l.bestF1.precision)}, recall ${fmt(l.bestF1.recall)})`);
    } else if (r.impliedFpr !== null) {
      lines.push(`expected false-positive rate at the threshold: ${(100 * r.impliedFpr).toFixed(2)}% of normal rows (estimated at training)`);
    }
    if (r.output !== null) lines.push(`wrote ${r.output}`);
    printResult(io, values, summary, lines);
    return 0;
  },
};

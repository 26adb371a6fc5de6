/** `dadm report`: one self-contained HTML file about a model on a data file. */
import { UsageError } from '../errors.js';
import { STDIO_PATH } from '../io/index.js';
import { report, type ReportResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, choiceOption, configFromOptions, configOption, intOption, requiredString, stringOption, topKUsageError } from './options.js';
import { printResult } from './output.js';
import { ProgressPrinter } from './progress.js';
import { packageVersion } from '../version.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write one self-contained HTML report: loss, score distribution, ROC/PR, drift, explanations, int8 vs float',
  description:
    'Scores --data with --model and writes one HTML file (inline styles and SVG charts, no script, no network\n' +
    'access needed) with the score distribution and threshold, and for each input given: training and\n' +
    'validation loss by epoch (--metrics, default metrics.json next to the model), ROC and precision-recall\n' +
    'curves (--labels), per-feature drift and the most drifted distributions (--reference with --current),\n' +
    'the top flagged rows with the features that drove them, and float vs int8 scores (--quantized).\n' +
    'Sections without their input are left out. See docs/report.md.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'model.safetensors, or a .onnx from export-onnx/quantize', required: true },
    { name: 'data', type: 'string', value: 'FILE', description: 'rows to score, .npy [rows, features]', required: true, noStdio: 'report reads it once per section' },
    { name: 'output', type: 'string', value: 'FILE', description: 'the HTML file to write (replaced atomically)', required: true, stdio: 'write-text' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'labels .npy [rows] of 0/1: adds ROC and precision-recall curves' },
    { name: 'reference', type: 'string', value: 'FILE', description: 'drift_reference.npz written by dadm train (with --current)' },
    { name: 'current', type: 'string', value: 'FILE', description: 'new batch .npy to check for drift (with --reference)', noStdio: 'report reads it for drift and again for its distributions' },
    { name: 'metrics', type: 'string', value: 'FILE', description: 'metrics.json of the training run', default: 'metrics.json next to the model' },
    { name: 'quantized', type: 'string', value: 'FILE', description: 'int8 .onnx quantized from --model: adds float vs int8 scores' },
    configOption('whose drift section sets the drift levels and limits section the file limits'),
    { name: 'explain-rows', type: 'string', value: 'N', description: 'top flagged rows to explain (0: none)', default: '10' },
    { name: 'explain-method', type: 'string', value: 'NAME', description: 'reconstruction or shap', default: 'config explain.method' },
    { name: 'top-k', type: 'string', value: 'K', description: 'features listed per explained row', default: '3' },
    { name: 'title', type: 'string', value: 'TEXT', description: 'heading of the report', default: 'Model report: <model file>' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'report --model out/model.safetensors --data data.npy --labels labels.npy --output report.html',
    'report --model out/model.safetensors --data data.npy --reference out/drift_reference.npz --current new_batch.npy --quantized out/model_quantized.onnx --output report.html',
  ],
  run(values, io) {
    const reference = stringOption(values, 'reference');
    const current = stringOption(values, 'current');
    if ((reference === undefined) !== (current === undefined)) {
      const [given, missing] = reference === undefined ? ['current', 'reference'] : ['reference', 'current'];
      throw new UsageError(`--${missing} must be given with --${given} (drift compares the two), got only --${given}`);
    }
    const labels = stringOption(values, 'labels');
    const metrics = stringOption(values, 'metrics');
    const quantized = stringOption(values, 'quantized');
    const title = stringOption(values, 'title');
    const { config } = configFromOptions(values, io);
    const explainRows = intOption(values, 'explain-rows', 0);
    const explainMethod = choiceOption(values, 'explain-method', ['reconstruction', 'shap'] as const);
    const topK = intOption(values, 'top-k', 1);
    const output = requiredString(values, 'output');
    const toStdout = output === STDIO_PATH;
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    let r: ReportResult;
    try {
      r = report({
        model: requiredString(values, 'model'),
        data: requiredString(values, 'data'),
        ...(toStdout ? {} : { output }),
        ...(labels !== undefined ? { labels } : {}),
        ...(metrics !== undefined ? { metrics } : {}),
        ...(quantized !== undefined ? { quantized } : {}),
        ...(title !== undefined ? { title } : {}),
        ...(reference !== undefined ? { reference, current: current! } : {}),
        config,
        ...(explainRows !== undefined ? { explainRows } : {}),
        ...(explainMethod !== undefined ? { explainMethod } : {}),
        ...(topK !== undefined ? { topK } : {}),
        generator: `dadm ${packageVersion()}`,
        onProgress: progress.onProgress,
      });
    } catch (err) {
      throw topKUsageError(err, topK !== undefined);
    } finally {
      progress.clear();
    }
    if (toStdout) io.stdout.write(r.html);
    const sections = ['scores', ...r.sections];
    const summary = { output: r.output, bytes: r.bytes, sections };
    printResult(io, values, summary, [`wrote ${r.output ?? 'standard output'} (${Math.ceil(r.bytes / 1024)} KiB; ${sections.join(', ')})`], toStdout ? 'stderr' : 'stdout');
    return 0;
  },
};

/** `dadm explain`: which features drove each row's anomaly score. */
import { UsageError } from '../errors.js';
import { explain, type ExplainResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, choiceOption, intOption, requiredString, stringOption, topKUsageError } from './options.js';
import { fmt, printResult } from './output.js';
import { ProgressPrinter } from './progress.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'show which features drove each row\'s anomaly score (reconstruction share or Shapley values)',
  description:
    'Scores each row of --data, marks it flagged when score > the model\'s threshold, and lists the rows\n' +
    'by descending score (--rows N: the N most anomalous) with the top-k features by contribution.\n' +
    '--method reconstruction (autoencoder): each feature\'s share of the squared reconstruction error.\n' +
    '--method shap (any model): interventional Shapley values in score units against\n' +
    'a background sample (default: background_rows evenly spaced rows of the training sample in\n' +
    'drift_reference.npz next to the model); exact up to max_exact_features features, KernelSHAP above. Defaults come from the config\n' +
    'stored in the checkpoint (explain section). Works with model.safetensors and model.onnx.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'model.safetensors or model.onnx', required: true },
    { name: 'data', type: 'string', value: 'FILE', description: 'rows to explain, .npy [rows, features]', required: true, stdio: 'read' },
    { name: 'method', type: 'string', value: 'NAME', description: 'reconstruction or shap', default: 'config explain.method' },
    { name: 'top-k', type: 'string', value: 'K', description: 'features listed per row', default: 'config explain.top_k' },
    { name: 'background', type: 'string', value: 'FILE', description: 'background rows .npy for shap', default: 'drift_reference.npz sample' },
    { name: 'background-rows', type: 'string', value: 'N', description: 'background rows used for shap', default: 'config explain.background_rows' },
    { name: 'only-flagged', type: 'boolean', description: 'explain only rows above the threshold' },
    { name: 'rows', type: 'string', value: 'N', description: 'explain only the N highest-scoring rows (after --only-flagged)', default: 'every row' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'explain --model out/model.safetensors --data sample.npy --method shap --top-k 5 --only-flagged',
    'explain --model out/model.onnx --data sample.npy --method reconstruction --json',
    'explain --model out/model.safetensors --data data.npy --rows 10 --top-k 3',
  ],
  run(values, io) {
    const method = choiceOption(values, 'method', ['reconstruction', 'shap'] as const);
    const k = intOption(values, 'top-k', 1);
    const backgroundRows = intOption(values, 'background-rows', 1);
    const top = intOption(values, 'rows', 1);
    const background = stringOption(values, 'background');
    if (background !== undefined && method === 'reconstruction') {
      throw new UsageError('--background must be used with --method shap (reconstruction uses no background), got --method reconstruction');
    }
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    let r: ExplainResult;
    try {
      r = explain({
        model: requiredString(values, 'model'),
        data: requiredString(values, 'data'),
        ...(method !== undefined ? { method } : {}),
        ...(k !== undefined ? { topK: k } : {}),
        ...(background !== undefined ? { background } : {}),
        ...(backgroundRows !== undefined ? { backgroundRows } : {}),
        onlyFlagged: values['only-flagged'] === true,
        ...(top !== undefined ? { top } : {}),
        onProgress: progress.onProgress,
      });
    } catch (err) {
      throw topKUsageError(err, k !== undefined);
    } finally {
      progress.clear();
    }
    if (background !== undefined && r.method !== 'shap') {
      throw new UsageError(`--background must be used with --method shap (reconstruction uses no background), got the model config's explain.method ${r.method}`);
    }
    printResult(io, values, r, humanLines(r));
    return 0;
  },
};

function humanLines(r: ExplainResult): string[] {
  const bg = r.background === null ? '' : `, background ${r.background.rows} rows from ${r.background.source}`;
  const lines = [
    `${r.modelType}: ${r.flagged} of ${r.rows} rows above the threshold ${fmt(r.threshold)}; explained ${r.explained.length} with ${r.method}${bg}`,
  ];
  const unit = r.method === 'shap' ? 'phi' : 'share';
  for (const row of r.explained) {
    const extra = row.baseValue === undefined ? '' : `  base ${fmt(row.baseValue)}${row.exact === false ? ` (KernelSHAP, ${row.samples} samples)` : ''}`;
    lines.push(`row ${row.row}  score ${fmt(row.score)}  ${row.flagged ? 'FLAGGED' : 'normal'}${extra}`);
    const width = Math.max(...row.top.map((f) => f.name.length));
    for (const f of row.top) {
      const recon = f.reconstructed === undefined ? '' : `  reconstructed ${fmt(f.reconstructed)}`;
      lines.push(`  ${f.name.padEnd(width)}  ${unit} ${fmt(f.contribution)}  value ${fmt(f.value)}${recon}`);
    }
  }
  return lines;
}

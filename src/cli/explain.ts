/** `dadm explain`: which features drove each row's anomaly score. */
import { UsageError } from '../errors.js';
import { explain, type ExplainResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, LIMITS_CONFIG_OPTION, QUIET_OPTION, choiceOption, configLimits, intOption, requiredString, stringOption, topKUsageError } from './options.js';
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
    'stored in the checkpoint (explain section). Works with model.safetensors and model.onnx.\n' +
    'A transformer checkpoint explains windows: each row by its host\'s window ending at it (give --hosts), or\n' +
    'each window of a 3-D file; features of the scored step (prediction-error share, or Shapley values with\n' +
    'the feature masked across the whole window) and every step\'s attribution against at most 16 background\n' +
    'windows (a 3-D --background, or background rows held over the window).',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'model.safetensors or model.onnx', required: true },
    { name: 'data', type: 'string', value: 'FILE', description: 'rows to explain, .npy [rows, features]', required: true, stdio: 'read' },
    { name: 'hosts', type: 'string', value: 'FILE', description: 'host ids .npy [rows] of integers (transformer with 2-D rows)' },
    { name: 'method', type: 'string', value: 'NAME', description: 'reconstruction or shap', default: 'config explain.method' },
    { name: 'top-k', type: 'string', value: 'K', description: 'features listed per row', default: 'config explain.top_k' },
    { name: 'background', type: 'string', value: 'FILE', description: 'background rows .npy for shap', default: 'drift_reference.npz sample' },
    { name: 'background-rows', type: 'string', value: 'N', description: 'background rows used for shap', default: 'config explain.background_rows' },
    { name: 'only-flagged', type: 'boolean', description: 'explain only rows above the threshold' },
    { name: 'rows', type: 'string', value: 'N', description: 'explain only the N highest-scoring rows (after --only-flagged)', default: 'every row' },
    LIMITS_CONFIG_OPTION,
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'explain --model out/model.safetensors --data sample.npy --method shap --top-k 5 --only-flagged',
    'explain --model out/model.onnx --data sample.npy --method reconstruction --json',
    'explain --model out/model.safetensors --data data.npy --rows 10 --top-k 3',
    'explain --model out-seq/model.safetensors --data seq.npy --hosts hosts.npy --method shap --only-flagged',
  ],
  run(values, io) {
    const method = choiceOption(values, 'method', ['reconstruction', 'shap'] as const);
    const k = intOption(values, 'top-k', 1);
    const backgroundRows = intOption(values, 'background-rows', 1);
    const top = intOption(values, 'rows', 1);
    const background = stringOption(values, 'background');
    const hosts = stringOption(values, 'hosts');
    if (background !== undefined && method === 'reconstruction') {
      throw new UsageError('--background must be used with --method shap (reconstruction uses no background), got --method reconstruction');
    }
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    let r: ExplainResult;
    try {
      r = explain({
        model: requiredString(values, 'model'),
        data: requiredString(values, 'data'),
        ...(hosts !== undefined ? { hosts } : {}),
        ...(method !== undefined ? { method } : {}),
        ...(k !== undefined ? { topK: k } : {}),
        ...(background !== undefined ? { background } : {}),
        ...(backgroundRows !== undefined ? { backgroundRows } : {}),
        onlyFlagged: values['only-flagged'] === true,
        ...(top !== undefined ? { top } : {}),
        onProgress: progress.onProgress,
        ...configLimits(values, io),
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
  const bg = r.background === null ? '' : `, background ${r.background.rows} ${r.explained[0]?.steps === undefined ? 'rows' : 'windows'} from ${r.background.source}`;
  const lines = [
    `${r.modelType}: ${r.flagged} of ${r.rows} ${r.items} above the threshold ${fmt(r.threshold)}; explained ${r.explained.length} with ${r.method}${bg}`,
  ];
  const unit = r.method === 'shap' ? 'phi' : 'share';
  for (const row of r.explained) {
    const extra = row.baseValue === undefined ? '' : `  base ${fmt(row.baseValue)}${row.exact === false ? ` (KernelSHAP, ${row.samples} samples)` : ''}`;
    lines.push(`${r.items === 'windows' ? 'window' : 'row'} ${row.row}  score ${fmt(row.score)}  ${row.flagged ? 'FLAGGED' : 'normal'}${extra}`);
    const width = Math.max(...row.top.map((f) => f.name.length));
    for (const f of row.top) {
      const recon = f.reconstructed === undefined ? '' : `  ${row.steps === undefined ? 'reconstructed' : 'predicted'} ${fmt(f.reconstructed)}`;
      lines.push(`  ${f.name.padEnd(width)}  ${unit} ${fmt(f.contribution)}  value ${fmt(f.value)}${recon}`);
    }
    if (row.steps !== undefined) lines.push(`  steps (scored step last): ${row.steps.map((st) => fmt(st.contribution)).join(' ')}`);
  }
  return lines;
}

/** `dadm evaluate`: ROC-AUC and average precision of each model kind over seeds, on labelled data. */
import { EVALUATED_KINDS, evaluate, loadConfig, type EvaluateResult, type ModelKind } from '../pipeline/index.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, requiredString, stringOption } from './options.js';
import { printResult } from './output.js';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'compare model kinds on labelled data: ROC-AUC and average precision over seeds',
  description:
    'For each model kind and seed, trains on the data (labels unused), scores the same rows and measures\n' +
    'ROC-AUC and average precision against the labels (the unsupervised ODDS protocol); prints mean ± sd\n' +
    'over the seeds side by side. An ensemble\'s members are measured too, as the ensemble trained them.\n' +
    'Every run uses the config (--config, else ./config.yaml if present, else the defaults) with only\n' +
    'model and training.seed changed; for data that is not the endpoint schema set schema: none there.',
  options: [
    { name: 'data', type: 'string', value: 'FILE', description: 'data .npy [rows, features]', required: true },
    { name: 'labels', type: 'string', value: 'FILE', description: 'labels .npy [rows] of 0/1 (1 = anomaly)', required: true },
    { name: 'models', type: 'string', value: 'LIST', description: `comma-separated kinds among ${EVALUATED_KINDS.join(', ')}`, default: EVALUATED_KINDS.join(',') },
    { name: 'seeds', type: 'string', value: 'A..B|LIST', description: 'training seeds: a range like 0..4 or a list like 0,3,7', default: '0..4' },
    { name: 'config', type: 'string', value: 'FILE', description: 'config.yaml', default: './config.yaml if present' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'evaluate --data data.npy --labels labels.npy',
    'evaluate --data X.npy --labels y.npy --config generic.yaml --models iforest,ensemble --seeds 0..9 --json',
  ],
  run(values, io) {
    const quiet = values.quiet === true;
    const result = evaluate({
      data: requiredString(values, 'data'),
      labels: requiredString(values, 'labels'),
      models: modelList(stringOption(values, 'models')),
      seeds: seedList(stringOption(values, 'seeds') ?? '0..4'),
      config: loadConfig(stringOption(values, 'config')),
      onRun: (r) => {
        if (!quiet) io.stderr.write(`[${r.done}/${r.total}] ${r.model} seed ${r.seed}: ROC-AUC ${r.rocAuc.toFixed(4)}, average precision ${r.averagePrecision.toFixed(4)}${r.seconds > 0 ? ` (${r.seconds.toFixed(1)} s)` : ''}\n`);
      },
    });
    printResult(io, values, result, table(result));
    return 0;
  },
};

/** `--models a,b`: known kinds, each once. @throws UsageError otherwise */
function modelList(text: string | undefined): ModelKind[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  for (const m of list) {
    if (!(EVALUATED_KINDS as readonly string[]).includes(m)) throw new UsageError(`--models must list kinds among ${EVALUATED_KINDS.join(', ')}, got '${m}'`);
  }
  if (new Set(list).size !== list.length) throw new UsageError(`--models must name each kind once, got '${text}'`);
  return list as ModelKind[];
}

/** `--seeds 0..4` or `--seeds 0,3,7`: integers >= 0. @throws UsageError otherwise */
export function seedList(text: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  const seeds = range ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i) : text.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : Number.NaN));
  if (seeds.length === 0 || seeds.some((s) => !Number.isSafeInteger(s))) throw new UsageError(`--seeds must be a range A..B with A <= B or a comma-separated list of integers >= 0, got '${text}'`);
  return seeds;
}

/** The side-by-side table. */
function table(r: EvaluateResult): string[] {
  const width = Math.max(...r.models.map((m) => m.model.length), 5) + 2;
  const pm = (s: { mean: number; sd: number }): string => `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)}`;
  const seeds = r.seeds.length > 2 && r.seeds.every((s, i) => i === 0 || s === r.seeds[i - 1]! + 1) ? `${r.seeds[0]}..${r.seeds.at(-1)}` : r.seeds.join(',');
  return [
    `${r.data}: ${r.rows} rows, ${r.positives} labelled anomalies; seeds ${seeds} (mean ± sd over seeds)`,
    `${'model'.padEnd(width)}${'ROC-AUC'.padEnd(19)}${'average precision'.padEnd(19)}seconds/run`,
    ...r.models.map((m) => `${m.model.padEnd(width)}${pm(m.rocAuc).padEnd(19)}${pm(m.averagePrecision).padEnd(19)}${m.model.includes('/') ? '' : m.seconds.toFixed(1)}`),
  ];
}

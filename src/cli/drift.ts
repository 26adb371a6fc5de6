/** `dadm drift`: compares a new batch with the training data's drift reference. */
import { drift, type DriftResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, configFromOptions, configOption, requiredString, stringOption } from './options.js';
import { fmt, printResult } from './output.js';
import { ProgressPrinter } from './progress.js';

/** Exit code of `--fail-on-drift` when the verdict is 'retrain'. */
export const DRIFT_EXIT_CODE = 3;

export const driftCommand: Command = {
  name: 'drift',
  summary: 'measure drift of a new batch against the training data (PSI, Wasserstein, KS) and recommend retraining',
  description:
    'Reads the batch in chunks, excludes rows with NaN/Inf or non-zero padding (refused above 1% of the batch),\n' +
    'and compares every active feature with drift_reference.npz: PSI over all rows, Wasserstein-1 and the\n' +
    'two-sample KS test on a sample of up to 100,000 rows. With --model it also scores the batch and compares\n' +
    'the anomaly-score distribution; a transformer scores each row by its host\'s window (give --hosts).\n' +
    'Each feature is ok, warn or retrain by the drift thresholds of the config,\n' +
    'raised to the sampling noise of small batches or references; the verdict is the worst of them, or\n' +
    'insufficient-data when the rows are too few to tell a retrain-sized change from chance (a batch of less\n' +
    'than ~113 rows). Exit code 0, or 3 with --fail-on-drift when retraining is recommended.',
  options: [
    { name: 'reference', type: 'string', value: 'FILE', description: 'drift_reference.npz written by dadm train', required: true },
    { name: 'current', type: 'string', value: 'FILE', description: 'new batch .npy [rows, features], same units as the training data', required: true, stdio: 'read' },
    { name: 'model', type: 'string', value: 'FILE', description: 'model.safetensors trained with the reference, or a .onnx exported from it: adds anomaly-score drift' },
    { name: 'hosts', type: 'string', value: 'FILE', description: 'host ids .npy [rows] of the batch (with --model of a transformer)' },
    configOption('whose drift section sets the thresholds and limits section the file limits'),
    { name: 'fail-on-drift', type: 'boolean', description: `exit ${DRIFT_EXIT_CODE} when the verdict is retrain` },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'drift --reference out/drift_reference.npz --current new_batch.npy --model out/model.safetensors --fail-on-drift',
    'drift --reference out-seq/drift_reference.npz --current new_seq.npy --hosts new_hosts.npy --model out-seq/model.safetensors',
  ],
  run(values, io) {
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    const model = stringOption(values, 'model');
    const hosts = stringOption(values, 'hosts');
    const { config } = configFromOptions(values, io);
    let r: DriftResult;
    try {
      r = drift({
        reference: requiredString(values, 'reference'),
        current: requiredString(values, 'current'),
        ...(model !== undefined ? { model } : {}),
        ...(hosts !== undefined ? { hosts } : {}),
        config,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.clear();
    }
    if (values.json !== true && values.quiet !== true) for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
    printResult(io, values, r, driftLines(r));
    return values['fail-on-drift'] === true && r.verdict === 'retrain' ? DRIFT_EXIT_CODE : 0;
  },
};

/** The human report: a table of features (and the score), then the verdict and its reasons. */
export function driftLines(r: DriftResult): string[] {
  const excluded = r.invalidRows > 0 ? `, ${r.invalidRows} excluded` : '';
  const lines = [`drift of ${r.current} (${r.validRows} rows${excluded}) against ${r.reference} (built from the ${r.referenceRows}-row training file)`];
  const width = Math.max(13, ...r.features.map((f) => f.name.length));
  const row = (name: string, numbers: string[], status: string): string => `${name.padEnd(width)}${numbers.map((c) => ` ${c.padStart(10)}`).join('')}  ${status}`;
  const stats = (v: StatRow): string[] => [fmt(v.psi), fmt(v.wasserstein), fmt(v.ks.statistic), fmt(v.ks.pvalue)];
  lines.push(row('feature', ['PSI', 'W1', 'KS D', 'KS p'], 'status'));
  for (const f of r.features) lines.push(row(f.name, stats(f), f.status));
  if (r.score !== null) lines.push(row('anomaly score', stats(r.score), r.score.status));
  const note = r.verdict === 'retrain' ? ' (retraining recommended)' : r.verdict === 'insufficient-data' ? ' (too few rows to judge drift; statistics shown for information)' : '';
  lines.push(`verdict: ${r.verdict}${note}`);
  for (const reason of r.reasons) lines.push(`  ${reason}`);
  return lines;
}

interface StatRow {
  psi: number;
  wasserstein: number;
  ks: { statistic: number; pvalue: number };
}

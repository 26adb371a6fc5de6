/** `dadm federated simulate`: a whole federated run in real processes on 127.0.0.1. */
import { loadConfig, mergeConfig, simulateFederated, type PartialDadmConfig, type SimulateResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, choiceOption, intOption, numberOption, stringOption } from './options.js';
import { fmt, printResult } from './output.js';

const SPLITS = ['iid', 'by-host', 'by-profile'] as const;

export const federatedSimulateCommand: Command = {
  name: 'federated simulate',
  summary: 'run a server and N client processes on 127.0.0.1 and compare with centralized training',
  description:
    'Deals the data to --clients clients (iid: a seeded shuffle; by-host: whole hosts per client, from\n' +
    '--hosts or the file order; by-profile: rows sorted by host profile, so each client sees one or two\n' +
    'profiles), writes keys and one data file per client under --work-dir, starts `dadm federated\n' +
    'server` and one `dadm federated client` per client as processes, optionally crashes --drop of the\n' +
    'clients mid-round and kill -9\'s the server --server-kills times, and stops everything at the end.\n' +
    'Then prints per round the clients in/missing/rejected, the loss and the ROC-AUC on held-out\n' +
    'labelled rows, and the final checkpoint beside a centralized dadm train on the union of the data.\n' +
    'Without --data, synthetic endpoint hosts are generated (with profiles and a labelled test set); for a\n' +
    'sequence model (model: transformer) per-host time series as gen-data --sequences writes them. A\n' +
    'sequence model needs --hosts with --data and a by-host or by-profile split: each host\'s rows stay\n' +
    'on one client, in order, and whole hosts are held out for the ROC-AUC.',
  options: [
    { name: 'clients', type: 'string', value: 'N', description: 'client processes', default: '10' },
    { name: 'rounds', type: 'string', value: 'N', description: 'override federated.rounds' },
    { name: 'local-epochs', type: 'string', value: 'N', description: 'override federated.local_epochs' },
    { name: 'split', type: 'string', value: 'KIND', description: `how rows are dealt: ${SPLITS.join(', ')}`, default: 'iid' },
    { name: 'data', type: 'string', value: 'FILE', description: 'rows .npy [rows, features] (default: generated synthetic hosts)' },
    { name: 'labels', type: 'string', value: 'FILE', description: '0/1 labels of --data, .npy [rows]: a held-out 20% measures ROC-AUC' },
    { name: 'hosts', type: 'string', value: 'FILE', description: 'host id of every --data row, .npy [rows] (by-host; each client gets its rows\' ids)' },
    { name: 'profiles', type: 'string', value: 'FILE', description: 'host profile of every --data row, .npy [rows] (by-profile)' },
    { name: 'rows', type: 'string', value: 'N', description: 'synthetic rows to generate without --data (plus a quarter as test set)', default: '20000' },
    { name: 'steps', type: 'string', value: 'N', description: 'rows per generated host for a sequence model (--rows / --steps hosts)', default: '100' },
    { name: 'anomaly-rate', type: 'string', value: 'P', description: 'share of attack rows in generated data', default: '0.02' },
    { name: 'drop', type: 'string', value: 'F', description: 'fraction of clients that crash mid-round (in round 2)', default: '0' },
    { name: 'server-kills', type: 'string', value: 'N', description: 'kill -9 and restart the server N times at random moments', default: '0' },
    { name: 'secure', type: 'boolean', description: 'secure aggregation (federated.secure_aggregation: true)' },
    { name: 'work-dir', type: 'string', value: 'DIR', description: 'keys, shards, state dir, centralized run', default: 'fl-sim' },
    { name: 'config', type: 'string', value: 'FILE', description: 'config.yaml (model, training, federated:)', default: './config.yaml if present' },
    { name: 'seed', type: 'string', value: 'N', description: 'seed of data, split, drops, kills and local training', default: '0' },
    { name: 'timeout', type: 'string', value: 'S', description: 'stop everything after this many seconds', default: '900' },
    { name: 'no-centralized', type: 'boolean', description: 'skip the centralized comparison' },
    { name: 'verbose', type: 'boolean', description: 'also show every client\'s log lines' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: ['federated simulate --clients 10 --rounds 5 --split by-profile', 'federated simulate --config transformer.yaml --clients 10 --rounds 5 --split by-profile', 'federated simulate --clients 5 --secure --drop 0.2 --server-kills 2'],
  async run(values, io) {
    const federated: NonNullable<PartialDadmConfig['federated']> = {};
    const rounds = intOption(values, 'rounds', 1, 100_000);
    const epochs = intOption(values, 'local-epochs', 1, 10_000);
    if (rounds !== undefined) federated.rounds = rounds;
    if (epochs !== undefined) federated.localEpochs = epochs;
    if (values.secure === true) federated.secureAggregation = true;
    const config = mergeConfig({ federated }, loadConfig(stringOption(values, 'config')), 'command line');
    const quiet = values.quiet === true;
    const verbose = values.verbose === true;
    const data = stringOption(values, 'data');
    const files = Object.fromEntries((['labels', 'hosts', 'profiles'] as const).map((k) => [k, stringOption(values, k)]).filter(([, v]) => v !== undefined));
    const r = await simulateFederated({
      workDir: stringOption(values, 'work-dir') ?? 'fl-sim',
      clients: intOption(values, 'clients', 1, 1000) ?? 10,
      split: choiceOption(values, 'split', SPLITS) ?? 'iid',
      ...(data !== undefined ? { data } : { rows: intOption(values, 'rows', 100, 10_000_000) ?? 20_000, steps: intOption(values, 'steps', 2, 1_000_000) ?? 100, anomalyRate: numberOption(values, 'anomaly-rate', 0, 1) ?? 0.02 }),
      ...files,
      drop: numberOption(values, 'drop', 0, 0.99) ?? 0,
      serverKills: intOption(values, 'server-kills', 0, 100) ?? 0,
      config,
      seed: intOption(values, 'seed', 0) ?? 0,
      timeoutS: numberOption(values, 'timeout', 1, 86_400) ?? 900,
      centralized: values['no-centralized'] !== true,
      onLog: (line, from) => void (!quiet && (from !== 'client' || verbose) && io.stderr.write(`${line}\n`)),
    });
    printResult(io, values, r, summaryLines(r));
    return r.serverStatus === 'completed' ? 0 : 1;
  },
};

/** The per-round table and the comparison with centralized training. */
function summaryLines(r: SimulateResult): string[] {
  const lines = [`${'round'.padEnd(6)}${'status'.padEnd(12)}${'in'.padStart(4)}${'missing'.padStart(9)}${'rejected'.padStart(10)}${'loss'.padStart(12)}${'ROC-AUC'.padStart(10)}`];
  for (const x of r.rounds) {
    const rejected = Object.values(x.rejected).reduce((a, b) => a + b, 0);
    const last = x.threshold !== null ? `  threshold ${fmt(x.threshold)}` : `${fmt(x.meanLoss).padStart(12)}${(x.auc === null ? '-' : x.auc.toFixed(4)).padStart(10)}`;
    lines.push(`${String(x.round).padEnd(6)}${x.status.padEnd(12)}${String(x.accepted).padStart(4)}${String(x.missing.length).padStart(9)}${String(rejected).padStart(10)}${last}${x.reason ? `  (${x.reason})` : ''}`);
  }
  const quality = (c: { threshold: number; flaggedFraction: number; labels: { rocAuc: number | null; precision: number; recall: number } | null }): string =>
    c.labels === null ? `threshold ${fmt(c.threshold)}` : `ROC-AUC ${fmt(c.labels.rocAuc)}, precision ${fmt(c.labels.precision)} / recall ${fmt(c.labels.recall)} at threshold ${fmt(c.threshold)} (${(100 * c.flaggedFraction).toFixed(2)}% of held-out rows flagged)`;
  const f = r.final;
  lines.push(`federated  model v${f.modelVersion}: ${f.checkpoint !== null ? quality(f.checkpoint) : `ROC-AUC ${fmt(f.auc)} (no checkpoint)`}`);
  if (r.centralized !== null) lines.push(`centralized dadm train on the union: ${quality(r.centralized)}`);
  const dropped = r.clients.filter((c) => c.dropped).length;
  lines.push(`server ${r.serverStatus}; ${r.clients.length} clients (${dropped} crashed on purpose), ${r.restarts.length} server restart(s)`);
  if (r.files.checkpoint !== null) lines.push(`checkpoint ${r.files.checkpoint}: dadm score, export-onnx, explain and drift take it`);
  return lines;
}

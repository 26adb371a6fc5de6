/** `dadm gen-data`: synthetic endpoint-v1 model input with optional labels. */
import { UsageError } from '../errors.js';
import { MAX_GENERATED_ROWS, generateData, writeSequenceFiles } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, intOption, numberOption, requiredString, stringOption } from './options.js';
import { printResult } from './output.js';

export const genDataCommand: Command = {
  name: 'gen-data',
  summary: 'generate synthetic endpoint telemetry (model input .npy or raw events .ndjson/.csv, optional labels)',
  description:
    'Draws host-day rows of the 12 endpoint-v1 features (normal hosts plus, with --anomaly-rate, injected\n' +
    'exfiltration, privilege escalation, ransomware and lateral movement). --out picks the format by its\n' +
    'extension: .npy normalizes them and writes [rows, 64] float32 model input (for train, score, drift);\n' +
    '.ndjson (one JSON object per row) or .csv (a header, then one line per row) writes the raw events,\n' +
    'the features by name in raw units, as score --format ndjson|csv reads them. Labels (1 = anomaly) and\n' +
    'attack codes are uint8 .npy files.\n' +
    'With --sequences it writes per-host time series instead (--rows / --steps hosts of --steps rows each,\n' +
    'daily rhythm, own noise) with sequence attacks whose every row is plausible on its own (slow exfiltration,\n' +
    'beaconing, staged intrusion, behaviour switch), and the host id of each row to --hosts-out.\n' +
    'The same options always write the same bytes.',
  options: [
    { name: 'rows', type: 'string', value: 'N', description: 'number of rows', required: true },
    { name: 'out', type: 'string', value: 'FILE', description: 'output: .npy model input, or .ndjson / .csv raw events', required: true },
    { name: 'seed', type: 'string', value: 'N', description: 'random seed', default: '0' },
    { name: 'anomaly-rate', type: 'string', value: 'P', description: 'share of rows that are attacks, in [0, 1]', default: '0' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'output .npy for labels [rows] uint8 (1 = anomaly)' },
    { name: 'attack-types', type: 'string', value: 'FILE', description: 'output .npy for attack codes [rows] uint8 (0 normal, 1 exfiltration, 2 privilege_escalation, 3 ransomware, 4 lateral_movement)' },
    { name: 'sequences', type: 'boolean', description: 'per-host time series with sequence attacks (for --model transformer)' },
    { name: 'hosts-out', type: 'string', value: 'FILE', description: 'with --sequences: output .npy for host ids [rows] int32' },
    { name: 'steps', type: 'string', value: 'N', description: 'with --sequences: rows per host (--rows must be a multiple)', default: '100' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'gen-data --rows 5000 --out data.npy --anomaly-rate 0.02 --labels labels.npy',
    'gen-data --rows 1000 --seed 9 --out events.ndjson',
    'gen-data --sequences --rows 200000 --steps 100 --out seq.npy --hosts-out hosts.npy --anomaly-rate 0.03 --labels seq-labels.npy',
  ],
  run(values, io) {
    const labels = stringOption(values, 'labels');
    const types = stringOption(values, 'attack-types');
    if (values.sequences === true) return genSequences(values, io);
    for (const flag of ['hosts-out', 'steps']) {
      if (values[flag] !== undefined) throw new UsageError(`gen-data: --${flag} must be given only with --sequences, got --${flag} without it`);
    }
    const result = generateData({
      rows: intOption(values, 'rows', 1, MAX_GENERATED_ROWS)!,
      out: requiredString(values, 'out'),
      seed: intOption(values, 'seed', 0) ?? 0,
      anomalyRate: numberOption(values, 'anomaly-rate', 0, 1) ?? 0,
      ...(labels !== undefined ? { labelsOut: labels } : {}),
      ...(types !== undefined ? { attackTypesOut: types } : {}),
    });
    const written = [result.files.data, result.files.labels, result.files.attackTypes].filter((f) => f !== undefined);
    printResult(io, values, result, [`wrote ${result.rows} rows x ${result.cols} (${result.anomalies} anomalies) to ${written.join(', ')}`]);
    return 0;
  },
};

/** `gen-data --sequences`: per-host series with sequence attacks. */
function genSequences(values: Parameters<Command['run']>[0], io: Parameters<Command['run']>[1]): number {
  const hostsOut = stringOption(values, 'hosts-out');
  if (hostsOut === undefined) throw new UsageError('gen-data: --hosts-out must be given with --sequences (the host id of each row), got none');
  const rows = intOption(values, 'rows', 1, MAX_GENERATED_ROWS)!;
  const steps = intOption(values, 'steps', 1) ?? 100;
  if (rows % steps !== 0) throw new UsageError(`gen-data: --rows must be a multiple of --steps (${steps}) with --sequences, got ${rows}`);
  const labels = stringOption(values, 'labels');
  const types = stringOption(values, 'attack-types');
  const result = writeSequenceFiles({
    hosts: rows / steps,
    steps,
    seed: intOption(values, 'seed', 0) ?? 0,
    anomalyRate: numberOption(values, 'anomaly-rate', 0, 0.5) ?? 0,
    out: requiredString(values, 'out'),
    hostsOut,
    ...(labels !== undefined ? { labelsOut: labels } : {}),
    ...(types !== undefined ? { attackTypesOut: types } : {}),
  });
  const written = [result.files.data, result.files.hosts, result.files.labels, result.files.attackTypes].filter((f) => f !== undefined);
  const codes = result.attackNames.map((n, i) => `${i} ${n}`).join(', ');
  printResult(io, values, result, [`wrote ${result.rows} rows x ${result.cols} of ${result.hosts} hosts x ${result.steps} steps (${result.anomalies} attack steps; attack codes ${codes}) to ${written.join(', ')}`]);
  return 0;
}

/** `dadm gen-data`: synthetic endpoint-v1 model input with optional labels. */
import { MAX_GENERATED_ROWS, generateData } from '../pipeline/index.js';
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
    'attack codes are uint8 .npy files. The same options always write the same bytes.',
  options: [
    { name: 'rows', type: 'string', value: 'N', description: 'number of rows', required: true },
    { name: 'out', type: 'string', value: 'FILE', description: 'output: .npy model input, or .ndjson / .csv raw events', required: true },
    { name: 'seed', type: 'string', value: 'N', description: 'random seed', default: '0' },
    { name: 'anomaly-rate', type: 'string', value: 'P', description: 'share of rows that are attacks, in [0, 1]', default: '0' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'output .npy for labels [rows] uint8 (1 = anomaly)' },
    { name: 'attack-types', type: 'string', value: 'FILE', description: 'output .npy for attack codes [rows] uint8 (0 normal, 1 exfiltration, 2 privilege_escalation, 3 ransomware, 4 lateral_movement)' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: ['gen-data --rows 5000 --out data.npy --anomaly-rate 0.02 --labels labels.npy', 'gen-data --rows 1000 --seed 9 --out events.ndjson'],
  run(values, io) {
    const labels = stringOption(values, 'labels');
    const types = stringOption(values, 'attack-types');
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

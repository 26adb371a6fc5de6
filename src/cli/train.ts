/** `dadm train`: trains a model of any kind (autoencoder, iforest, ecod, ensemble, transformer) on a .npy file. */
import { MAX_EPOCHS } from '../checks.js';
import { MODEL_KIND_NAMES, modelKind, train } from '../pipeline/index.js';
import type { Command } from './command.js';
import { BACKEND_OPTION, JSON_OPTION, QUIET_OPTION, THREADS_OPTION, choiceOption, computeOptions, configFromOptions, configOption, intOption, requiredString, stringOption } from './options.js';
import { fmt, printResult } from './output.js';
import { ProgressPrinter } from './progress.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on a .npy file (streamed; any size)',
  description:
    'Trains the model of the config (autoencoder by default, --model iforest or --model transformer) on\n' +
    '[rows, features] data, reading the file in row chunks so memory does not grow with it. The transformer\n' +
    'reads windows of a host\'s consecutive rows: give --hosts (one host id per row, a host\'s rows in time\n' +
    'order) or 3-D windows [N, T, features]. Writes OUT_DIR/model.safetensors,\n' +
    'OUT_DIR/drift_reference.npz and OUT_DIR/metrics.json; nothing is written if training fails.\n' +
    'Without --config, ./config.yaml is used when it exists, else the defaults (see dadm init-config).',
  options: [
    { name: 'data', type: 'string', value: 'FILE', description: 'training data .npy [rows, features] (transformer: or windows [N, T, features])', required: true, noStdio: 'train reads it once to check it, then once per epoch' },
    { name: 'hosts', type: 'string', value: 'FILE', description: 'host ids .npy [rows] of integers (transformer with 2-D rows)' },
    { name: 'timestamps', type: 'string', value: 'FILE', description: 'with --hosts: times .npy [rows] int64 or float64; each host\'s rows must be in time order' },
    { name: 'out-dir', type: 'string', value: 'DIR', description: 'output directory (created if missing)', required: true },
    configOption('with every training setting'),
    { name: 'seed', type: 'string', value: 'N', description: 'override training.seed' },
    { name: 'epochs', type: 'string', value: 'N', description: 'override training.epochs' },
    { name: 'model', type: 'string', value: 'KIND', description: `override model: ${MODEL_KIND_NAMES.join(' or ')}` },
    { name: 'init-checkpoint', type: 'string', value: 'FILE', description: 'start from the weights (and scaler) of an autoencoder or transformer checkpoint' },
    { ...BACKEND_OPTION, description: 'override backend: auto, js or wasm' },
    { ...THREADS_OPTION, description: "override threads: 'auto' or a count (1 = single-threaded)" },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'train --data data.npy --out-dir out --epochs 10',
    'train --data data.npy --out-dir out --threads auto',
    'train --data data.npy --out-dir out-forest --model iforest',
    'train --data seq.npy --hosts hosts.npy --out-dir out-seq --model transformer',
  ],
  run(values, io) {
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    const seed = intOption(values, 'seed', 0);
    const epochs = intOption(values, 'epochs', 1, MAX_EPOCHS);
    const model = choiceOption(values, 'model', MODEL_KIND_NAMES);
    const init = stringOption(values, 'init-checkpoint');
    const hosts = stringOption(values, 'hosts');
    const timestamps = stringOption(values, 'timestamps');
    const compute = computeOptions(values);
    const { config } = configFromOptions(values, io);
    let result;
    try {
      result = train({
        data: requiredString(values, 'data'),
        outDir: requiredString(values, 'out-dir'),
        config,
        ...(seed !== undefined ? { seed } : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(model !== undefined ? { model } : {}),
        ...(init !== undefined ? { initCheckpoint: init } : {}),
        ...(hosts !== undefined ? { hosts } : {}),
        ...(timestamps !== undefined ? { timestamps } : {}),
        ...compute,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.clear();
    }
    const m = result.metrics;
    printResult(io, values, { files: result.files, metrics: m }, [
      `trained ${m.modelType} on ${m.trainingRows} rows (${m.validationRows} validation) in ${fmt(m.timings.total)} s` +
        (modelKind(m.modelType).trainsByEpochs ? `, best epoch ${m.bestEpoch}/${m.epochs.length}${m.stoppedEarly ? ' (stopped early)' : ''}, validation loss ${fmt(m.validationLoss)}` : ''),
      `threshold ${fmt(m.threshold)} (${m.thresholdMethod}); ${(100 * m.flaggedFraction).toFixed(2)}% of ${m.validationRows > 0 ? 'validation' : 'training'} rows above it`,
      `wrote ${result.files.model}, ${result.files.driftReference}, ${result.files.metrics}`,
    ]);
    return 0;
  },
};

/** `dadm quantize`: int8 dynamic quantization of a model.onnx, with an optional accuracy check. */
import { InvalidOptionError, UsageError } from '../errors.js';
import { STDIO_PATH } from '../io/index.js';
import { quantizeModel, type QuantizeModelResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, choiceOption, configFromOptions, configOption, intOption, requiredString, stringOption } from './options.js';
import { fmt, printResult } from './output.js';

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'int8-quantize a model.onnx (dynamic quantization); with check data, compare its scores',
  description:
    'Rewrites MatMul/Gemm nodes with a constant weight to int8 (weights quantized once, activations at run\n' +
    'time), like onnxruntime\'s quantize_dynamic, and reports which nodes were rewritten or skipped and\n' +
    'why, and the file sizes. By default only hidden layers with >= 1024 weights are rewritten, and only\n' +
    'when that shrinks the file: output layers (the reconstruction) and small layers stay in float, which\n' +
    'keeps the score ranking (Spearman >= 0.999 on dadm\'s models). --all-nodes rewrites every node, as\n' +
    'onnxruntime does. With --check-data, both models score the rows through dadm\'s runtime and\n' +
    'the report gives the largest score differences, the Spearman rank correlation and the fraction of\n' +
    'rows whose decision at the threshold flips; with --labels also both ROC-AUCs. The input file is never\n' +
    'overwritten. Weight type, per-channel, reduce-range, excluded nodes and the selection rules default to the quantization\n' +
    'section of --config (without it ./config.yaml when it exists, else the defaults); flags override it.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'float model.onnx (from dadm export-onnx)', required: true },
    { name: 'output', type: 'string', value: 'FILE', description: 'where to write the quantized model', required: true, stdio: 'write' },
    configOption('whose quantization section gives the defaults of the flags below'),
    { name: 'per-channel', type: 'boolean', description: 'one scale per output column instead of per tensor', default: 'quantization.per_channel' },
    { name: 'weight-type', type: 'string', value: 'TYPE', description: 'int8 or uint8 weights', default: 'config quantization.weight_type, else int8' },
    { name: 'reduce-range', type: 'boolean', description: '7-bit weight ranges', default: 'quantization.reduce_range' },
    { name: 'exclude', type: 'string', value: 'NODES', description: 'comma-separated node names to keep in float, e.g. layers.3.MatMul (replaces the config\'s list; \'\' = none)', default: 'quantization.exclude' },
    { name: 'min-weights', type: 'string', value: 'N', description: 'keep nodes whose weight has fewer than N elements in float', default: 'config quantization.min_weights, else 1024' },
    { name: 'quantize-output-layers', type: 'boolean', description: 'also rewrite output layers (no MatMul/Gemm after them)' },
    { name: 'all-nodes', type: 'boolean', description: 'rewrite every eligible node, as onnxruntime does (= --min-weights 0 --quantize-output-layers, even when the file grows)' },
    { name: 'check-data', type: 'string', value: 'FILE', description: 'data .npy [rows, features] to compare float and quantized scores on', noStdio: 'quantize scores it with both models' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'labels .npy [rows] of 0/1 for --check-data (adds ROC-AUC)' },
    { name: 'check-hosts', type: 'string', value: 'FILE', description: 'transformer: host ids .npy [rows] of the --check-data rows' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'quantize --model out/model.onnx --output out/model_quantized.onnx',
    'quantize --model out/model.onnx --output out/model_quantized.onnx --per-channel --check-data data.npy --labels labels.npy',
    'quantize --model out/model.onnx --output out/model_quantized.onnx --all-nodes',
    'quantize --model out/model.onnx --output out/model_quantized.onnx --config config.yaml',
  ],
  run(values, io) {
    const weightType = choiceOption(values, 'weight-type', ['int8', 'uint8'] as const);
    const excludeFlag = stringOption(values, 'exclude');
    const checkData = stringOption(values, 'check-data');
    const labels = stringOption(values, 'labels');
    const checkHosts = stringOption(values, 'check-hosts');
    const minWeights = intOption(values, 'min-weights', 0);
    const allNodes = values['all-nodes'] === true;
    if (allNodes && (minWeights !== undefined || values['quantize-output-layers'] === true)) {
      throw new UsageError('--all-nodes must not be combined with --min-weights or --quantize-output-layers, got both');
    }
    if (labels !== undefined && checkData === undefined) throw new UsageError('--labels must come with --check-data, got --labels alone');
    if (checkHosts !== undefined && checkData === undefined) throw new UsageError('--check-hosts must come with --check-data, got --check-hosts alone');
    const found = configFromOptions(values, io);
    const { quantization: config, limits } = found.config;
    // Which file the defaults came from, for messages about them.
    const configFile = found.path ?? 'the default config';
    const exclude = excludeFlag !== undefined ? excludeFlag.split(',').map((s) => s.trim()).filter((s) => s !== '') : config.exclude;
    const output = requiredString(values, 'output');
    const toStdout = output === STDIO_PATH;
    let r: QuantizeModelResult;
    try {
      r = quantizeModel({
        model: requiredString(values, 'model'),
        ...(toStdout ? {} : { output }),
        // A flag can only switch a setting on; the config's value stands otherwise.
        perChannel: values['per-channel'] === true || config.perChannel,
        weightType: weightType ?? config.weightType,
        reduceRange: values['reduce-range'] === true || config.reduceRange,
        exclude,
        minWeights: allNodes ? 0 : (minWeights ?? config.minWeights),
        keepOutputLayers: !allNodes && values['quantize-output-layers'] !== true && config.keepOutputLayers,
        requireSmaller: !allNodes && config.requireSmaller,
        ...(checkData !== undefined ? { checkData } : {}),
        ...(labels !== undefined ? { labels } : {}),
        ...(checkHosts !== undefined ? { checkHosts } : {}),
        limits,
      });
    } catch (err) {
      throw commandLineError(err, excludeFlag !== undefined, configFile);
    }
    const { encoded, ...summary } = r;
    if (toStdout) io.stdout.write(encoded);
    printResult(io, values, summary, describe(r), toStdout ? 'stderr' : 'stdout');
    return 0;
  },
};

/**
 * Naming the input file as the output, or a node that is not in the model in --exclude, is a
 * command-line mistake: exit 2 like other bad flags. A bad node name from the config's
 * quantization.exclude is reported against the config file (exit 1, like other config errors).
 */
function commandLineError(err: unknown, excludeFromFlag: boolean, configFile: string): unknown {
  if (!(err instanceof InvalidOptionError)) return err;
  if (err.option === 'output') return new UsageError(err.message);
  if (err.option === 'exclude') {
    const what = err.message.replace(/^quantize: exclude /, '');
    return excludeFromFlag ? new UsageError(`--exclude ${what}`) : new InvalidOptionError(`${configFile}: quantization.exclude ${what}`, 'quantization.exclude');
  }
  return err;
}

function describe(r: QuantizeModelResult): string[] {
  const none = r.report.skipped.length > 0 ? 'no node quantized' : 'no quantizable nodes';
  const lines = [r.changed ? r.report.message : `${none} — output equals input (${r.report.message})`];
  for (const q of r.report.quantized) lines.push(`  quantized ${q.opType} ${q.node} (weight ${q.weight}, ${q.perChannel ? 'per channel' : 'per tensor'})`);
  for (const s of r.report.skipped) lines.push(`  skipped   ${s.opType} ${s.node}: ${s.reason}`);
  const pct = r.bytesBefore > 0 ? ` (${((100 * r.bytesAfter) / r.bytesBefore).toFixed(1)}%)` : '';
  lines.push(`size ${r.bytesBefore} -> ${r.bytesAfter} bytes${pct}; wrote ${r.output ?? 'standard output'}`);
  const c = r.check;
  if (c !== null) {
    lines.push(`check on ${c.rows} rows: max |diff| ${fmt(c.maxAbsDiff)}, max relative diff ${fmt(c.maxRelDiff)}, Spearman ${c.spearman.toFixed(6)}`);
    lines.push(c.flipFraction === null ? '  no threshold in the model: decision flips not counted' : `  decisions flipped at threshold ${fmt(c.threshold)}: ${(100 * c.flipFraction).toFixed(3)}% of rows`);
    if (c.floatRocAuc !== null && c.quantRocAuc !== null) lines.push(`  ROC-AUC float ${c.floatRocAuc.toFixed(4)}, quantized ${c.quantRocAuc.toFixed(4)} (diff ${signed(c.quantRocAuc - c.floatRocAuc)})`);
  }
  return lines;
}

/** A difference with its sign and 4 significant digits ("+2.5e-5", "-0.0012"), "0" only when there is none. */
function signed(d: number): string {
  return d === 0 ? '0' : `${d > 0 ? '+' : ''}${fmt(d)}`;
}

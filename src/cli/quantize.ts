/** `dadm quantize`: int8 dynamic quantization of a model.onnx, with an optional accuracy check. */
import { InvalidOptionError, UsageError } from '../errors.js';
import { quantizeModel, type QuantizeModelResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, choiceOption, intOption, requiredString, stringOption } from './options.js';
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
    'overwritten.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'float model.onnx (from dadm export-onnx)', required: true },
    { name: 'output', type: 'string', value: 'FILE', description: 'where to write the quantized model', required: true },
    { name: 'per-channel', type: 'boolean', description: 'one scale per output column instead of per tensor' },
    { name: 'weight-type', type: 'string', value: 'TYPE', description: 'int8 or uint8 weights', default: 'int8' },
    { name: 'reduce-range', type: 'boolean', description: '7-bit weight ranges' },
    { name: 'exclude', type: 'string', value: 'NODES', description: 'comma-separated node names to keep in float, e.g. layers.3.MatMul' },
    { name: 'min-weights', type: 'string', value: 'N', description: 'keep nodes whose weight has fewer than N elements in float', default: '1024' },
    { name: 'quantize-output-layers', type: 'boolean', description: 'also rewrite output layers (no MatMul/Gemm after them)' },
    { name: 'all-nodes', type: 'boolean', description: 'rewrite every eligible node, as onnxruntime does (= --min-weights 0 --quantize-output-layers, even when the file grows)' },
    { name: 'check-data', type: 'string', value: 'FILE', description: 'data .npy [rows, features] to compare float and quantized scores on' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'labels .npy [rows] of 0/1 for --check-data (adds ROC-AUC)' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'quantize --model out/model.onnx --output out/model_quantized.onnx',
    'quantize --model out/model.onnx --output out/model_quantized.onnx --per-channel --check-data data.npy --labels labels.npy',
    'quantize --model out/model.onnx --output out/model_quantized.onnx --all-nodes',
  ],
  run(values, io) {
    const weightType = choiceOption(values, 'weight-type', ['int8', 'uint8'] as const);
    const exclude = stringOption(values, 'exclude');
    const checkData = stringOption(values, 'check-data');
    const labels = stringOption(values, 'labels');
    const minWeights = intOption(values, 'min-weights', 0);
    const allNodes = values['all-nodes'] === true;
    if (allNodes && (minWeights !== undefined || values['quantize-output-layers'] === true)) {
      throw new UsageError('--all-nodes must not be combined with --min-weights or --quantize-output-layers, got both');
    }
    if (labels !== undefined && checkData === undefined) throw new UsageError('--labels must come with --check-data, got --labels alone');
    let r: QuantizeModelResult;
    try {
      r = quantizeModel({
        model: requiredString(values, 'model'),
        output: requiredString(values, 'output'),
        ...(values['per-channel'] === true ? { perChannel: true } : {}),
        ...(weightType !== undefined ? { weightType } : {}),
        ...(values['reduce-range'] === true ? { reduceRange: true } : {}),
        ...(allNodes ? { minWeights: 0, keepOutputLayers: false, requireSmaller: false } : {}),
        ...(minWeights !== undefined ? { minWeights } : {}),
        ...(values['quantize-output-layers'] === true ? { keepOutputLayers: false } : {}),
        ...(exclude !== undefined ? { exclude: exclude.split(',').map((s) => s.trim()).filter((s) => s !== '') } : {}),
        ...(checkData !== undefined ? { checkData } : {}),
        ...(labels !== undefined ? { labels } : {}),
      });
    } catch (err) {
      // Naming the input file as the output is a command-line mistake: exit 2 like other bad flags.
      if (err instanceof InvalidOptionError && err.option === 'output') throw new UsageError(err.message);
      throw err;
    }
    printResult(io, values, r, describe(r));
    return 0;
  },
};

function describe(r: QuantizeModelResult): string[] {
  const none = r.report.skipped.length > 0 ? 'no node quantized' : 'no quantizable nodes';
  const lines = [r.changed ? r.report.message : `${none} — output equals input (${r.report.message})`];
  for (const q of r.report.quantized) lines.push(`  quantized ${q.opType} ${q.node} (weight ${q.weight}, ${q.perChannel ? 'per channel' : 'per tensor'})`);
  for (const s of r.report.skipped) lines.push(`  skipped   ${s.opType} ${s.node}: ${s.reason}`);
  const pct = r.bytesBefore > 0 ? ` (${((100 * r.bytesAfter) / r.bytesBefore).toFixed(1)}%)` : '';
  lines.push(`size ${r.bytesBefore} -> ${r.bytesAfter} bytes${pct}; wrote ${r.output}`);
  const c = r.check;
  if (c !== null) {
    lines.push(`check on ${c.rows} rows: max |diff| ${fmt(c.maxAbsDiff)}, max relative diff ${fmt(c.maxRelDiff)}, Spearman ${c.spearman.toFixed(6)}`);
    lines.push(c.flipFraction === null ? '  no threshold in the model: decision flips not counted' : `  decisions flipped at threshold ${fmt(c.threshold)}: ${(100 * c.flipFraction).toFixed(3)}% of rows`);
    if (c.floatRocAuc !== null && c.quantRocAuc !== null) lines.push(`  ROC-AUC float ${c.floatRocAuc.toFixed(4)}, quantized ${c.quantRocAuc.toFixed(4)} (diff ${(c.quantRocAuc - c.floatRocAuc).toFixed(4)})`);
  }
  return lines;
}

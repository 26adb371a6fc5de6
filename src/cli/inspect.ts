/** `dadm inspect`: inputs, outputs, ops, parameters and metadata of a model.onnx or model.safetensors. */
import { METADATA_KEYS, inspectModel, plural, type ModelInfo } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, LIMITS_CONFIG_OPTION, configLimits, requiredString } from './options.js';
import { fmt, printResult } from './output.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show what a model file holds: inputs, outputs, ops, parameters, metadata',
  description:
    'Describes a model.onnx (exported or quantized) or a model.safetensors checkpoint: graph inputs and\n' +
    'outputs with shapes, op counts (layers/trees for a checkpoint), parameter count, file size, and what\n' +
    'the file says about itself: model type, schema, threshold, training summary, quantization.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'a .onnx or .safetensors model (the flag may be left out)', required: true },
    LIMITS_CONFIG_OPTION,
    JSON_OPTION,
  ],
  positional: 'model',
  examples: ['inspect out/model.onnx', 'inspect --model out/model.safetensors --json'],
  run(values, io) {
    const info = inspectModel(requiredString(values, 'model'), configLimits(values, io).limits);
    printResult(io, values, info, describe(info));
    return 0;
  },
};

/** Human lines for a {@link ModelInfo}. */
function describe(i: ModelInfo): string[] {
  const tensor = (t: ModelInfo['inputs'][number]): string => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`;
  const lines = [
    `${i.path}: ${i.format === 'onnx' ? 'ONNX model' : 'dadm checkpoint'}, ${i.bytes} bytes`,
    `  model type  ${i.modelType ?? 'unknown'}${i.quantized ? ' (int8 quantized)' : ''}`,
    `  inputs      ${i.inputs.map(tensor).join('; ')}`,
    `  outputs     ${i.outputs.map(tensor).join('; ')}`,
    `  ${i.format === 'onnx' ? 'ops        ' : 'layers     '} ${Object.entries(i.ops).map(([op, n]) => `${op} x${n}`).join(', ')}`,
    // A forest's splits and leaves are its parameters; an ONNX tree ensemble keeps them in attributes.
    i.trees === null ? `  parameters  ${i.parameters}` : `  trees       ${plural(i.trees.trees, 'tree')}, ${plural(i.trees.nodes, 'node')}`,
  ];
  if (i.opsets.length > 0) lines.push(`  opsets      ${i.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}; IR ${i.irVersion}${i.producer ? `; producer ${i.producer}` : ''}`);
  if (i.schema !== null) lines.push(`  schema      ${i.schema.name} ${i.schema.version ?? ''} (hash ${(i.schema.hash ?? '?').slice(0, 12)})`);
  if (i.threshold !== null) lines.push(`  threshold   ${fmt(i.threshold)} (score > threshold = anomaly)`);
  const quant = i.metadata[METADATA_KEYS.quantization];
  if (quant !== undefined) lines.push(`  quantization ${quant}`);
  if (i.training !== null) {
    const t = i.training;
    const epochs = typeof t.epochs_run === 'number' ? plural(t.epochs_run, 'epoch') : '? epochs';
    lines.push(`  training    ${t.training_rows ?? '?'} rows (${t.validation_rows ?? 0} validation), ${epochs}, validation loss ${fmt(t.validation_loss as number | null)}`);
  }
  const version = i.metadata[METADATA_KEYS.dadmVersion];
  if (version !== undefined) lines.push(`  written by  dadm ${version}`);
  return lines;
}

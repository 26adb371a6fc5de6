/** `dadm export-onnx`: a checkpoint as model.onnx, checked against the checkpoint's scores. */
import { STDIO_PATH } from '../io/index.js';
import { EXPORT_OPSET_RANGE, exportOnnx } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, LIMITS_CONFIG_OPTION, QUIET_OPTION, configLimits, intOption, requiredString } from './options.js';
import { fmt, printResult } from './output.js';

export const exportOnnxCommand: Command = {
  name: 'export-onnx',
  summary: 'export a trained model to ONNX (self-describing, checked against the checkpoint)',
  description:
    'Writes the autoencoder or isolation forest of a checkpoint as an ONNX model that scores raw rows\n' +
    '(the scaler, if any, is inside the graph). Metadata records model type, schema, feature names and\n' +
    'threshold. Opset and batch layout default to the onnx section of the config the model was trained\n' +
    'with. Before writing, a few rows are scored by the checkpoint and by dadm\'s ONNX runtime; the\n' +
    'command fails if they differ by more than 1e-4.',
  options: [
    { name: 'checkpoint', type: 'string', value: 'FILE', description: 'model.safetensors written by dadm train', required: true },
    { name: 'output', type: 'string', value: 'FILE', description: 'the .onnx file to write', required: true, stdio: 'write' },
    { name: 'opset', type: 'string', value: 'N', description: `default-domain opset, ${EXPORT_OPSET_RANGE[0]} to ${EXPORT_OPSET_RANGE[1]}`, default: 'the config\'s onnx.opset' },
    { name: 'dynamic-batch', type: 'boolean', description: 'symbolic batch dimension instead of a batch of 1', default: 'the config\'s onnx.dynamic_batch' },
    { name: 'fold-scaler', type: 'boolean', description: 'autoencoder: fold the scaler into the first layer (not advised before int8 quantization)' },
    LIMITS_CONFIG_OPTION,
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'export-onnx --checkpoint out/model.safetensors --output out/model.onnx',
    'export-onnx --checkpoint out/model.safetensors --output out/model.onnx --opset 13 --dynamic-batch',
    'export-onnx --checkpoint out/model.safetensors --output - | ssh edge-host "cat > /opt/agent/model.onnx"',
  ],
  run(values, io) {
    const opset = intOption(values, 'opset', ...EXPORT_OPSET_RANGE);
    const output = requiredString(values, 'output');
    const toStdout = output === STDIO_PATH;
    const { encoded, ...r } = exportOnnx({
      checkpoint: requiredString(values, 'checkpoint'),
      ...(toStdout ? {} : { output }),
      ...(opset !== undefined ? { opset } : {}),
      ...(values['dynamic-batch'] === true ? { dynamicBatch: true } : {}),
      ...(values['fold-scaler'] === true ? { foldScaler: true } : {}),
      ...configLimits(values, io),
    });
    if (toStdout) io.stdout.write(encoded);
    const ops = Object.entries(r.ops).map(([op, n]) => `${op} x${n}`).join(', ');
    printResult(io, values, r, [
      `wrote ${r.output ?? 'standard output'} (${r.bytes} bytes): ${r.modelType}, opset ${r.opset}, batch ${r.dynamicBatch ? 'dynamic' : '1'}`,
      `ops: ${ops}`,
      `self-check: dadm's runtime reproduces the checkpoint's scores on ${r.selfCheck.rows} rows (max diff ${fmt(r.selfCheck.maxAbsDiff)}, limit ${r.selfCheck.tolerance})`,
    ], toStdout ? 'stderr' : 'stdout');
    return 0;
  },
};

/**
 * The command table. Adding a command = one file in src/cli/ exporting a Command, plus one line here.
 * `dadm --help` lists them in this order.
 */
import type { Command } from './command.js';
import { demoCommand } from './demo.js';
import { driftCommand } from './drift.js';
import { evaluateCommand } from './evaluate.js';
import { explainCommand } from './explain.js';
import { exportOnnxCommand } from './export-onnx.js';
import { federatedCommand } from './federated.js';
import { genDataCommand } from './gen-data.js';
import { initConfigCommand } from './init-config.js';
import { inspectCommand } from './inspect.js';
import { kernelsCommand } from './kernels.js';
import { quantizeCommand } from './quantize.js';
import { reportCommand } from './report.js';
import { scoreCommand } from './score.js';
import { trainCommand } from './train.js';

export const COMMANDS: readonly Command[] = [
  initConfigCommand,
  genDataCommand,
  trainCommand,
  scoreCommand,
  evaluateCommand,
  driftCommand,
  exportOnnxCommand,
  quantizeCommand,
  inspectCommand,
  kernelsCommand,
  explainCommand,
  reportCommand,
  federatedCommand,
  demoCommand,
];

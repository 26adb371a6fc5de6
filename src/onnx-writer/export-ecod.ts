/**
 * `exportEcod`: a fitted ECOD (its checkpoint arrays) as an ONNX graph. ECOD's score of a row is a sum
 * over features of a step function of that feature's value, so it is exactly one ai.onnx.ml
 * TreeEnsembleRegressor (aggregate SUM) with one tree per feature. Layout in docs/ecod.md, "ONNX".
 */
import { FormatError, InvalidOptionError } from '../errors.js';
import { featureSteps, type StepTables } from '../model-spec/index.js';
import { GraphBuilder, type onnx } from '../onnx/index.js';
import { addStepTreeEnsemble, type StepTree } from './export-step-trees.js';
import { resolveTreeExportOptions, treeModel, type TreeExportOptions } from './export-tree-nodes.js';

/** Options of {@link exportEcod}: opset, dynamicBatch, irVersion, mlOpset (1 to 3, default 3), metadata. */
export interface EcodExportOptions extends TreeExportOptions {
  /**
   * Columns of the graph input, >= meta.nFeaturesIn (default equal): feature j's tree reads column j,
   * so the tables score the leading columns of a wider row (a schema's active features before its padding).
   */
  inputWidth?: number;
}

/**
 * ECOD's per-feature tables as step trees: feature j's thresholds and values (views, no copy).
 * @throws FormatError when the offsets do not describe the arrays
 */
export function ecodStepTrees(ecod: { arrays: StepTables; meta: { nFeaturesIn: number } }, where: string): StepTree[] {
  const { arrays: a, meta } = ecod ?? {};
  const D = meta?.nFeaturesIn;
  if (!(Number.isSafeInteger(D) && D! >= 1)) throw new FormatError(`${where}: meta.nFeaturesIn must be an integer >= 1, got ${String(D)}`, where);
  const T = a?.thresholds?.length;
  if (!(a?.offsets instanceof Int32Array) || a.offsets.length !== D! + 1 || a.offsets[0] !== 0 || a.offsets[D!] !== T || a.values?.length !== T + D!) {
    throw new FormatError(`${where}: arrays must be ECOD.toArrays() output (offsets [nFeaturesIn + 1] from 0 to thresholds.length, values [thresholds.length + nFeaturesIn])`, where);
  }
  return Array.from({ length: D! }, (_, j) => {
    if (!(a.offsets[j + 1]! >= a.offsets[j]!)) throw new FormatError(`${where}: arrays.offsets must be non-decreasing, got ${a.offsets[j]} then ${a.offsets[j + 1]} at feature ${j}`, where);
    return { feature: j, ...featureSteps(a, j) };
  });
}

/**
 * Exports an ECOD given as `ECOD.toArrays()` returns it (checked with checkModel). Graph, for input
 * x [N, D] (D = options.inputWidth, default meta.nFeaturesIn): TreeEnsembleRegressor (SUM, one tree per feature, BRANCH_LEQ
 * splits at the table thresholds, leaves weighted by the per-feature scores) gives [N, 1]; Reshape
 * to `score` [N] = ECOD.anomalyScore (higher = more anomalous). The thresholds are float32 values, so
 * float32 inputs take exactly ECOD's steps, ties included; the weights are rounded to float32.
 * @throws FormatError when the arrays or meta do not describe fitted ECOD tables
 * @throws InvalidOptionError for a bad option (an inputWidth below nFeaturesIn) or metadata value
 */
export function exportEcod(ecod: { arrays: StepTables; meta: { nFeaturesIn: number } }, options: EcodExportOptions = {}): onnx.ModelProto {
  const where = 'exportEcod';
  const resolved = resolveTreeExportOptions(options, where);
  const trees = ecodStepTrees(ecod, where);
  const D = options.inputWidth ?? trees.length;
  if (!(Number.isSafeInteger(D) && D >= trees.length)) {
    throw new InvalidOptionError(`${where}: inputWidth must be an integer >= nFeaturesIn = ${trees.length}, got ${String(options.inputWidth)}`, 'inputWidth');
  }
  const b = new GraphBuilder('dadm_ecod', 'ECOD (Li et al. 2022); score = sum over features of the tail score, higher = more anomalous');
  const x = b.input('input', 'float32', [resolved.batch, D]);
  addStepTreeEnsemble(b, x, trees, { prefix: 'ecod', nFeatures: D, output: 'score', where });
  b.output('score', 'float32', [resolved.batch]);
  return treeModel(b, resolved, options.metadata);
}

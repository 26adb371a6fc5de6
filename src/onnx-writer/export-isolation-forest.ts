/**
 * `exportIsolationForest`: a fitted isolation forest (its checkpoint arrays) as an ONNX graph around
 * one ai.onnx.ml TreeEnsembleRegressor, with outputs `score` [N] (the anomaly score
 * `2^(-E[h(x)] / c(maxSamples))`) and `path_length` [N] (E[h(x)]). Layout in docs/onnx.md, "Exporters".
 */
import { pathLengthDenominator, type ForestArrays, type ForestShape } from '../model-spec/index.js';
import { GraphBuilder, ML_DOMAIN, type onnx } from '../onnx/index.js';
import { resolveTreeExportOptions, treeEnsembleAttributes, treeEnsembleNodes, treeModel, type TreeExportOptions } from './export-tree-nodes.js';

/** Options of {@link exportIsolationForest}: opset, dynamicBatch, irVersion, mlOpset (1 to 3, default 3), metadata. */
export type IsolationForestExportOptions = TreeExportOptions;

/**
 * Exports a forest given as `IsolationForest.toArrays()` returns it (checked with checkModel). Graph,
 * for input x [N, D] (D = meta.nFeaturesIn): TreeEnsembleRegressor (aggregate SUM, one target,
 * BRANCH_LEQ nodes on columns of X, each leaf weighted `depth + c(nNodeSamples)`) gives the summed
 * path length S [N, 1]; Reshape to [N]; `path_length = S / nTrees`;
 * `score = Exp(S * (-ln 2 / (nTrees * c(maxSamples))))`. Float64 thresholds become the largest float32
 * at or below them (floatThresholdBelow), so float32 inputs take the same branches as in dadm and
 * scikit-learn.
 * @throws FormatError when the arrays or meta do not describe a valid forest
 * @throws InvalidOptionError for a bad option or metadata value
 */
export function exportIsolationForest(
  forest: { arrays: ForestArrays; meta: ForestShape },
  options: IsolationForestExportOptions = {},
): onnx.ModelProto {
  const where = 'exportIsolationForest';
  const resolved = resolveTreeExportOptions(options, where);
  const { batch } = resolved;
  const nodes = treeEnsembleNodes(forest?.arrays, forest?.meta, where);
  const { nTrees } = nodes;
  const D = forest.meta.nFeaturesIn;
  const b = new GraphBuilder('dadm_isolation_forest', 'isolation forest; score = 2^(-E[h(x)] / c(maxSamples)), higher = more anomalous');
  const x = b.input('input', 'float32', [batch, D]);
  const [sum] = b.addNode('TreeEnsembleRegressor', [x], {
    name: 'forest.TreeEnsembleRegressor',
    domain: ML_DOMAIN,
    outputs: ['forest.depth_sum'],
    attributes: treeEnsembleAttributes(nodes),
  });
  const flatShape = b.addInitializer({ name: 'forest.flat_shape', dataType: 'int64', dims: [1], values: [-1] });
  const [flat] = b.addNode('Reshape', [sum!, flatShape], { name: 'forest.Reshape', outputs: ['forest.depth_sum_flat'] });
  const toMean = b.addInitializer({ name: 'forest.inv_trees', dataType: 'float32', dims: [], values: [1 / nTrees] });
  b.addNode('Mul', [flat!, toMean], { name: 'forest.Mul_mean', outputs: ['path_length'] });
  const toExponent = b.addInitializer({ name: 'forest.exponent_scale', dataType: 'float32', dims: [], values: [-Math.LN2 / pathLengthDenominator(nTrees, forest.meta.maxSamples)] });
  const [exponent] = b.addNode('Mul', [flat!, toExponent], { name: 'forest.Mul_exponent', outputs: ['forest.exponent'] });
  b.addNode('Exp', [exponent!], { name: 'forest.Exp', outputs: ['score'] });
  b.output('score', 'float32', [batch]);
  b.output('path_length', 'float32', [batch]);
  return treeModel(b, resolved, options.metadata);
}

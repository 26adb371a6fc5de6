/**
 * Step functions of single columns (ECOD's per-feature tables, an empirical-CDF calibration) as the
 * trees of one ai.onnx.ml TreeEnsembleRegressor with aggregate SUM: each function becomes a balanced
 * binary search tree of BRANCH_LEQ nodes, so the node evaluates `sum_t f_t(x[:, feature_t])` exactly,
 * with log2(steps) comparisons per tree.
 */
import { FormatError } from '../errors.js';
import { ML_DOMAIN, type GraphBuilder } from '../onnx/index.js';
import { stepFunctionProblem, type StepFunction } from '../tensor/index.js';
import { emptyTreeNodes, pushBranch, pushLeaf, treeEnsembleAttributes, type TreeEnsembleNodes } from './export-tree-nodes.js';

/** One tree: `values[#{t in thresholds : t < x}]` of column `feature` of X (see stats StepFunction). */
export interface StepTree extends StepFunction {
  feature: number;
}

/**
 * The node lists of `trees`, each a balanced tree over its steps: a node splits the steps
 * `lo .. hi` at `mid = floor((lo + hi) / 2)` with `x <= thresholds[mid]` (true = steps lo .. mid),
 * numbered breadth-first from its root 0. Thresholds are written as the largest float32 at or below
 * them (floatThresholdBelow), so float32 inputs take the same steps as in float64; weights are float32.
 * @throws FormatError for a malformed step function or a feature outside [0, nFeatures)
 */
export function stepTreeNodes(trees: readonly StepTree[], nFeatures: number, where: string): TreeEnsembleNodes {
  const out = emptyTreeNodes(trees.length);
  trees.forEach((tree, t) => {
    const problem = stepFunctionProblem(tree);
    if (problem !== null) throw new FormatError(`${where}: tree ${t} ${problem}`, where);
    if (!(Number.isInteger(tree.feature) && tree.feature >= 0 && tree.feature < nFeatures)) {
      throw new FormatError(`${where}: tree ${t} feature must be a column in [0, ${nFeatures}), got ${tree.feature}`, where);
    }
    // ranges[p] = [lo, hi]: the steps below node p, in breadth-first order.
    const ranges: [number, number][] = [[0, tree.thresholds.length]];
    for (let p = 0; p < ranges.length; p++) {
      const [lo, hi] = ranges[p]!;
      if (lo === hi) {
        pushLeaf(out, t, p, tree.values[lo]!);
        continue;
      }
      const mid = (lo + hi) >> 1;
      pushBranch(out, t, p, { feature: tree.feature, threshold: tree.thresholds[mid]!, trueId: ranges.length, falseId: ranges.length + 1 });
      ranges.push([lo, mid], [mid + 1, hi]);
    }
  });
  return out;
}

/** Options of {@link addStepTreeEnsemble}. */
export interface StepTreeEnsembleOptions {
  /** prefix of the node and value names, e.g. 'ecod' gives 'ecod.TreeEnsembleRegressor' */
  prefix: string;
  /** columns of `x` (features must lie below) */
  nFeatures: number;
  /** name of the [N] output value */
  output: string;
  /** function name for error messages */
  where: string;
}

/**
 * Adds a TreeEnsembleRegressor summing `trees` over the rows of `x` [N, nFeatures] and a Reshape to
 * `[N]`; returns the output name. The caller imports the ai.onnx.ml opset (makeModel's mlOpset).
 * @throws FormatError for a malformed tree (see {@link stepTreeNodes})
 */
export function addStepTreeEnsemble(b: GraphBuilder, x: string, trees: readonly StepTree[], options: StepTreeEnsembleOptions): string {
  const { prefix } = options;
  const nodes = stepTreeNodes(trees, options.nFeatures, options.where);
  const [sum] = b.addNode('TreeEnsembleRegressor', [x], {
    name: `${prefix}.TreeEnsembleRegressor`,
    domain: ML_DOMAIN,
    outputs: [`${prefix}.sum`],
    attributes: treeEnsembleAttributes(nodes),
  });
  const flatShape = b.addInitializer({ name: `${prefix}.flat_shape`, dataType: 'int64', dims: [1], values: [-1] });
  const [flat] = b.addNode('Reshape', [sum!, flatShape], { name: `${prefix}.Reshape`, outputs: [options.output] });
  return flat!;
}

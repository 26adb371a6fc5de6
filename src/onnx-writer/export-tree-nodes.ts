/** The TreeEnsembleRegressor node lists of an isolation forest, from its checkpoint arrays. */
import { FormatError } from '../errors.js';
import { checkForestShape, compileForest, type ForestArrays, type ForestShape } from '../model-spec/index.js';
import { floatThresholdBelow } from './export-float-threshold.js';

/** Parallel lists, one entry per node (`nodes*`) or per leaf (`target*`), as the op's attributes. */
export interface TreeEnsembleNodes {
  nTrees: number;
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetIds: number[];
  targetWeights: number[];
}

/**
 * The nodes of every tree in the breadth-first order of the compiled forest (`compileForest`, the one
 * checker of forest arrays), renumbered 0, 1, … per tree, so each tree's root comes first as
 * onnxruntime expects. Branches: BRANCH_LEQ on the node's column of X with threshold
 * floatThresholdBelow(threshold), true = left child. Leaves: weight `depth + c(nNodeSamples)`, the
 * path length the leaf contributes.
 * @throws FormatError for arrays or sizes that do not describe a valid forest (see compileForest)
 */
export function treeEnsembleNodes(a: ForestArrays, meta: ForestShape, where: string): TreeEnsembleNodes {
  if (typeof a !== 'object' || a === null || typeof meta !== 'object' || meta === null) {
    throw new FormatError(`${where}: forest must be { arrays, meta } from IsolationForest.toArrays(), got ${String(a)} and ${String(meta)}`, 'isolation forest');
  }
  checkForestShape(meta, where);
  const { roots, firstChild, column, threshold, leafValue } = compileForest(a, meta, where);
  const nTrees = roots.length;
  const out: TreeEnsembleNodes = {
    nTrees, treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [],
    targetTreeIds: [], targetNodeIds: [], targetIds: [], targetWeights: [],
  };
  for (let t = 0; t < nTrees; t++) {
    const root = roots[t]!;
    const end = t + 1 < nTrees ? roots[t + 1]! : firstChild.length;
    for (let g = root; g < end; g++) {
      const p = g - root;
      out.treeIds.push(t);
      out.nodeIds.push(p);
      if (firstChild[g]! < 0) {
        out.featureIds.push(0);
        out.modes.push('LEAF');
        out.values.push(0);
        out.trueIds.push(0);
        out.falseIds.push(0);
        out.targetTreeIds.push(t);
        out.targetNodeIds.push(p);
        out.targetIds.push(0);
        out.targetWeights.push(leafValue[g]!);
        continue;
      }
      out.featureIds.push(column[g]!);
      out.modes.push('BRANCH_LEQ');
      out.values.push(floatThresholdBelow(threshold[g]!));
      out.trueIds.push(firstChild[g]! - root);
      out.falseIds.push(firstChild[g]! - root + 1);
    }
  }
  return out;
}

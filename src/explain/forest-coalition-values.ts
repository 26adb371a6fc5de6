/**
 * The structured path for isolation forests. A hybrid row `h(S, b)` (x on S, b elsewhere) only
 * matters to a tree where a split sends x and b different ways: walking a tree once per background
 * row with both x and b, each such split on an attributed feature divides the masks into those with
 * the feature (x's side) and those without (b's side), so each leaf is reached by a "cube" of masks
 * (some bits fixed on, some off, the rest free). Adding the leaf's path length to every mask of its
 * cube costs `2^M` adds per tree and background row in all — instead of `2^M` root-to-leaf walks.
 * Sums run over trees in the forest's order, as in the plain scorer, so scores are the same numbers.
 */
import { ShapeError } from '../errors.js';
import { addDepthSums, type CompiledForest } from '../model-spec/index.js';
import type { ScoreFn } from './score-model.js';

/**
 * An isolation forest as its compiled trees (model-spec's CompiledForest: a node's right child follows
 * its left). Score = `2^(-sum over trees of leafValue / denominator)` (scikit-learn's
 * `-score_samples`: higher = more anomalous).
 */
export interface IsolationForestModel extends CompiledForest {
  readonly kind: 'isolation-forest';
  /** `nTrees · c(maxSamples)` (model-spec's pathLengthDenominator) */
  readonly denominator: number;
  /** row width the columns index into */
  readonly inputDim: number;
}

/** Checks that every column index fits the model's input width. @throws ShapeError */
export function checkForestModel(model: IsolationForestModel, where: string): void {
  const { firstChild, column, inputDim } = model;
  for (let n = 0; n < firstChild.length; n++) {
    if (firstChild[n]! >= 0 && (column[n]! < 0 || column[n]! >= inputDim)) {
      throw new ShapeError(`${where}: model.column[${n}] must be a column in [0, ${inputDim}), got ${column[n]}`, where);
    }
  }
}

/** The forest's score as a {@link ScoreFn}: model-spec's depth-sum walk, as the forest itself scores (the result buffer is reused). */
export function forestScoreFn(model: IsolationForestModel): ScoreFn {
  let out = new Float64Array(0);
  return (rows, n) => {
    if (out.length < n) out = new Float64Array(n);
    const sums = out.subarray(0, n);
    sums.fill(0);
    addDepthSums(model, { x: rows, rows: n, cols: model.inputDim }, sums);
    for (let r = 0; r < n; r++) sums[r] = 2 ** (-sums[r]! / model.denominator);
    return sums;
  };
}

/** Inputs of {@link forestCoalitionValues}. */
export interface ForestCoalitionInputs {
  model: IsolationForestModel;
  /** `[D]` */
  x: Float32Array;
  /** unique background rows `[u, D]` with their multiplicities */
  background: { data: Float32Array; rows: number; weights: Float64Array };
  backgroundRows: number;
  /** attributed columns, bit i of a mask = features[i] */
  features: Int32Array;
}

/**
 * v(S) for all `2^M` masks of an isolation forest (bit i set = features[i] taken from x).
 * @returns `[2^M]` float64
 */
export function forestCoalitionValues(inputs: ForestCoalitionInputs): Float64Array {
  const { model, x, background, features } = inputs;
  const { roots, firstChild, column, threshold, leafValue, denominator, inputDim: d } = model;
  const masks = 2 ** features.length;
  const full = masks - 1;
  const bitOf = new Int32Array(d).fill(-1);
  for (let i = 0; i < features.length; i++) bitOf[features[i]!] = i;
  const sums = new Float64Array(masks);
  const values = new Float64Array(masks);
  // Explicit stack of (node, bits fixed on, bits fixed off): no recursion, no closure per node. It
  // holds at most one entry per level of a tree, so the node count bounds it.
  const stackNode = new Int32Array(firstChild.length + 1);
  const stackOn = new Int32Array(stackNode.length);
  const stackOff = new Int32Array(stackNode.length);
  for (let r = 0; r < background.rows; r++) {
    const b = r * d;
    sums.fill(0);
    for (let t = 0; t < roots.length; t++) {
      let top = 0;
      stackNode[0] = roots[t]!;
      stackOn[0] = 0;
      stackOff[0] = 0;
      while (top >= 0) {
        let node = stackNode[top]!;
        let on = stackOn[top]!;
        let off = stackOff[top]!;
        top--;
        while (firstChild[node]! >= 0) {
          const col = column[node]!;
          const left = firstChild[node]!;
          const bit = bitOf[col]!;
          const xChild = x[col]! <= threshold[node]! ? left : left + 1;
          if (bit < 0 || (on & (1 << bit)) !== 0) {
            node = xChild;
            continue;
          }
          const bChild = background.data[b + col]! <= threshold[node]! ? left : left + 1;
          if ((off & (1 << bit)) !== 0 || bChild === xChild) {
            node = bChild;
            continue;
          }
          // x and b part ways here: masks with the feature follow x, the others follow b.
          top++;
          stackNode[top] = bChild;
          stackOn[top] = on;
          stackOff[top] = off | (1 << bit);
          node = xChild;
          on |= 1 << bit;
        }
        // Every mask with the `on` bits set and the `off` bits clear reaches this leaf.
        const free = full & ~(on | off);
        const value = leafValue[node]!;
        for (let s = free; ; s = (s - 1) & free) {
          sums[on | s] += value;
          if (s === 0) break;
        }
      }
    }
    const weight = background.weights[r]!;
    for (let g = 0; g < masks; g++) values[g] += weight * 2 ** (-sums[g]! / denominator);
  }
  for (let g = 0; g < masks; g++) values[g]! /= inputs.backgroundRows;
  return values;
}

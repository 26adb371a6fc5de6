/**
 * The per-row traversal for TreeEnsembleRegressor over the flattened arrays built at plan time.
 *
 * Two loops. The general one follows each tree from its root, one tree at a time, with every node
 * mode and missing-value rule. The fast one takes the forests dadm exports (isolation forest, ECOD's
 * step trees): every branch `x <= threshold` on a float32 threshold, NaN to the false child, one
 * weight per leaf, aggregate SUM or AVERAGE. It walks eight trees at once, each a fixed number of
 * steps (the deepest of the eight), and picks the child without a branch. A single row's path
 * through a forest is unpredictable, so the general loop pays a mispredicted branch on about half
 * its nodes; the fast loop has no data-dependent branch, and the eight walks are independent chains
 * of loads the CPU overlaps. Leaves point at themselves, so a walk that has arrived stays on its
 * leaf until the group's last step. Under the wasm backend a float32 input takes the same walk on a
 * WebAssembly kernel (tensor/wasm/forest-kernel.ts), which has no bounds checks and no float64
 * conversions. Measured on the default ensemble's 100-tree forest, one row: 7.5 us general,
 * 1.9-2.4 us fast in JS, 1.25 us on WebAssembly, best of 40 batches (docs/ensemble.md, "Latency").
 * A single-row plan runs the general loop for its first {@link WARM_UP_CALLS} calls and
 * builds the fast one only then, so that loading a model and scoring one row does not pay for it.
 */
// A namespace: the runtime bundle loads the forest's WebAssembly walk when the fast walk is built.
import * as forestKernels from '../../tensor/forest-kernels.js';
import type { PackedTrees, TreeGroups } from '../../tensor/forest-kernels.js';
import { wasmActive } from '../../tensor/kernels.js';
import type { TensorData } from '../dtypes.js';
import { WARM_UP_CALLS } from './types.js';

/** Trees as flat typed arrays; node indices are positions in the ONNX node attribute lists. */
export interface Forest {
  feature: Int32Array;
  threshold: Float64Array;
  /** 0 LEAF, 1 LEQ, 2 LT, 3 GTE, 4 GT, 5 EQ, 6 NEQ. */
  mode: Uint8Array;
  trueChild: Int32Array;
  falseChild: Int32Array;
  missingTrue: Uint8Array;
  roots: Int32Array;
  /** Leaf i's weights are entries leafStart[i] .. leafStart[i+1]-1 of leafTarget / leafWeight. */
  leafStart: Int32Array;
  leafTarget: Int32Array;
  leafWeight: Float64Array;
}

interface WalkConfig {
  rows: number;
  nFeatures: number;
  nTargets: number;
  aggregate: string;
  base: Float64Array;
}

export function walkTrees(f: Forest, x: TensorData, y: TensorData, cfg: WalkConfig): () => void {
  const general = generalWalk(f, x, y, cfg);
  const fast = (): (() => void) => fastestWalk(f, x, y, cfg) ?? general;
  return cfg.rows > 1 ? fast() : warmUp(general, fast);
}


/**
 * The WebAssembly walk for float32 rows under the wasm backend, else the JS fast walk; null when the
 * forest fits neither (see packNodes).
 */
function fastestWalk(f: Forest, x: TensorData, y: TensorData, cfg: WalkConfig): (() => void) | null {
  const packed = cfg.aggregate === 'SUM' || cfg.aggregate === 'AVERAGE' ? packNodes(f, cfg.nFeatures) : null;
  if (packed === null) return null;
  const { roots, leafStart, leafTarget, leafWeight } = f;
  // Trees walked together by the fast loop: the WebAssembly twin's group, so both share the group depths.
  const group = forestKernels.TREE_GROUP;
  const trees: PackedTrees = { ...packed, roots, depths: groupDepths(f, group), leafStart, leafTarget, leafWeight };
  const kernel = x instanceof Float32Array && wasmActive() ? forestKernels.packTreeGroups(trees, cfg) : null;
  if (kernel !== null) return wasmWalk(kernel, x as Float32Array, y, cfg, roots.length);
  const scratch = { row: new Float64Array(cfg.nFeatures), acc: new Float64Array(cfg.nTargets), park: Math.max(0, f.mode.indexOf(0)), group };
  return fastWalk({ ...trees, ...scratch }, x, y, cfg);
}

/**
 * Runs `first` (the general walk) for the first {@link WARM_UP_CALLS} calls, then the walk `build`
 * returns. Building the fast walk packs the nodes and measures the groups' depths and, under the wasm
 * backend, resolves the backend (whose probe creates the kernel heap and compiles a kernel), copies
 * the packed forest into the heap and compiles the forest kernel module: for an edge agent that loads
 * the W3 forest and scores one row, ~3 MB of peak memory that one row does not need (docs/edge.md,
 * "What start-up pays for"). A batch plan builds the fast walk at once. Both walks give identical
 * outputs (see the file comment).
 */
function warmUp(first: () => void, build: () => () => void): () => void {
  let calls = 0;
  let walk = first;
  return () => {
    if (calls < WARM_UP_CALLS && ++calls === WARM_UP_CALLS) walk = build();
    walk();
  };
}

/**
 * The forest as the fast loop reads it, or null when it cannot: node i is the four 32-bit words at
 * 4i (feature, true child, false child as Int32; threshold as Float32 through a second view), so a
 * step loads one cache line instead of one from each of four arrays. A leaf points at itself, with
 * column 0 and threshold 0. Null when a branch is not BRANCH_LEQ, sends NaN to its true child, reads
 * a column outside the row, has a threshold that is not a float32 value (rounding it would move the
 * split), or a leaf has other than one weight.
 */
function packNodes(f: Forest, nFeatures: number): { words: Int32Array; thresholds: Float32Array } | null {
  const n = f.mode.length;
  const buffer = new ArrayBuffer(16 * n);
  const words = new Int32Array(buffer);
  const thresholds = new Float32Array(buffer);
  for (let i = 0; i < n; i++) {
    const q = 4 * i;
    if (f.mode[i] === 0) {
      if (f.leafStart[i + 1]! - f.leafStart[i]! !== 1) return null;
      words[q + 1] = i;
      words[q + 2] = i;
      continue;
    }
    const th = f.threshold[i]!;
    if (f.mode[i] !== 1 || f.missingTrue[i] === 1 || f.feature[i]! < 0 || f.feature[i]! >= nFeatures || Math.fround(th) !== th) return null;
    words[q] = f.feature[i]!;
    words[q + 1] = f.trueChild[i]!;
    words[q + 2] = f.falseChild[i]!;
    thresholds[q + 3] = th;
  }
  return { words, thresholds };
}

/** The depth of each group of `group` consecutive trees: its deepest leaf's (root = 0). */
function groupDepths(f: Forest, group: number): Int32Array {
  const depths = new Int32Array(Math.ceil(f.roots.length / group));
  const stack: number[] = [];
  for (let t = 0; t < f.roots.length; t++) {
    const g = (t / group) | 0;
    // Depth-first, each node's depth pushed beside it.
    stack.push(f.roots[t]!, 0);
    while (stack.length) {
      const d = stack.pop()!;
      const i = stack.pop()!;
      if (f.mode[i] !== 0) stack.push(f.trueChild[i]!, d + 1, f.falseChild[i]!, d + 1);
      else if (d > depths[g]!) depths[g] = d;
    }
  }
  return depths;
}

/** What the fast loop reads: the packed nodes, each group's depth, the leaf weights (as the WebAssembly twin), scratch. */
interface FastForest extends PackedTrees {
  /** The row being scored, copied so the walk indexes it without an offset; float64 holds every input dtype exactly. */
  row: Float64Array;
  acc: Float64Array;
  /** A leaf, where the walks of a last group's missing trees start and stay. */
  park: number;
  /** Trees per group: eight, as walkRow's eight walks. */
  group: number;
}

function fastWalk(forest: FastForest, x: TensorData, y: TensorData, cfg: WalkConfig): () => void {
  const { rows, nFeatures, nTargets, base } = cfg;
  const divisor = cfg.aggregate === 'AVERAGE' ? forest.roots.length : 1;
  return () => {
    for (let r = 0; r < rows; r++) {
      const row = forest.row;
      for (let j = 0; j < nFeatures; j++) row[j] = x[r * nFeatures + j]!;
      walkRow(forest);
      for (let tg = 0; tg < nTargets; tg++) y[r * nTargets + tg] = forest.acc[tg]! / divisor + base[tg]!;
    }
  };
}

/**
 * Sums the leaf weights of `f.row` into `f.acc`. A top-level function with its arrays in locals, not
 * a closure: V8 shares one compiled closure body between every TreeEnsemble node of the process, and
 * the body then reloads captured arrays from the closure's context on each access (measured 2x slower).
 */
function walkRow(f: FastForest): void {
  const { words, thresholds, roots, depths, row, acc, park, group } = f;
  acc.fill(0);
  const nTrees = roots.length;
  for (let t = 0; t < nTrees; t += group) {
    let a = start(roots, t, park);
    let b = start(roots, t + 1, park);
    let c = start(roots, t + 2, park);
    let d = start(roots, t + 3, park);
    let e = start(roots, t + 4, park);
    let g = start(roots, t + 5, park);
    let h = start(roots, t + 6, park);
    let k = start(roots, t + 7, park);
    for (let s = depths[t / group]!; s > 0; s--) {
      a = child(words, thresholds, row, a);
      b = child(words, thresholds, row, b);
      c = child(words, thresholds, row, c);
      d = child(words, thresholds, row, d);
      e = child(words, thresholds, row, e);
      g = child(words, thresholds, row, g);
      h = child(words, thresholds, row, h);
      k = child(words, thresholds, row, k);
    }
    // In tree order, so the sum rounds as the general loop's does.
    if (t < nTrees) addLeaf(f, a);
    if (t + 1 < nTrees) addLeaf(f, b);
    if (t + 2 < nTrees) addLeaf(f, c);
    if (t + 3 < nTrees) addLeaf(f, d);
    if (t + 4 < nTrees) addLeaf(f, e);
    if (t + 5 < nTrees) addLeaf(f, g);
    if (t + 6 < nTrees) addLeaf(f, h);
    if (t + 7 < nTrees) addLeaf(f, k);
  }
}

/** Tree t's root, or for a tree past the last one (the last group's gap) a leaf, where its walk stays and adds nothing. */
function start(roots: Int32Array, t: number, park: number): number {
  return t < roots.length ? roots[t]! : park;
}

/** Node i's next node: word 4i+1 (true) when row[feature] <= threshold, else word 4i+2; NaN compares false. */
function child(words: Int32Array, thresholds: Float32Array, row: Float64Array, i: number): number {
  const q = i << 2;
  return words[q + 1 + +!(row[words[q]!]! <= thresholds[q + 3]!)]!;
}

/** Leaf i's one weight (packNodes checked there is exactly one) into its target. */
function addLeaf(f: FastForest, i: number): void {
  const e = f.leafStart[i]!;
  f.acc[f.leafTarget[e]!] += f.leafWeight[e]!;
}

/**
 * The fast loop on the WebAssembly kernel (tensor/wasm/forest-kernel.ts, `tree_groups_walk`): same
 * groups, same steps, same float64 sums in tree order, so the outputs are identical. Float32 rows
 * only: the kernel compares in float32, which for a float32 input and a float32 threshold decides as
 * the float64 comparison of the JS loop does.
 */
function wasmWalk(trees: TreeGroups, x: Float32Array, y: TensorData, cfg: WalkConfig, nTrees: number): () => void {
  const { rows, nFeatures, nTargets, base } = cfg;
  const divisor = cfg.aggregate === 'AVERAGE' ? nTrees : 1;
  return () => {
    const { row, acc } = trees;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < nFeatures; j++) row[j] = x[r * nFeatures + j]!;
      acc.fill(0);
      trees.walk();
      for (let tg = 0; tg < nTargets; tg++) y[r * nTargets + tg] = acc[tg]! / divisor + base[tg]!;
    }
  };
}

function generalWalk(f: Forest, x: TensorData, y: TensorData, cfg: WalkConfig): () => void {
  const { rows, nFeatures, nTargets, base } = cfg;
  const acc = new Float64Array(nTargets);
  const isMin = cfg.aggregate === 'MIN';
  const isMax = cfg.aggregate === 'MAX';
  const divisor = cfg.aggregate === 'AVERAGE' ? f.roots.length : 1;
  return () => {
    for (let r = 0; r < rows; r++) {
      acc.fill(isMin ? Infinity : isMax ? -Infinity : 0);
      const off = r * nFeatures;
      for (let t = 0; t < f.roots.length; t++) {
        let i = f.roots[t]!;
        for (let m = f.mode[i]!; m !== 0; m = f.mode[i]!) {
          const v = x[off + f.feature[i]!]!;
          const th = f.threshold[i]!;
          const go = v !== v ? f.missingTrue[i] === 1
            : m === 1 ? v <= th : m === 2 ? v < th : m === 3 ? v >= th : m === 4 ? v > th : m === 5 ? v === th : v !== th;
          i = go ? f.trueChild[i]! : f.falseChild[i]!;
        }
        for (let e = f.leafStart[i]!; e < f.leafStart[i + 1]!; e++) {
          const tg = f.leafTarget[e]!;
          const w = f.leafWeight[e]!;
          acc[tg] = isMin ? Math.min(acc[tg]!, w) : isMax ? Math.max(acc[tg]!, w) : acc[tg]! + w;
        }
      }
      for (let tg = 0; tg < nTargets; tg++) y[r * nTargets + tg] = acc[tg]! / divisor + base[tg]!;
    }
  };
}

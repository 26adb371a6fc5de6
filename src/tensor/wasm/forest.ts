/**
 * Drivers of the forest kernels (./forest-kernel.ts). `wasmForestWalk`: an isolation forest's trees
 * are packed into the heap once per forest (kept while the forest's arrays live), then rows go
 * through in blocks copied into scratch. `packTreeGroups`: an ONNX TreeEnsemble's packed nodes are
 * copied into the heap once per plan, for the runtime's one-row walk.
 */
import { FOREST_MODULE, GROUP_BYTES, NODE_BYTES, TREE_GROUP } from './forest-kernel.js';
import { heapBuffer, heapFloat32, isHeapArray } from './heap.js';
// A namespace: the runtime bundle loads the emitter on its first use (../wasm-emitter.ts).
import * as wasmEmitter from '../wasm-emitter.js';
import { reserve, scratchSlot } from './operands.js';
import { ownedKernelBuffer } from '../kernel-buffer.js';

export { TREE_GROUP };

/** A compiled forest as model-spec/forest.ts lays it out (breadth-first, right child = left + 1). */
export interface ForestTables {
  roots: Int32Array;
  firstChild: Int32Array;
  column: Int32Array;
  threshold: Float64Array;
  leafValue: Float64Array;
}

interface Packed {
  nodes: number;
  leaves: number;
  trees: number;
  /** holds the heap blocks for as long as the forest's tables live */
  blocks: Float32Array[];
}

const packed = new WeakMap<ForestTables, Packed | null>();
const ROW_BLOCK = 16384;

function pack(f: ForestTables): Packed | null {
  const n = f.firstChild.length;
  const nTrees = f.roots.length;
  const blocks = [heapFloat32((NODE_BYTES / 4) * n), heapFloat32(2 * n), heapFloat32(2 * nTrees)];
  if (!blocks.every(isHeapArray)) return null;
  const [nodeBlock, leafBlock, treeBlock] = blocks as [Float32Array, Float32Array, Float32Array];
  const ints = new Int32Array(nodeBlock.buffer, nodeBlock.byteOffset, 4 * n);
  const doubles = new Float64Array(nodeBlock.buffer, nodeBlock.byteOffset, 2 * n);
  const at = (i: number): number => nodeBlock.byteOffset + NODE_BYTES * i;
  const level = new Int32Array(n);
  const trees = new Int32Array(treeBlock.buffer, treeBlock.byteOffset, 2 * nTrees);
  new Float64Array(leafBlock.buffer, leafBlock.byteOffset, n).set(f.leafValue);
  for (let t = 0; t < nTrees; t++) {
    const end = t + 1 < nTrees ? f.roots[t + 1]! : n;
    trees[2 * t] = at(f.roots[t]!);
    for (let i = f.roots[t]!; i < end; i++) {
      const child = f.firstChild[i]!;
      const leaf = child < 0;
      ints[4 * i] = leaf ? at(i) : at(child);
      ints[4 * i + 1] = leaf ? 0 : 4 * f.column[i]!;
      doubles[2 * i + 1] = leaf ? Infinity : f.threshold[i]!;
      if (leaf) trees[2 * t + 1] = Math.max(trees[2 * t + 1]!, level[i]!);
      else level[child] = level[child + 1] = level[i]! + 1;
    }
  }
  return { nodes: nodeBlock.byteOffset, leaves: leafBlock.byteOffset, trees: treeBlock.byteOffset, blocks };
}

/**
 * `out[r] += sum over trees of the path length of row r of x [rows, cols]`; false when the heap
 * cannot hold the forest (take the JS path).
 */
export function wasmForestWalk(f: ForestTables, x: Float32Array, rows: number, cols: number, out: Float64Array): boolean {
  let p = packed.get(f);
  if (p === undefined) packed.set(f, (p = pack(f)));
  if (p === null) return false;
  const block = Math.min(rows, ROW_BLOCK);
  if (!reserve(Math.ceil((block * cols * 4) / 64) * 64 + block * 8 + 64)) return false;
  const xAt = scratchSlot(block * cols * 4);
  const outAt = scratchSlot(block * 8);
  const walk = wasmEmitter.kernelExports(FOREST_MODULE)['forest_walk']!;
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const n = Math.min(ROW_BLOCK, rows - r0);
    const heap = heapBuffer();
    new Float32Array(heap, xAt, n * cols).set(x.subarray(r0 * cols, (r0 + n) * cols));
    const sums = new Float64Array(heap, outAt, n);
    sums.fill(0);
    walk(p.nodes, p.leaves, p.trees, f.roots.length, xAt, n, cols, outAt);
    for (let i = 0; i < n; i++) out[r0 + i] += sums[i]!;
  }
  return true;
}

/**
 * A forest as the one-row fast walk lays it out (runtime/ops/tree-walk.ts): node i is the four
 * 32-bit words at 4i (column, true child, false child as Int32; threshold as Float32 through a second
 * view of the same buffer), a leaf points at itself and has exactly one weight.
 */
export interface PackedTrees {
  words: Int32Array;
  thresholds: Float32Array;
  roots: Int32Array;
  /** The depth of each group of {@link TREE_GROUP} consecutive trees. */
  depths: Int32Array;
  /** Leaf i's weight is leafWeight[leafStart[i]], added to target leafTarget[leafStart[i]]. */
  leafStart: Int32Array;
  leafTarget: Int32Array;
  leafWeight: Float64Array;
}

/** A forest in the heap for `tree_groups_walk`: write the row into `row`, run, read `acc[0 .. nTargets)`. */
export interface TreeGroups {
  /** `[nFeatures]` the row to score (a heap view). */
  row: Float32Array;
  /** `[nTargets + 1]` the sums per target (slot nTargets takes the parked walks of a last, short group). */
  acc: Float64Array;
  /** Runs the walk over `row` into `acc` (which must be zeroed first). */
  walk: () => void;
}

/**
 * Copies `t` into the heap for {@link TreeGroups}; the heap blocks are given back once the returned
 * object is collected, so its user keeps the object, not just its fields. Null when
 * the heap is not shared or is full (take the JS walk).
 */
export function packTreeGroups(t: PackedTrees, size: { nTargets: number; nFeatures: number }): TreeGroups | null {
  const { nTargets, nFeatures } = size;
  const n = t.words.length / 4;
  const nGroups = t.depths.length;
  const out: TreeGroups = { row: new Float32Array(0), acc: new Float64Array(0), walk: () => {} };
  // Node records, one parking leaf after them; a float64 weight per record; the group table; row; acc.
  const blocks = [(n + 1) * (NODE_BYTES / 4), (n + 1) * 2, nGroups * (GROUP_BYTES / 4), nFeatures, 2 * (nTargets + 1)].map((len) => ownedKernelBuffer(out, Math.max(1, len)));
  if (!blocks.every(isHeapArray)) return null;
  const [nodeBlock, weightBlock, groupBlock, row, accBlock] = blocks as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const acc = new Float64Array(accBlock.buffer, accBlock.byteOffset, nTargets + 1);
  const ints = new Int32Array(nodeBlock.buffer, nodeBlock.byteOffset, 4 * (n + 1));
  const weights = new Float64Array(weightBlock.buffer, weightBlock.byteOffset, n + 1);
  const at = (i: number): number => nodeBlock.byteOffset + NODE_BYTES * i;
  for (let i = 0; i <= n; i++) {
    const q = 4 * i;
    const isLeaf = i === n || t.words[q + 1] === i;
    ints[q] = isLeaf ? 0 : 4 * t.words[q]!;
    ints[q + 1] = at(isLeaf ? i : t.words[q + 1]!);
    ints[q + 2] = at(isLeaf ? i : t.words[q + 2]!);
    if (!isLeaf) nodeBlock[q + 3] = t.thresholds[q + 3]!;
    else if (i === n) ints[q + 3] = acc.byteOffset + 8 * nTargets;
    else {
      const e = t.leafStart[i]!;
      ints[q + 3] = acc.byteOffset + 8 * t.leafTarget[e]!;
      weights[i] = t.leafWeight[e]!;
    }
  }
  const groups = new Int32Array(groupBlock.buffer, groupBlock.byteOffset, nGroups * (TREE_GROUP + 1));
  for (let g = 0; g < nGroups; g++) {
    for (let k = 0; k < TREE_GROUP; k++) {
      const tree = g * TREE_GROUP + k;
      groups[g * (TREE_GROUP + 1) + k] = at(tree < t.roots.length ? t.roots[tree]! : n);
    }
    groups[g * (TREE_GROUP + 1) + TREE_GROUP] = t.depths[g]!;
  }
  const kernel = wasmEmitter.kernelExports(FOREST_MODULE)['tree_groups_walk']!;
  // weight(n) = weightBase + n / 2: records are 16 bytes and weights 8, both from byte 0 of their blocks.
  const weightBase = weightBlock.byteOffset - nodeBlock.byteOffset / 2;
  const [groupAt, rowAt] = [groupBlock.byteOffset, row.byteOffset];
  out.row = row;
  out.acc = acc;
  out.walk = () => kernel(groupAt, nGroups, rowAt, weightBase);
  return out;
}

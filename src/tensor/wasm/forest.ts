/**
 * Driver of the forest walk kernel (./forest-kernel.ts): the trees are packed into the heap once
 * per forest (kept while the forest's arrays live), then rows go through in blocks copied into
 * scratch.
 */
import { NODE_BYTES } from './forest-kernel.js';
import { heapBuffer, heapFloat32, isHeapArray } from './heap.js';
import { kernelExports } from './kernels.js';
import { reserve, scratchSlot } from './operands.js';

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
  const walk = kernelExports('forest')['forest_walk']!;
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

/**
 * The TreeEnsemble plan's tables from the loader's WebAssembly (./forest-links-kernel.ts, run by
 * ./load-wasm.ts), or null for the JavaScript plan (ops/tree-ensemble.ts `linkForest`) to decide.
 */
import { job, releaseMemory } from './load-wasm.js';
import type { Slot } from './load-kernel.js';

/** What the forest's plan reads: its node and target attributes, as the TreeEnsemble op has them. */
export interface ForestAttributes {
  treeIds: ArrayLike<number>;
  nodeIds: ArrayLike<number>;
  features: ArrayLike<number>;
  /** Mode codes (0 LEAF, ...), as ops/tree-ensemble.ts MODES. */
  modes: Uint8Array;
  trueIds: ArrayLike<number>;
  falseIds: ArrayLike<number>;
  nFeatures: number;
  targetTrees: ArrayLike<number>;
  targetNodes: ArrayLike<number>;
  targetIds: ArrayLike<number>;
  targetWeights: ArrayLike<number>;
  nTargets: number;
}

/** The plan's per-node tables (see ops/tree-walk.ts `Forest`). */
export interface ForestLinks {
  trueChild: Int32Array;
  falseChild: Int32Array;
  roots: Int32Array;
  leafStart: Int32Array;
  leafTarget: Int32Array;
  leafWeight: Float64Array;
}

/**
 * The forest's links and leaf table as the JS plan builds them, with its dense node index; null for
 * anything the JS plan must decide (an id out of range, ids too sparse for the dense index, a missing
 * child or leaf, a revisited node, no root, or id arrays that are not Int32Array).
 */
export function wasmForestLinks(a: ForestAttributes): ForestLinks | null {
  const ints = [a.treeIds, a.nodeIds, a.features, a.trueIds, a.falseIds, a.targetTrees, a.targetNodes, a.targetIds];
  const j = ints.every((v) => v instanceof Int32Array) && a.nFeatures >= 0 ? job() : null;
  if (j === null) return null;
  const n = a.modes.length;
  const m = a.targetIds.length;
  const arrays: [Slot, ArrayLike<number>][] = [['treeIds', a.treeIds], ['nodeIds', a.nodeIds], ['features', a.features], ['trueIds', a.trueIds], ['falseIds', a.falseIds], ['tTrees', a.targetTrees], ['tNodes', a.targetNodes], ['tIds', a.targetIds]];
  const sizes: [Slot, number][] = [['modes', n], ['trueChild', 4 * n], ['falseChild', 4 * n], ['isChild', n], ['roots', 4 * n], ['stack', 4 * (2 * n + 2)], ['seen', n], ['tWeights', 8 * m], ['leafNode', 4 * m], ['leafStart', 4 * (n + 1)], ['fill', 4 * (n + 1)], ['leafTarget', 4 * m], ['leafWeight', 8 * m]];
  const at = {} as Record<Slot, number>;
  for (const [slot, values] of arrays) at[slot] = j.alloc(4 * values.length);
  for (const [slot, bytes] of sizes) at[slot] = j.alloc(bytes);
  for (const [slot, values] of arrays) j.i32(at[slot], values.length).set(values);
  j.u8(at.modes, n).set(a.modes);
  j.f64(at.tWeights, m).set(a.targetWeights);
  for (const [slot, address] of Object.entries(at)) j.slot(slot as Slot, address);
  j.slot('n', n);
  j.slot('m', m);
  j.slot('nFeatures', a.nFeatures);
  j.slot('nTargets', a.nTargets);
  if (j.over('scanIds', 0, n) >= 0) return null;
  const trees = j.slot('pos') + 1;
  const stride = j.slot('done') + 1;
  // The JS index's own rule for an array over the ids (ops/tree-ensemble.ts indexNodes); else its Map.
  if (trees * stride > 4 * n + 1024) return null;
  j.slot('dense', j.alloc(4 * trees * stride));
  j.slot('hasRoot', j.alloc(trees));
  j.i32(j.slot('dense'), trees * stride).fill(-1);
  j.slot('trees', trees);
  j.slot('stride', stride);
  j.over('indexNodes', 0, n);
  if (j.over('link', 0, n) >= 0) return null;
  j.over('findRoots', 0, n);
  const nRoots = j.slot('rootCount');
  if ((n > 0 && nRoots === 0) || j.over('acyclic', 0, nRoots) >= 0) return null;
  if (j.over('leafCount', 0, m) >= 0) return null;
  j.over('leafPrefix', 0, n);
  j.i32(at.fill, n).set(j.i32(at.leafStart, n));
  j.over('leafFill', 0, m);
  const links = {
    trueChild: j.i32(at.trueChild, n).slice(),
    falseChild: j.i32(at.falseChild, n).slice(),
    roots: j.i32(at.roots, nRoots).slice(),
    leafStart: j.i32(at.leafStart, n + 1).slice(),
    leafTarget: j.i32(at.leafTarget, m).slice(),
    leafWeight: j.f64(at.leafWeight, m).slice(),
  };
  releaseMemory();
  return links;
}

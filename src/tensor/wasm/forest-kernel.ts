/**
 * The WebAssembly twin of the isolation forest's scoring walk (model-spec/depth-sums.ts): for each
 * tree and row, follow `x[column] <= threshold` from the root to a leaf and add the leaf's path
 * length. Nodes are 16-byte records so one visit reads one cache line: i32 byte address of the left
 * child (the right child's record follows it), i32 column * 4, f64 threshold. A leaf points to
 * itself with threshold +Infinity, so every row takes the tree's depth in steps with no branch to
 * mispredict, and four rows walk together so their independent loads overlap. The comparison is in
 * float64 of the float32 input, as the JS twin's; the sums are float64 in the same tree order, so
 * the results are identical to the JS path's.
 */
import type { Local } from './code.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';

/** The forest module: {@link addForest} and {@link addTreeGroups}. */
export const FOREST_MODULE: KernelModuleSpec = {
  name: 'forest',
  summary: 'forest scoring, branch-free to the tree depth with float64 sums: four rows walk each tree together (isolation forest); one row walks eight trees together (ONNX TreeEnsemble)',
  build: (mod) => {
    addForest(mod);
    addTreeGroups(mod);
  },
};

/** Bytes of one node record. */
export const NODE_BYTES = 16;

/**
 * Adds `forest_walk(nodes, leaves, trees, nTrees, x, rows, cols, out)`: `trees` holds per tree an
 * i32 pair (root record address, depth); `leaves` a float64 per node (the leaf's path length, by
 * record index); `out` [rows] float64 gets the sums added.
 */
export function addForest(mod: ModuleBuilder): void {
  const f = mod.func('forest_walk');
  const [nodes, leaves, trees, nTrees, x, rows, cols, out] = ['nodes', 'leaves', 'trees', 'nTrees', 'x', 'rows', 'cols', 'out'].map((p) => f.param(p)) as Local[] as [Local, Local, Local, Local, Local, Local, Local, Local];
  const t = f.local('t'), root = f.local('root'), depth = f.local('depth'), r = f.local('r'), s = f.local('s'), rowBytes = f.local('rowBytes');
  const node = [0, 1, 2, 3].map((i) => f.local(`n${i}`));
  const base = [0, 1, 2, 3].map((i) => f.local(`x${i}`));
  const c = f.code;
  c.get(cols).i32(4).op('i32.mul').set(rowBytes);
  c.block('noTrees').get(nTrees).op('i32.eqz').brIf('noTrees').i32(0).set(t).loop('treeLoop');
  c.get(trees).get(t).i32(8).op('i32.mul').op('i32.add').mem('i32.load').set(root);
  c.get(trees).get(t).i32(8).op('i32.mul').op('i32.add').mem('i32.load', 4).set(depth);
  const walk = (k: number): void => {
    c.note(`${k} row${k > 1 ? 's' : ''} from the root, depth steps: n = next(n) + (x[col(n)] <= thr(n) ? 0 : 16), then out += leaf(n)`);
    for (let i = 0; i < k; i++) c.get(root).set(node[i]!);
    c.block(`flat${k}`).get(depth).op('i32.eqz').brIf(`flat${k}`);
    c.get(depth);
    c.repeat(s, null, () => {
      for (let i = 0; i < k; i++) {
        const n = node[i]!;
        c.get(n).mem('i32.load');
        c.i32(0).i32(NODE_BYTES);
        c.get(base[i]!).get(n).mem('i32.load', 4).op('i32.add').mem('f32.load').op('f64.promote_f32').get(n).mem('f64.load', 8).op('f64.le');
        c.op('select').op('i32.add').set(n);
      }
    });
    c.end();
    for (let i = 0; i < k; i++) {
      // out[r + i] += leaves[(node - nodes) / 16]
      c.get(out).get(r).i32(i).op('i32.add').i32(8).op('i32.mul').op('i32.add');
      c.get(out).get(r).i32(i).op('i32.add').i32(8).op('i32.mul').op('i32.add').mem('f64.load');
      c.get(leaves).get(node[i]!).get(nodes).op('i32.sub').i32(1).op('i32.shr_u').op('i32.add').mem('f64.load');
      c.op('f64.add').mem('f64.store');
    }
  };
  c.i32(0).set(r);
  c.block('quadsDone').loop('quads');
  c.get(r).i32(4).op('i32.add').get(rows).op('i32.gt_u').brIf('quadsDone');
  for (let i = 0; i < 4; i++) c.get(x).get(r).i32(i).op('i32.add').get(rowBytes).op('i32.mul').op('i32.add').set(base[i]!);
  walk(4);
  c.get(r).i32(4).op('i32.add').set(r).br('quads').end().end();
  c.block('singlesDone').loop('singles');
  c.get(r).get(rows).op('i32.ge_u').brIf('singlesDone');
  c.get(x).get(r).get(rowBytes).op('i32.mul').op('i32.add').set(base[0]!);
  walk(1);
  c.get(r).i32(1).op('i32.add').set(r).br('singles').end().end();
  c.get(t).i32(1).op('i32.add').tee(t).get(nTrees).op('i32.lt_u').brIf('treeLoop').end().end();
}

/** Trees the one-row walk follows together: independent chains of loads the CPU overlaps. */
export const TREE_GROUP = 8;
/** Bytes of one group record: TREE_GROUP root addresses, then the group's depth (i32 each). */
export const GROUP_BYTES = 4 * (TREE_GROUP + 1);

/**
 * Adds `tree_groups_walk(groups, nGroups, row, weightBase)`: one row through a forest in groups of
 * {@link TREE_GROUP} trees (the runtime's TreeEnsemble fast walk, runtime/ops/tree-walk.ts). Node
 * records are 16 bytes: i32 column * 4, i32 true-child address, i32 false-child address, f32
 * threshold; the step is `n = load(n + 4 + (row[col] <= thr ? 0 : 4))`, so NaN goes to the false
 * child and there is no branch. A leaf points at itself and keeps in its threshold word the i32
 * address of its target's float64 accumulator; its float64 weight is at `weightBase + n / 2` (one
 * weight per 16-byte record). After a group's depth in steps, the eight leaves add their weights in
 * tree order, so the sums equal the JS walk's. Each group record holds its roots and its depth.
 */
export function addTreeGroups(mod: ModuleBuilder): void {
  const f = mod.func('tree_groups_walk');
  const [groups, nGroups, row, weightBase] = ['groups', 'nGroups', 'row', 'weightBase'].map((p) => f.param(p)) as [Local, Local, Local, Local];
  const g = f.local('g'), s = f.local('s'), acc = f.local('acc');
  const node = Array.from({ length: TREE_GROUP }, (_, i) => f.local(`n${i}`));
  const c = f.code;
  c.block('noGroups').get(nGroups).op('i32.eqz').brIf('noGroups').i32(0).set(g).loop('groupLoop');
  node.forEach((n, i) => c.get(groups).mem('i32.load', 4 * i).set(n));
  c.block('flat').get(groups).mem('i32.load', 4 * TREE_GROUP).op('i32.eqz').brIf('flat');
  c.get(groups).mem('i32.load', 4 * TREE_GROUP);
  c.repeat(s, null, () => {
    c.note(`${TREE_GROUP} trees one step: n = load(n + 4 + (row[col(n)] <= thr(n) ? 0 : 4))`);
    for (const n of node) {
      c.get(n).i32(0).i32(4);
      c.get(row).get(n).mem('i32.load').op('i32.add').mem('f32.load').get(n).mem('f32.load', 12).op('f32.le');
      c.op('select').op('i32.add').mem('i32.load', 4).set(n);
    }
  });
  c.end();
  c.note('each leaf in tree order: acc(n) += weight(n)');
  for (const n of node) {
    c.get(n).mem('i32.load', 12).tee(acc).get(acc).mem('f64.load');
    c.get(weightBase).get(n).i32(1).op('i32.shr_u').op('i32.add').mem('f64.load');
    c.op('f64.add').mem('f64.store');
  }
  c.get(groups).i32(GROUP_BYTES).op('i32.add').set(groups);
  c.get(g).i32(1).op('i32.add').tee(g).get(nGroups).op('i32.lt_u').brIf('groupLoop').end().end();
}

/**
 * The TreeEnsemble plan's part of the loader's WebAssembly (see ./load-kernel.ts for the module's
 * layout and rules): id checks, the dense node index, child links, roots, the cycle check and the
 * leaf table, each the twin of a loop of ops/tree-ensemble.ts `linkForest`, which stays the reference.
 */
import { at, type Code, type Local, type ModuleBuilder } from '../tensor/kernels.js';
import { SLOT, forRange, rangeParams, returnIf, slots } from './load-kernel.js';

/** Ids are integers in [0, 2^26) (ops/tree-ensemble.ts). */
const ID_LIMIT = 2 ** 26;

/** Emits the plan's functions. */
export function addForestLinkKernels(mod: ModuleBuilder): void {
  addScanIds(mod);
  addIndexNodes(mod);
  addLink(mod);
  addFindRoots(mod);
  addAcyclic(mod);
  addLeafCount(mod);
  addLeafPrefix(mod);
  addLeafFill(mod);
}

/**
 * `scanIds(from, to)`: every tree and node id in [0, 2^26), the largest of each kept in slots
 * `pos` and `done` (zero before the first call). @returns the first index that is not, or -1
 */
function addScanIds(mod: ModuleBuilder): void {
  const f = mod.func('scanIds').returns('i32');
  const [from, to] = rangeParams(f);
  const i = f.local('i'), t = f.local('t'), d = f.local('d'), maxT = f.local('maxT'), maxD = f.local('maxD');
  const s = slots(f, ['treeIds', 'nodeIds'] as const);
  const x = f.code;
  x.i32(0).mem('i32.load', 4 * SLOT.pos).set(maxT).i32(0).mem('i32.load', 4 * SLOT.done).set(maxD);
  forRange(x, i, from, to, () => {
    at(x, s.treeIds, i).mem('i32.load').tee(t).i32(ID_LIMIT).op('i32.ge_u');
    at(x, s.nodeIds, i).mem('i32.load').tee(d).i32(ID_LIMIT).op('i32.ge_u').op('i32.or');
    returnIf(x, i);
    x.get(t).get(maxT).get(t).get(maxT).op('i32.gt_u').op('select').set(maxT);
    x.get(d).get(maxD).get(d).get(maxD).op('i32.gt_u').op('select').set(maxD);
  });
  x.i32(0).get(maxT).mem('i32.store', 4 * SLOT.pos).i32(0).get(maxD).mem('i32.store', 4 * SLOT.done);
  x.i32(-1);
}

/** `indexNodes(from, to)`: `dense[tree * stride + id] = i`, a later node winning as in the JS index. */
function addIndexNodes(mod: ModuleBuilder): void {
  const f = mod.func('indexNodes');
  const [from, to] = rangeParams(f);
  const i = f.local('i'), key = f.local('key');
  const s = slots(f, ['treeIds', 'nodeIds', 'dense', 'stride'] as const);
  const x = f.code;
  forRange(x, i, from, to, () => {
    at(x, s.treeIds, i).mem('i32.load').get(s.stride).op('i32.mul');
    at(x, s.nodeIds, i).mem('i32.load').op('i32.add').set(key);
    at(x, s.dense, key).get(i).mem('i32.store');
  });
}

/**
 * Pushes the flat index of node `id` of tree `tree`, -1 when there is none: a tree past the largest
 * has no node, nor an id past the largest (both unsigned, so negative ids are past it too).
 */
function lookup(x: Code, s: Record<'trees' | 'stride' | 'dense', Local>, tree: Local, id: Local): void {
  x.get(tree).get(s.trees).op('i32.ge_u').get(id).get(s.stride).op('i32.ge_u').op('i32.or');
  x.if('missing').i32(-1).set(id).else();
  x.get(s.dense).get(tree).get(s.stride).op('i32.mul').get(id).op('i32.add').i32(4).op('i32.mul').op('i32.add').mem('i32.load').set(id);
  x.end().get(id);
}

/**
 * `link(from, to)`: for each branch, its feature within the row and its true and false children's
 * flat indices (marked in `isChild`). @returns the first branch where one is not, or -1
 */
function addLink(mod: ModuleBuilder): void {
  const f = mod.func('link').returns('i32');
  const [from, to] = rangeParams(f);
  const i = f.local('i'), tree = f.local('tree'), id = f.local('id'), c = f.local('c');
  const s = slots(f, ['modes', 'features', 'nFeatures', 'treeIds', 'trueIds', 'falseIds', 'trueChild', 'falseChild', 'isChild', 'dense', 'stride', 'trees'] as const);
  const x = f.code;
  forRange(x, i, from, to, () => {
    x.block('leaf').get(s.modes).get(i).op('i32.add').mem('i32.load8_u').op('i32.eqz').brIf('leaf');
    at(x, s.features, i).mem('i32.load').get(s.nFeatures).op('i32.ge_u');
    returnIf(x, i);
    at(x, s.treeIds, i).mem('i32.load').set(tree);
    for (const [ids, child] of [[s.trueIds, s.trueChild], [s.falseIds, s.falseChild]] as const) {
      at(x, ids, i).mem('i32.load').set(id);
      lookup(x, s, tree, id);
      x.tee(c).i32(0).op('i32.lt_s');
      returnIf(x, i);
      at(x, child, i).get(c).mem('i32.store');
      x.get(s.isChild).get(c).op('i32.add').i32(1).mem('i32.store8');
    }
    x.end();
  });
  x.i32(-1);
}

/** `findRoots(from, to)`: each tree's first node that is no child, appended to `roots` (count in slot `rootCount`). */
function addFindRoots(mod: ModuleBuilder): void {
  const f = mod.func('findRoots');
  const [from, to] = rangeParams(f);
  const i = f.local('i'), flag = f.local('flag');
  const s = slots(f, ['isChild', 'hasRoot', 'treeIds', 'roots', 'rootCount'] as const);
  const x = f.code;
  forRange(x, i, from, to, () => {
    x.block('skip');
    x.get(s.isChild).get(i).op('i32.add').mem('i32.load8_u').brIf('skip');
    x.get(s.hasRoot);
    at(x, s.treeIds, i).mem('i32.load').op('i32.add').tee(flag).mem('i32.load8_u').brIf('skip');
    x.get(flag).i32(1).mem('i32.store8');
    at(x, s.roots, s.rootCount).get(i).mem('i32.store');
    x.get(s.rootCount).i32(1).op('i32.add').set(s.rootCount);
    x.end();
  });
  x.i32(0).get(s.rootCount).mem('i32.store', 4 * SLOT.rootCount);
}

/**
 * `acyclic(from, to)`: walks the trees of roots `[from, to)` depth-first, as the JS check does.
 * @returns the first node reached twice, or -1
 */
function addAcyclic(mod: ModuleBuilder): void {
  const f = mod.func('acyclic').returns('i32');
  const [from, to] = rangeParams(f);
  const r = f.local('r'), top = f.local('top'), i = f.local('i');
  const s = slots(f, ['roots', 'stack', 'seen', 'modes', 'trueChild', 'falseChild'] as const);
  const x = f.code;
  const push = (value: () => void): void => {
    at(x, s.stack, top);
    value();
    x.mem('i32.store').get(top).i32(1).op('i32.add').set(top);
  };
  forRange(x, r, from, to, () => {
    x.i32(0).set(top);
    push(() => at(x, s.roots, r).mem('i32.load'));
    x.block('walked').loop('walk');
    x.get(top).op('i32.eqz').brIf('walked');
    x.get(top).i32(1).op('i32.sub').set(top);
    at(x, s.stack, top).mem('i32.load').set(i);
    x.get(s.seen).get(i).op('i32.add').mem('i32.load8_u');
    returnIf(x, i);
    x.get(s.seen).get(i).op('i32.add').i32(1).mem('i32.store8');
    x.block('leaf').get(s.modes).get(i).op('i32.add').mem('i32.load8_u').op('i32.eqz').brIf('leaf');
    push(() => at(x, s.trueChild, i).mem('i32.load'));
    push(() => at(x, s.falseChild, i).mem('i32.load'));
    x.end().br('walk');
    x.end().end();
  });
  x.i32(-1);
}

/**
 * `leafCount(from, to)`: target j's leaf (kept in `leafNode`) and its count in `leafStart[leaf + 1]`.
 * @returns the first target whose leaf or target id does not exist, or -1
 */
function addLeafCount(mod: ModuleBuilder): void {
  const f = mod.func('leafCount').returns('i32');
  const [from, to] = rangeParams(f);
  const j = f.local('j'), tree = f.local('tree'), id = f.local('id'), c = f.local('c');
  const s = slots(f, ['tTrees', 'tNodes', 'tIds', 'nTargets', 'leafNode', 'leafStart', 'dense', 'stride', 'trees'] as const);
  const x = f.code;
  forRange(x, j, from, to, () => {
    at(x, s.tTrees, j).mem('i32.load').set(tree);
    at(x, s.tNodes, j).mem('i32.load').set(id);
    lookup(x, s, tree, id);
    x.tee(c).i32(0).op('i32.lt_s');
    at(x, s.tIds, j).mem('i32.load').get(s.nTargets).op('i32.ge_u').op('i32.or');
    returnIf(x, j);
    at(x, s.leafNode, j).get(c).mem('i32.store');
    x.get(s.leafStart).get(c).i32(4).op('i32.mul').op('i32.add').tee(c);
    x.get(c).mem('i32.load', 4).i32(1).op('i32.add').mem('i32.store', 4);
  });
  x.i32(-1);
}

/** `leafPrefix(from, to)`: `leafStart[i + 1] += leafStart[i]`, in order (ranges called in order). */
function addLeafPrefix(mod: ModuleBuilder): void {
  const f = mod.func('leafPrefix');
  const [from, to] = rangeParams(f);
  const i = f.local('i'), p = f.local('p');
  const s = slots(f, ['leafStart'] as const);
  const x = f.code;
  forRange(x, i, from, to, () => {
    at(x, s.leafStart, i).tee(p).get(p).mem('i32.load', 4).get(p).mem('i32.load').op('i32.add').mem('i32.store', 4);
  });
}

/** `leafFill(from, to)`: target j's id and weight into its leaf's next entry (`fill` starts as `leafStart`). */
function addLeafFill(mod: ModuleBuilder): void {
  const f = mod.func('leafFill');
  const [from, to] = rangeParams(f);
  const j = f.local('j'), p = f.local('p'), e = f.local('e');
  const s = slots(f, ['leafNode', 'fill', 'leafTarget', 'leafWeight', 'tIds', 'tWeights'] as const);
  const x = f.code;
  forRange(x, j, from, to, () => {
    x.get(s.fill).get(s.leafNode).get(j).i32(4).op('i32.mul').op('i32.add').mem('i32.load').i32(4).op('i32.mul').op('i32.add').tee(p);
    x.mem('i32.load').set(e).get(p).get(e).i32(1).op('i32.add').mem('i32.store');
    at(x, s.leafTarget, e);
    at(x, s.tIds, j).mem('i32.load').mem('i32.store');
    x.get(s.leafWeight).get(e).i32(8).op('i32.mul').op('i32.add');
    x.get(s.tWeights).get(j).i32(8).op('i32.mul').op('i32.add').mem('f64.load').mem('f64.store');
  });
}

/**
 * The WebAssembly that loads a forest without running JavaScript per node (docs/edge.md, "The
 * forest"): the protobuf codec's packed varints and string runs, the `nodes_modes` codes, and the
 * TreeEnsemble plan's id checks, node index, child links, roots, cycle check and leaf table. Each
 * loop runs once per node of a model, ~10^5 times while it loads; in JavaScript V8's optimizing
 * compiler takes each over, and its first use pages megabytes of Node's own code in. Liftoff,
 * V8's baseline WebAssembly compiler, compiles this module in well under a millisecond, and its code
 * runs ~20x the interpreter's speed.
 *
 * Every function does the common case only and answers -1 (or the index it stopped at) for anything
 * else: a varint longer than 5 bytes, an id out of range, a missing child, a revisited node. The
 * driver (./load-wasm.ts) then leaves the whole step to the JavaScript path, the reference, which
 * decides exactly as before and throws the same typed errors. Loops take a `[from, to)` range, so
 * the driver can split a long loop over fresh instances and keep each below V8's tier-up budget.
 *
 * The plan's functions read the addresses and sizes of their arrays from the header words of the
 * memory ({@link SLOT}); every array holds i32 except `modes`, `isChild`, `hasRoot`, `seen` (u8)
 * and the weights (f64).
 */
import { at, type Code, type Local, type ModuleBuilder } from '../tensor/kernels.js';

/** Header words at the start of the memory: slot k is the i32 at byte 4k. */
export const SLOT = {
  /** varints/byteRun: the byte position where the call stopped. scanIds: the largest tree id. */
  pos: 0,
  /** byteRun: 1 when the run ended. scanIds: the largest node id. */
  done: 1,
  n: 2, m: 3, nFeatures: 4, nTargets: 5, trees: 6, stride: 7,
  treeIds: 8, nodeIds: 9, features: 10, modes: 11, trueIds: 12, falseIds: 13,
  trueChild: 14, falseChild: 15, isChild: 16, dense: 17, hasRoot: 18, roots: 19, rootCount: 20,
  stack: 21, seen: 22, tTrees: 23, tNodes: 24, tIds: 25, tWeights: 26, leafNode: 27, leafStart: 28,
  fill: 29, leafTarget: 30, leafWeight: 31,
} as const;
export type Slot = keyof typeof SLOT;
/** Bytes of the header. */
export const HEADER_BYTES = 4 * 32;
/** Ids are integers in [0, 2^26) (ops/tree-ensemble.ts). */
const ID_LIMIT = 2 ** 26;

/** Emits every function of the module. */
export function addLoadKernels(mod: ModuleBuilder): void {
  addVarints(mod);
  addByteRun(mod);
  addCodes(mod);
  addScanIds(mod);
  addIndexNodes(mod);
  addLink(mod);
  addFindRoots(mod);
  addAcyclic(mod);
  addLeafCount(mod);
  addLeafPrefix(mod);
  addLeafFill(mod);
}

/** `for (i = from; i < to; i++) body()`, signed. */
function forRange(x: Code, i: Local, from: Local, to: Local, body: () => void): void {
  x.get(from).set(i);
  x.block(`${i.name}_done`).loop(i.name);
  x.get(i).get(to).op('i32.ge_s').brIf(`${i.name}_done`);
  body();
  x.get(i).i32(1).op('i32.add').set(i).br(i.name).end().end();
}

/** The `[begin, end)` range parameters of a loop function (the driver splits long loops into ranges). */
function rangeParams(f: { param(name: string): Local }): [Local, Local] {
  return [f.param('begin'), f.param('end')];
}

/** `local = header slot` for each of `names`, as locals of `f`. */
function slots<K extends Slot>(f: { local(name: string): Local; code: Code }, names: readonly K[]): Record<K, Local> {
  const out = {} as Record<K, Local>;
  for (const name of names) {
    out[name] = f.local(name);
    f.code.i32(0).mem('i32.load', 4 * SLOT[name]).set(out[name]);
  }
  return out;
}

/** Pushes `return value` when the i32 on the stack is non-zero. */
function returnIf(x: Code, value: Local | number): void {
  x.if('fail');
  if (typeof value === 'number') x.i32(value);
  else x.get(value);
  x.op('return').end();
}

/**
 * `varints(pos, end, out, max)`: up to `max` packed varints of `[pos, end)` as i32 at `out`, each at
 * most 5 bytes with a value below 2^31. @returns how many, with the stop position in slot `pos`; -1
 * for a longer, truncated or larger varint
 */
function addVarints(mod: ModuleBuilder): void {
  const f = mod.func('varints').returns('i32');
  const [pos, end, out, max] = ['pos', 'end', 'out', 'max'].map((p) => f.param(p)) as [Local, Local, Local, Local];
  const b = f.local('b'), v = f.local('v'), shift = f.local('shift'), o = f.local('o'), stop = f.local('stop');
  const x = f.code;
  x.note('o walks the output; it stops at out + 4 max');
  x.get(out).set(o).get(out).get(max).i32(2).op('i32.shl').op('i32.add').set(stop);
  x.block('stop').loop('next');
  x.note('one- and two-byte varints, the common case, in a loop of their own: V8 charges its tier-up');
  x.note('budget per pass by the code between the loop start and the branch back, so the one-byte path comes first');
  x.block('long').loop('short');
  x.get(pos).get(end).op('i32.ge_u').get(o).get(stop).op('i32.ge_u').op('i32.or').brIf('stop');
  x.block('twoBytes');
  x.get(pos).mem('i32.load8_u').tee(b).i32(0x80).op('i32.ge_u').brIf('twoBytes');
  x.get(o).get(b).mem('i32.store');
  x.get(o).i32(4).op('i32.add').set(o).get(pos).i32(1).op('i32.add').set(pos).br('short');
  x.end();
  x.get(pos).i32(1).op('i32.add').get(end).op('i32.ge_u').brIf('long');
  x.get(pos).mem('i32.load8_u', 1).tee(v).i32(0x80).op('i32.ge_u').brIf('long');
  x.get(o).get(b).i32(0x7f).op('i32.and').get(v).i32(7).op('i32.shl').op('i32.or').mem('i32.store');
  x.get(o).i32(4).op('i32.add').set(o).get(pos).i32(2).op('i32.add').set(pos).br('short');
  x.end().end();
  x.note('a continued varint: 7 more bits per byte; the fifth byte must end it below 2^31');
  x.get(pos).i32(1).op('i32.add').set(pos);
  x.get(b).i32(0x7f).op('i32.and').set(v).i32(0).set(shift);
  x.loop('more');
  x.get(shift).i32(7).op('i32.add').set(shift);
  x.get(pos).get(end).op('i32.ge_u');
  returnIf(x, -1);
  x.get(pos).mem('i32.load8_u').set(b).get(pos).i32(1).op('i32.add').set(pos);
  x.get(shift).i32(28).op('i32.eq').get(b).i32(7).op('i32.gt_u').op('i32.and');
  returnIf(x, -1);
  x.get(v).get(b).i32(0x7f).op('i32.and').get(shift).op('i32.shl').op('i32.or').set(v);
  x.get(b).i32(0x80).op('i32.ge_u').brIf('more');
  x.end();
  x.get(o).get(v).mem('i32.store');
  x.get(o).i32(4).op('i32.add').set(o).br('next');
  x.end().end();
  x.i32(0).get(pos).mem('i32.store', 4 * SLOT.pos);
  x.get(o).get(out).op('i32.sub').i32(2).op('i32.shr_u');
}

/**
 * `byteRun(pos, end, tag, out, max, shift)`: from a length byte at `pos`, up to `max` elements of a
 * run of one repeated bytes field whose one-byte `tag` repeats, each with a one-byte length that fits
 * before `end`; element k's bounds `(start + shift, end + shift)` as two i32 at `out + 8k`.
 * @returns how many, the stop position in slot `pos` and 1 in slot `done` when the run ended (else
 *   `pos` is at the next length byte); -1 for a longer or overlong length
 */
function addByteRun(mod: ModuleBuilder): void {
  const f = mod.func('byteRun').returns('i32');
  const [pos, end, tag, out, max, shift] = ['pos', 'end', 'tag', 'out', 'max', 'shift'].map((p) => f.param(p)) as [Local, Local, Local, Local, Local, Local];
  const i = f.local('i'), n = f.local('n'), done = f.local('done'), o = f.local('o');
  const x = f.code;
  x.i32(0).set(i);
  x.block('stop').loop('next');
  x.i32(0).set(done).get(i).get(max).op('i32.ge_u').brIf('stop');
  x.get(pos).mem('i32.load8_u').tee(n).i32(0x80).op('i32.ge_u').get(n).get(end).get(pos).op('i32.sub').op('i32.ge_u').op('i32.or');
  returnIf(x, -1);
  x.get(pos).i32(1).op('i32.add').set(pos);
  x.get(out).get(i).i32(8).op('i32.mul').op('i32.add').tee(o).get(pos).get(shift).op('i32.add').mem('i32.store');
  x.get(o).get(pos).get(n).op('i32.add').get(shift).op('i32.add').mem('i32.store', 4);
  x.get(i).i32(1).op('i32.add').set(i).get(pos).get(n).op('i32.add').set(pos);
  x.i32(1).set(done).get(pos).get(end).op('i32.ge_u').brIf('stop');
  x.get(pos).mem('i32.load8_u').get(tag).op('i32.ne').brIf('stop');
  x.get(pos).i32(1).op('i32.add').set(pos).br('next');
  x.end().end();
  x.i32(0).get(pos).mem('i32.store', 4 * SLOT.pos);
  x.i32(0).get(done).mem('i32.store', 4 * SLOT.done);
  x.get(i);
}

/**
 * `codes(bounds, names, nNames, out, from, to, shift, lo, hi)`: element k's position among the
 * names (255 for none) as the byte `out[k]`; element k is the bytes between the two i32 at
 * `bounds + 8k`, plus `shift`; name j is the (address, length) pair of i32 at `names + 8j`.
 * @returns the first element outside the copied bytes `[lo, hi)`, or -1
 */
function addCodes(mod: ModuleBuilder): void {
  const f = mod.func('codes').returns('i32');
  const [bounds, names, nNames, out, from, to, shift, lo, hi] = ['bounds', 'names', 'nNames', 'out', 'begin', 'end', 'shift', 'lo', 'hi'].map((p) => f.param(p)) as [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const k = f.local('k'), j = f.local('j'), q = f.local('q'), start = f.local('start'), len = f.local('len'), name = f.local('name');
  const x = f.code;
  forRange(x, k, from, to, () => {
    x.get(bounds).get(k).i32(8).op('i32.mul').op('i32.add').tee(start).mem('i32.load', 4).get(start).mem('i32.load').tee(start).op('i32.sub').set(len);
    x.get(start).get(shift).op('i32.add').tee(start).get(lo).op('i32.lt_s').get(len).i32(0).op('i32.lt_s').op('i32.or');
    x.get(start).get(len).op('i32.add').get(hi).op('i32.gt_s').op('i32.or');
    returnIf(x, k);
    x.get(out).get(k).op('i32.add').i32(255).mem('i32.store8');
    x.block('found');
    x.i32(0).set(j);
    x.block('names_done').loop('names');
    x.get(j).get(nNames).op('i32.ge_u').brIf('names_done');
    x.block('differs');
    x.get(names).get(j).i32(8).op('i32.mul').op('i32.add').tee(name).mem('i32.load', 4).get(len).op('i32.ne').brIf('differs');
    x.get(name).mem('i32.load').set(name).i32(0).set(q);
    x.note('four bytes at a time while four are left, then byte by byte: fewer passes, less tier-up budget');
    x.block('equal').block('tail').loop('words');
    x.get(q).i32(4).op('i32.add').get(len).op('i32.gt_u').brIf('tail');
    x.get(start).get(q).op('i32.add').mem('i32.load').get(name).get(q).op('i32.add').mem('i32.load').op('i32.ne').brIf('differs');
    x.get(q).i32(4).op('i32.add').set(q).br('words');
    x.end().end();
    x.loop('bytes');
    x.get(q).get(len).op('i32.ge_u').brIf('equal');
    x.get(start).get(q).op('i32.add').mem('i32.load8_u').get(name).get(q).op('i32.add').mem('i32.load8_u').op('i32.ne').brIf('differs');
    x.get(q).i32(1).op('i32.add').set(q).br('bytes');
    x.end().end();
    x.get(out).get(k).op('i32.add').get(j).mem('i32.store8').br('found');
    x.end();
    x.get(j).i32(1).op('i32.add').set(j).br('names');
    x.end().end();
    x.end();
  });
  x.i32(-1);
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

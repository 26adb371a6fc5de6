/**
 * The WebAssembly that loads a forest without running JavaScript per node (docs/edge.md, "The
 * forest"): here the protobuf codec's packed varints and string runs and the `nodes_modes` codes,
 * and the module's shared layout and loop helpers; the TreeEnsemble plan's id checks, node index,
 * child links, roots, cycle check and leaf table are in ./forest-links-kernel.ts. Each
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
import type { Code, Local, ModuleBuilder } from '../tensor/kernels.js';

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

/** Emits the codec's functions (the forest plan's are in ./forest-links-kernel.ts). */
export function addCodecKernels(mod: ModuleBuilder): void {
  addVarints(mod);
  addByteRun(mod);
  addCodes(mod);
}

/** `for (i = from; i < to; i++) body()`, signed. */
export function forRange(x: Code, i: Local, from: Local, to: Local, body: () => void): void {
  x.get(from).set(i);
  x.block(`${i.name}_done`).loop(i.name);
  x.get(i).get(to).op('i32.ge_s').brIf(`${i.name}_done`);
  body();
  x.get(i).i32(1).op('i32.add').set(i).br(i.name).end().end();
}

/** The `[begin, end)` range parameters of a loop function (the driver splits long loops into ranges). */
export function rangeParams(f: { param(name: string): Local }): [Local, Local] {
  return [f.param('begin'), f.param('end')];
}

/** `local = header slot` for each of `names`, as locals of `f`. */
export function slots<K extends Slot>(f: { local(name: string): Local; code: Code }, names: readonly K[]): Record<K, Local> {
  const out = {} as Record<K, Local>;
  for (const name of names) {
    out[name] = f.local(name);
    f.code.i32(0).mem('i32.load', 4 * SLOT[name]).set(out[name]);
  }
  return out;
}

/** Pushes `return value` when the i32 on the stack is non-zero. */
export function returnIf(x: Code, value: Local | number): void {
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

/**
 * The WebAssembly twin of ../gemm.ts: C[m,n] (= or +=) alpha · op(A)[m,k] · op(B)[k,n] in f32x4
 * lanes. Same blocking as the JS kernel (Goto & van de Geijn, ACM TOMS 2008,
 * https://doi.org/10.1145/1356052.1356053): B is packed into NR-column panels per KC-slice of the
 * inner dimension, and an MR x NR register tile accumulates over the slice. A is not packed: the
 * tile reads MR rows of op(A) through MR pointers that advance by one column per step (4 bytes
 * for A, `m * 4` for A^T), which is the layout XNNPACK's f32 GEMM kernels use. Sums are float32
 * (the JS twin sums in float64); edges are handled by zero-padded B panels and row-count variants
 * of the tile.
 */
import type { Code, FunctionBuilder, Local } from './code.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';

/** The gemm module: {@link addGemm}. */
export const GEMM_MODULE: KernelModuleSpec = {
  name: 'gemm',
  summary: 'C (=|+=) alpha op(A) op(B): a 4x8 f32x4 register tile over KC-slices of packed B panels',
  build: addGemm,
};

/** The one-row module, apart from gemm's so a single-row score compiles only this: {@link addGemv}. */
export const GEMV_MODULE: KernelModuleSpec = {
  name: 'gemv',
  summary: 'one-row products y (=|+=) alpha x op(B): axpy over the rows of B, or dot products with the rows of B^T',
  build: addGemv,
};

/** Rows of the register tile: MR x (NR / 4) = 12 accumulators + 2 B vectors + 1 A splat fit x64's 16 vector registers. */
export const MR = 4;
/** Columns of the register tile: two f32x4 vectors. */
export const NV = 2;
export const NR = 4 * NV;
/** Inner-dimension slice: a packed B panel (KC x NR floats = 8 KiB) stays in L1. */
export const KC = 256;
/** Row block: MC rows of A (MC x KC floats = 120 KiB) stay in L2 while every B panel passes. */
export const MC = 120;

/** Bytes of the packed-B scratch `gemm` needs for `n` columns. */
export function packBytes(n: number): number {
  return KC * Math.ceil(n / NR) * NR * 4;
}

/** Bytes of the edge-tile scratch. */
export const TILE_BYTES = MR * NR * 4;

/**
 * Adds to `mod` the exported `gemm(a, b, c, m, n, k, transA, transB, add, alpha, pack, tile)`
 * (byte addresses; `add` = accumulate into C) and its internal helpers.
 */
export function addGemm(mod: ModuleBuilder): FunctionBuilder {
  const packB = addPackB(mod);
  const tiles = Array.from({ length: MR }, (_, r) => addTile(mod, r + 1));
  const f = mod.func('gemm');
  const [a, b, c, m, n, k, transA, transB, add, alpha, pack, tile] = [
    f.param('a'), f.param('b'), f.param('c'), f.param('m'), f.param('n'), f.param('k'),
    f.param('transA'), f.param('transB'), f.param('add'), f.param('alpha', 'f32'), f.param('pack'), f.param('tile'),
  ];
  const p0 = f.local('p0'), kc = f.local('kc'), i0 = f.local('i0'), mc = f.local('mc'), j0 = f.local('j0');
  const i = f.local('i'), rows = f.local('rows'), aRow = f.local('aRow'), aStep = f.local('aStep'), rowStride = f.local('rowStride');
  const panel = f.local('panel'), cTile = f.local('cTile'), cols = f.local('cols'), first = f.local('first');
  const x = f.code;
  x.note('A^T steps by m floats per column of op(A), A by 1; rows of op(A) are k (A) or 1 (A^T) floats apart');
  x.get(transA).if().get(m).i32(4).op('i32.mul').set(aStep).i32(4).set(rowStride)
    .else().i32(4).set(aStep).get(k).i32(4).op('i32.mul').set(rowStride).end();
  x.note('for each KC-slice of the inner dimension: pack B, then sweep the row blocks');
  x.i32(0).set(p0).loop('slices');
  x.get(k).get(p0).op('i32.sub').tee(kc).i32(KC).get(kc).i32(KC).op('i32.lt_u').op('select').set(kc);
  x.get(b).get(n).get(k).get(transB).get(p0).get(kc).get(pack).call(packB);
  x.get(add).get(p0).op('i32.or').op('i32.eqz').set(first);
  x.i32(0).set(i0).loop('rowBlocks');
  x.get(m).get(i0).op('i32.sub').tee(mc).i32(MC).get(mc).i32(MC).op('i32.lt_u').op('select').set(mc);
  x.note('for each NR-column panel of packed B, for each MR-row tile of the row block');
  x.i32(0).set(j0).get(pack).set(panel).loop('panels');
  x.get(n).get(j0).op('i32.sub').tee(cols).i32(NR).get(cols).i32(NR).op('i32.lt_u').op('select').set(cols);
  x.i32(0).set(i).loop('tiles');
  x.get(mc).get(i).op('i32.sub').tee(rows).i32(MR).get(rows).i32(MR).op('i32.lt_u').op('select').set(rows);
  // aRow: op(A)[i0 + i, p0]; cTile: C[i0 + i, j0]
  x.get(a).get(i0).get(i).op('i32.add').get(rowStride).op('i32.mul').op('i32.add')
    .get(p0).get(aStep).op('i32.mul').op('i32.add').set(aRow);
  x.get(c).get(i0).get(i).op('i32.add').get(n).op('i32.mul').get(j0).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(cTile);
  for (let r = 1; r <= MR; r++) {
    x.block(`rows${r}`).get(rows).i32(r).op('i32.ne').brIf(`rows${r}`);
    x.get(aRow).get(rowStride).get(aStep).get(panel).get(kc).get(cTile).get(n).get(cols)
      .get(first).get(alpha).get(tile).call(tiles[r - 1]!);
    x.end();
  }
  x.get(i).i32(MR).op('i32.add').tee(i).get(mc).op('i32.lt_u').brIf('tiles').end();
  x.get(panel).get(kc).i32(NR * 4).op('i32.mul').op('i32.add').set(panel);
  x.get(j0).i32(NR).op('i32.add').tee(j0).get(n).op('i32.lt_u').brIf('panels').end();
  x.get(i0).i32(MC).op('i32.add').tee(i0).get(m).op('i32.lt_u').brIf('rowBlocks').end();
  x.get(p0).i32(KC).op('i32.add').tee(p0).get(k).op('i32.lt_u').brIf('slices').end();
  return f;
}

/**
 * `pack_b(b, n, k, transB, p0, kc, dst)`: op(B)[p0 : p0 + kc, :] into NR-wide panels of kc x NR
 * floats, zero past column n. op(B)[p, j] is b[p * n + j], or b[j * k + p] for B^T.
 */
function addPackB(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('pack_b', false);
  const [b, n, k, transB, p0, kc, dst] = [f.param('b'), f.param('n'), f.param('k'), f.param('transB'), f.param('p0'), f.param('kc'), f.param('dst')];
  const j0 = f.local('j0'), p = f.local('p'), jj = f.local('jj'), src = f.local('src'), colStep = f.local('colStep'), w = f.local('w');
  const x = f.code;
  x.note('one column step of op(B) is 1 float (B) or k floats (B^T); one row step the other way');
  x.get(transB).if().get(k).i32(4).op('i32.mul').set(colStep).else().i32(4).set(colStep).end();
  x.i32(0).set(j0).loop('panels');
  x.get(n).get(j0).op('i32.sub').tee(w).i32(NR).get(w).i32(NR).op('i32.lt_u').op('select').set(w);
  x.i32(0).set(p).loop('rows');
  x.note('src = address of op(B)[p0 + p, j0]');
  x.get(transB).if()
    .get(b).get(j0).get(k).op('i32.mul').get(p0).op('i32.add').get(p).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(src)
    .else()
    .get(b).get(p0).get(p).op('i32.add').get(n).op('i32.mul').get(j0).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(src)
    .end();
  x.note('a full row of a B panel is two vector copies; a transposed or edge one goes float by float, zeros past n');
  x.get(w).i32(NR).op('i32.eq').get(transB).op('i32.eqz').op('i32.and').if();
  for (let v = 0; v < NV; v++) x.get(dst).get(src).mem('v128.load', 16 * v).mem('v128.store', 16 * v);
  x.else();
  x.i32(0).set(jj).loop('cols');
  x.get(dst).get(jj).i32(4).op('i32.mul').op('i32.add').get(src).mem('f32.load').mem('f32.store');
  x.get(src).get(colStep).op('i32.add').set(src);
  x.get(jj).i32(1).op('i32.add').tee(jj).get(w).op('i32.lt_u').brIf('cols').end();
  x.block('padded').get(jj).i32(NR).op('i32.ge_u').brIf('padded').loop('zeros');
  x.get(dst).get(jj).i32(4).op('i32.mul').op('i32.add').f32(0).mem('f32.store');
  x.get(jj).i32(1).op('i32.add').tee(jj).i32(NR).op('i32.lt_u').brIf('zeros').end().end();
  x.end();
  x.get(dst).i32(NR * 4).op('i32.add').set(dst);
  x.get(p).i32(1).op('i32.add').tee(p).get(kc).op('i32.lt_u').brIf('rows').end();
  x.get(j0).i32(NR).op('i32.add').tee(j0).get(n).op('i32.lt_u').brIf('panels').end();
  return f;
}

/**
 * `tile{r}(aRow, rowStride, aStep, panel, kc, cTile, n, cols, first, alpha, tile)`: the r x NR
 * register tile. `acc[row][v] += splat(op(A)[row, p]) * panel[p, 4v : 4v + 4]` over p < kc, then
 * C[row, :cols] (= when `first`, else +=) alpha * acc.
 */
function addTile(mod: ModuleBuilder, r: number): FunctionBuilder {
  const f = mod.func(`tile${r}`, false);
  const [aRow, rowStride, aStep, panel, kc, cTile, n, cols, first, alpha, tile] = [
    f.param('aRow'), f.param('rowStride'), f.param('aStep'), f.param('panel'), f.param('kc'),
    f.param('cTile'), f.param('n'), f.param('cols'), f.param('first'), f.param('alpha', 'f32'), f.param('tile'),
  ];
  const ptr = Array.from({ length: r }, (_, row) => f.local(`a${row}`));
  const acc = Array.from({ length: r }, (_, row) => Array.from({ length: NV }, (_, v) => f.local(`acc${row}_${v}`, 'v128')));
  const bv = Array.from({ length: NV }, (_, v) => f.local(`b${v}`, 'v128'));
  const av = f.local('av', 'v128'), scale = f.local('scale', 'v128');
  const p = f.local('p'), dst = f.local('dst'), jj = f.local('jj');
  const x = f.code;
  x.note(`${r} row pointers into op(A), zeroed accumulators`);
  for (let row = 0; row < r; row++) {
    x.get(aRow).get(rowStride).i32(row).op('i32.mul').op('i32.add').set(ptr[row]!);
    for (let v = 0; v < NV; v++) x.f32x4(0).set(acc[row]![v]!);
  }
  x.note('acc += splat(a[row]) * b over the slice: one B row (two vectors) per step');
  x.get(kc).set(p).loop('inner');
  for (let v = 0; v < NV; v++) x.get(panel).mem('v128.load', 16 * v).set(bv[v]!);
  for (let row = 0; row < r; row++) {
    x.get(ptr[row]!).mem('v128.load32_splat').set(av);
    for (let v = 0; v < NV; v++) x.get(acc[row]![v]!).get(av).get(bv[v]!).op('f32x4.mul').op('f32x4.add').set(acc[row]![v]!);
    x.get(ptr[row]!).get(aStep).op('i32.add').set(ptr[row]!);
  }
  x.get(panel).i32(NR * 4).op('i32.add').set(panel);
  x.get(p).i32(1).op('i32.sub').tee(p).brIf('inner').end();
  x.note('scale by alpha; a full tile goes straight to C, an edge tile through the scratch tile');
  x.get(alpha).op('f32x4.splat').set(scale);
  x.get(cols).i32(NR).op('i32.eq').if();
  x.get(first).if();
  storeRows(x, { acc, scale, add: false, base: cTile, n, dst });
  x.else();
  storeRows(x, { acc, scale, add: true, base: cTile, n, dst });
  x.end();
  x.else();
  storeRows(x, { acc, scale, add: false, base: tile, n: null, dst });
  for (let row = 0; row < r; row++) {
    x.i32(0).set(jj).loop(`edge${row}`);
    x.note(`C[row ${row}, jj] = tile[row ${row}, jj] (+ C[row ${row}, jj] unless first)`);
    x.get(cTile).get(n).i32(row * 4).op('i32.mul').op('i32.add').get(jj).i32(4).op('i32.mul').op('i32.add').tee(dst);
    x.get(tile).get(jj).i32(4).op('i32.mul').op('i32.add').mem('f32.load', row * NR * 4);
    x.f32(0).get(dst).mem('f32.load').get(first).op('select').op('f32.add');
    x.mem('f32.store');
    x.get(jj).i32(1).op('i32.add').tee(jj).get(cols).op('i32.lt_u').brIf(`edge${row}`).end();
  }
  x.end();
  return f;
}

interface StoreRows {
  acc: Local[][];
  scale: Local;
  /** Add to the destination (C += alpha acc) instead of overwriting it. */
  add: boolean;
  base: Local;
  /** Row length of the destination in floats; null: the scratch tile's NR. */
  n: Local | null;
  dst: Local;
}

/** Writes (or adds) `scale * acc[row]` to the destination rows. */
function storeRows(x: Code, s: StoreRows): void {
  for (let row = 0; row < s.acc.length; row++) {
    x.get(s.base);
    if (s.n === null) x.i32(row * NR * 4).op('i32.add');
    else x.get(s.n).i32(row * 4).op('i32.mul').op('i32.add');
    x.set(s.dst);
    for (let v = 0; v < NV; v++) {
      x.get(s.dst).get(s.acc[row]![v]!).get(s.scale).op('f32x4.mul');
      if (s.add) x.get(s.dst).mem('v128.load', 16 * v).op('f32x4.add');
      x.mem('v128.store', 16 * v);
    }
  }
}

/**
 * Adds the one-row products (m = 1: single-sample inference, the JS twin's `gemvAxpy` and
 * `gemvRowsDot`):
 * `gemv_axpy(x, b, y, n, k, add, alpha)`: y[0, :n] (=|+=) alpha * sum_p x[p] B[p, :] with B [k, n];
 * `gemv_dot(x, b, y, n, k, add, alpha)`: y[0, j] (=|+=) alpha * dot(x, B[j, :]) with B [n, k].
 */
export function addGemv(mod: ModuleBuilder): void {
  addGemvAxpy(mod);
  addGemvDot(mod);
}

function addGemvAxpy(mod: ModuleBuilder): void {
  const f = mod.func('gemv_axpy');
  const [xp, b, y, n, k, add, alpha] = [f.param('x'), f.param('b'), f.param('y'), f.param('n'), f.param('k'), f.param('add'), f.param('alpha', 'f32')];
  const j = f.local('j'), p = f.local('p'), row = f.local('row'), dst = f.local('dst');
  const xv = f.local('xv', 'v128');
  const acc = Array.from({ length: 4 }, (_, v) => f.local(`acc${v}`, 'v128'));
  const s = f.local('s', 'f32'), val = f.local('val', 'v128');
  const x = f.code;
  x.note('columns in blocks of 16 (four accumulators), then of 4, then one by one');
  x.i32(0).set(j);
  for (const vectors of [4, 1]) {
    const cols = 4 * vectors;
    x.block(`done${cols}`).loop(`block${cols}`);
    x.get(j).i32(cols).op('i32.add').get(n).op('i32.gt_u').brIf(`done${cols}`);
    for (let v = 0; v < vectors; v++) x.f32x4(0).set(acc[v]!);
    x.note(`acc[v] += splat(x[p]) * B[p, j + 4v : j + 4v + 4] for every p`);
    x.get(b).get(j).i32(4).op('i32.mul').op('i32.add').set(row).i32(0).set(p);
    x.block(`noRows${cols}`).get(k).op('i32.eqz').brIf(`noRows${cols}`).loop(`rows${cols}`);
    x.get(xp).get(p).i32(4).op('i32.mul').op('i32.add').mem('v128.load32_splat').set(xv);
    for (let v = 0; v < vectors; v++) {
      x.get(acc[v]!).get(xv).get(row).mem('v128.load', 16 * v).op('f32x4.mul').op('f32x4.add').set(acc[v]!);
    }
    x.get(row).get(n).i32(4).op('i32.mul').op('i32.add').set(row);
    x.get(p).i32(1).op('i32.add').tee(p).get(k).op('i32.lt_u').brIf(`rows${cols}`).end().end();
    x.get(y).get(j).i32(4).op('i32.mul').op('i32.add').set(dst);
    for (let v = 0; v < vectors; v++) {
      x.get(acc[v]!).get(alpha).op('f32x4.splat').op('f32x4.mul').set(val);
      storeOrAdd(x, { dst, val, add, offset: 16 * v, kind: 'v128' });
    }
    x.get(j).i32(cols).op('i32.add').set(j).br(`block${cols}`).end().end();
  }
  x.block('done1').loop('block1');
  x.get(j).get(n).op('i32.ge_u').brIf('done1');
  x.note('s = sum_p x[p] B[p, j]');
  x.f32(0).set(s).get(b).get(j).i32(4).op('i32.mul').op('i32.add').set(row).i32(0).set(p);
  x.block('noRows1').get(k).op('i32.eqz').brIf('noRows1').loop('rows1');
  x.get(s).get(xp).get(p).i32(4).op('i32.mul').op('i32.add').mem('f32.load').get(row).mem('f32.load').op('f32.mul').op('f32.add').set(s);
  x.get(row).get(n).i32(4).op('i32.mul').op('i32.add').set(row);
  x.get(p).i32(1).op('i32.add').tee(p).get(k).op('i32.lt_u').brIf('rows1').end().end();
  x.get(y).get(j).i32(4).op('i32.mul').op('i32.add').set(dst);
  x.get(s).get(alpha).op('f32.mul').set(s);
  storeOrAdd(x, { dst, val: s, add, offset: 0, kind: 'f32' });
  x.get(j).i32(1).op('i32.add').set(j).br('block1').end().end();
}

function addGemvDot(mod: ModuleBuilder): void {
  const f = mod.func('gemv_dot');
  const [xp, b, y, n, k, add, alpha] = [f.param('x'), f.param('b'), f.param('y'), f.param('n'), f.param('k'), f.param('add'), f.param('alpha', 'f32')];
  const j = f.local('j'), p = f.local('p'), row = f.local('row'), dst = f.local('dst'), k4 = f.local('k4');
  const acc = f.local('acc', 'v128'), s = f.local('s', 'f32');
  const x = f.code;
  x.note('k4 = k rounded down to a multiple of 4: the vector part of each dot product');
  x.get(k).i32(-4).op('i32.and').set(k4);
  x.i32(0).set(j);
  x.block('done').get(n).op('i32.eqz').brIf('done').loop('outputs');
  x.note('acc = four-lane partial sums of x[p] * B[j, p], then their sum and the tail p >= k4');
  x.get(b).get(j).get(k).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(row);
  x.f32x4(0).set(acc).i32(0).set(p);
  x.block('noVec').get(k4).op('i32.eqz').brIf('noVec').loop('vec');
  x.get(acc).get(xp).get(p).i32(4).op('i32.mul').op('i32.add').mem('v128.load')
    .get(row).get(p).i32(4).op('i32.mul').op('i32.add').mem('v128.load').op('f32x4.mul').op('f32x4.add').set(acc);
  x.get(p).i32(4).op('i32.add').tee(p).get(k4).op('i32.lt_u').brIf('vec').end().end();
  x.get(acc).lane('f32x4.extract_lane', 0).get(acc).lane('f32x4.extract_lane', 1).op('f32.add')
    .get(acc).lane('f32x4.extract_lane', 2).get(acc).lane('f32x4.extract_lane', 3).op('f32.add').op('f32.add').set(s);
  x.block('noTail').get(p).get(k).op('i32.ge_u').brIf('noTail').loop('tail');
  x.get(s).get(xp).get(p).i32(4).op('i32.mul').op('i32.add').mem('f32.load')
    .get(row).get(p).i32(4).op('i32.mul').op('i32.add').mem('f32.load').op('f32.mul').op('f32.add').set(s);
  x.get(p).i32(1).op('i32.add').tee(p).get(k).op('i32.lt_u').brIf('tail').end().end();
  x.get(y).get(j).i32(4).op('i32.mul').op('i32.add').set(dst);
  x.get(s).get(alpha).op('f32.mul').set(s);
  storeOrAdd(x, { dst, val: s, add, offset: 0, kind: 'f32' });
  x.get(j).i32(1).op('i32.add').tee(j).get(n).op('i32.lt_u').brIf('outputs').end().end();
}

interface StoreOrAdd {
  dst: Local;
  val: Local;
  /** i32 local: nonzero = add to the destination */
  add: Local;
  offset: number;
  kind: 'f32' | 'v128';
}

/** `*(dst + offset) = add ? *(dst + offset) + val : val`. */
function storeOrAdd(x: Code, s: StoreOrAdd): void {
  const [load, store, plus] = s.kind === 'f32' ? ['f32.load', 'f32.store', 'f32.add'] as const : ['v128.load', 'v128.store', 'f32x4.add'] as const;
  x.get(s.add).if();
  x.get(s.dst).get(s.dst).mem(load, s.offset).get(s.val).op(plus).mem(store, s.offset);
  x.else();
  x.get(s.dst).get(s.val).mem(store, s.offset);
  x.end();
}

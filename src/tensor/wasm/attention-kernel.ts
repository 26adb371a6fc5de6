/**
 * The WebAssembly twin of the fused transformer's scaled dot-product attention
 * (../../nn/fused-attention.ts, Vaswani et al. 2017, https://arxiv.org/abs/1706.03762), forward and
 * backward, looping over every (sequence, head) block of a batch in one call. A block is L x L with
 * L ~ 16 and a head width dh ~ 16: far too small for the packed gemm, so each product is written out
 * with the head width in f32x4 lanes: `Q K^T` and `dO V^T` as dot products of rows, `P V`,
 * `dS K`, `dS^T Q` and `P^T dO` as sums of rows scaled by one splatted probability. Each head width
 * (a multiple of 4 up to 32; the driver checks) gets its own pair of functions whose head rows live
 * in registers, the lane groups unrolled at emission. Float32 throughout (the JS twin accumulates
 * the softmax VJP's row sums in float64).
 */
import type { Code, FunctionBuilder, Local } from './code.js';
import { horizontalSum, lanes } from './emit-helpers.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';
import { exp4 } from './normalize-kernel.js';

/** Head widths with their own kernels: each unrolls its f32x4 groups into registers. */
export const ATTENTION_HEAD_WIDTHS: readonly number[] = [4, 8, 12, 16, 20, 24, 28, 32];

/** The attention module: {@link addAttention}. */
export const ATTENTION_MODULE: KernelModuleSpec = {
  name: 'attention',
  summary: 'scaled dot-product attention forward and backward over every (sequence, head) block, one pair per head width 4..32 with the head rows in registers',
  build: addAttention,
};

/** Adds `attention_forward_<dh>` and `attention_backward_<dh>` for every width of {@link ATTENTION_HEAD_WIDTHS} to `mod`. */
export function addAttention(mod: ModuleBuilder): void {
  for (const dh of ATTENTION_HEAD_WIDTHS) {
    addForward(mod, dh);
    addBackward(mod, dh);
  }
}

/** `for (i = <already set>; i < end; i++) body()`, checked before the first pass. */
function countUp(x: Code, i: Local, end: Local, body: () => void): void {
  x.block(`${i.name}_done`).get(i).get(end).op('i32.ge_u').brIf(`${i.name}_done`).loop(`${i.name}_loop`);
  body();
  x.get(i).i32(1).op('i32.add').tee(i).get(end).op('i32.lt_u').brIf(`${i.name}_loop`).end().end();
}

/** Pushes `base + index * stride` (stride a local holding bytes). */
function row(x: Code, base: Local, index: Local, stride: Local): Code {
  return x.get(base).get(index).get(stride).op('i32.mul').op('i32.add');
}

/** `ptr += step` (a local holding bytes). */
function bump(x: Code, ptr: Local, step: Local): void {
  x.get(ptr).get(step).op('i32.add').set(ptr);
}

/** `count` v128 locals named `name0`, `name1`, ...: one head row in registers. */
function vectors(f: FunctionBuilder, name: string, count: number): Local[] {
  return Array.from({ length: count }, (_, v) => f.local(`${name}${v}`, 'v128'));
}

/** regs[v] = the v-th f32x4 of the row at `ptr`. */
function loadRow(x: Code, regs: readonly Local[], ptr: Local): void {
  regs.forEach((r, v) => x.get(ptr).mem('v128.load', 16 * v).set(r));
}

/** Stores regs as the row at `ptr + offset` (bytes, a local or 0). */
function storeRow(x: Code, regs: readonly Local[], ptr: Local, offset: Local | null): void {
  regs.forEach((r, v) => {
    x.get(ptr);
    if (offset !== null) x.get(offset).op('i32.add');
    x.get(r).mem('v128.store', 16 * v);
  });
}

/** regs[v] = 0. */
function zero(x: Code, regs: readonly Local[]): void {
  for (const r of regs) x.f32x4(0).set(r);
}

/** acc[v] += splat(*scalarAt) * the v-th f32x4 of the row at `ptr`, the scalar splat once into `t`. */
function axpyRow(x: Code, acc: readonly Local[], scalarAt: () => void, t: Local, ptr: Local): void {
  scalarAt();
  x.mem('v128.load32_splat').set(t);
  acc.forEach((a, v) => x.get(a).get(t).get(ptr).mem('v128.load', 16 * v).op('f32x4.mul').op('f32x4.add').set(a));
}

/** Pushes the f32 dot product of regs with the row at `ptr`, through `t`. */
function dotRow(x: Code, regs: readonly Local[], ptr: Local, t: Local): Code {
  regs.forEach((r, v) => {
    x.get(r).get(ptr).mem('v128.load', 16 * v).op('f32x4.mul');
    if (v > 0) x.get(t).op('f32x4.add');
    x.set(t);
  });
  return horizontalSum(x, t);
}

/** The shape locals both functions share, derived from their size parameters (all in bytes). */
interface Shape {
  /** one qkv row (3d floats), one cat row (d floats), d floats, one probability row (L floats) */
  rowQ: Local;
  rowO: Local;
  dB: Local;
  rowP: Local;
}

/**
 * Declares the shared locals and the block loop: for each (b, h), `qBlk`/`oBlk` point at head h's
 * first q column of sequence b in qkv and in cat, `pBlk` at its L x L probability block.
 */
function blocks(
  f: FunctionBuilder, dh: number, p: { qkv: Local; cat: Local; probs: Local; batch: Local; len: Local; d: Local; heads: Local },
  body: (s: Shape, at: { qBlk: Local; oBlk: Local; pBlk: Local }) => void,
): void {
  const s: Shape = { rowQ: f.local('rowQ'), rowO: f.local('rowO'), dB: f.local('dB'), rowP: f.local('rowP') };
  const b = f.local('b'), h = f.local('h'), qBlk = f.local('qBlk'), oBlk = f.local('oBlk'), pBlk = f.local('pBlk');
  const x = f.code;
  x.get(p.d).i32(12).op('i32.mul').set(s.rowQ).get(p.d).i32(4).op('i32.mul').tee(s.dB).set(s.rowO);
  x.get(p.len).i32(4).op('i32.mul').set(s.rowP);
  x.get(p.probs).set(pBlk).i32(0).set(b);
  countUp(x, b, p.batch, () => {
    x.i32(0).set(h);
    countUp(x, h, p.heads, () => {
      x.note(`qBlk = &qkv[b L, h ${dh}], oBlk = &cat[b L, h ${dh}]`);
      x.get(p.qkv).get(b).get(p.len).op('i32.mul').get(s.rowQ).op('i32.mul').op('i32.add').get(h).i32(4 * dh).op('i32.mul').op('i32.add').set(qBlk);
      x.get(p.cat).get(b).get(p.len).op('i32.mul').get(s.rowO).op('i32.mul').op('i32.add').get(h).i32(4 * dh).op('i32.mul').op('i32.add').set(oBlk);
      body(s, { qBlk, oBlk, pBlk });
      x.get(pBlk).get(s.rowP).get(p.len).op('i32.mul').op('i32.add').set(pBlk);
    });
  });
}

/** jEnd = causal ? i + 1 : len. */
function rowEnd(x: Code, causal: Local, i: Local, len: Local, jEnd: Local): void {
  x.get(causal).if().get(i).i32(1).op('i32.add').set(jEnd).else().get(len).set(jEnd).end();
}

/**
 * `attention_forward_<dh>(qkv, cat, probs, batch, len, d, heads, causal, scale)`: per block
 * P = softmax(Q K^T scale) over the first jEnd = (causal ? i + 1 : L) columns of row i, 0 after;
 * O = P V into head h's columns of cat.
 */
function addForward(mod: ModuleBuilder, dh: number): void {
  const f = mod.func(`attention_forward_${dh}`);
  const [qkv, cat, probs, batch, len, d, heads, causal] = ['qkv', 'cat', 'probs', 'batch', 'len', 'd', 'heads', 'causal'].map((n) => f.param(n)) as [Local, Local, Local, Local, Local, Local, Local, Local];
  const scale = f.param('scale', 'f32');
  const i = f.local('i'), j = f.local('j'), jEnd = f.local('jEnd');
  const qRow = f.local('qRow'), kRow = f.local('kRow'), pRow = f.local('pRow');
  const q = vectors(f, 'q', dh / 4), acc = vectors(f, 'acc', dh / 4);
  const t = f.local('t', 'v128'), v = f.local('v', 'v128'), k = f.local('k', 'v128'), p = f.local('p', 'v128'), under = f.local('under', 'v128');
  const mx = f.local('mx', 'f32'), sum = f.local('sum', 'f32');
  const x = f.code;
  blocks(f, dh, { qkv, cat, probs, batch, len, d, heads }, (s, { qBlk, oBlk, pBlk }) => {
    x.i32(0).set(i);
    countUp(x, i, len, () => {
      row(x, qBlk, i, s.rowQ).set(qRow);
      row(x, pBlk, i, s.rowP).set(pRow);
      rowEnd(x, causal, i, len, jEnd);
      x.note('P[i, j] = (q_i . k_j) scale for j < jEnd, q_i held in registers, tracking the row max');
      loadRow(x, q, qRow);
      x.f32(-Infinity).set(mx).get(qBlk).get(s.dB).op('i32.add').set(kRow).i32(0).set(j);
      countUp(x, j, jEnd, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add');
        dotRow(x, q, kRow, t).get(scale).op('f32.mul').tee(sum).mem('f32.store');
        x.get(mx).get(sum).op('f32.max').set(mx);
        bump(x, kRow, s.rowQ);
      });
      x.note('softmax over the first jEnd entries (Cephes exp as in normalize), then 0 for the masked rest');
      x.f32x4(0).set(t).f32(0).set(sum);
      lanes(x, j, jEnd, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('v128.load').get(mx).op('f32x4.splat').op('f32x4.sub').set(v);
        exp4(x, v, k, p, under);
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').get(v).mem('v128.store');
        x.get(t).get(v).op('f32x4.add').set(t);
      }, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').get(mx).op('f32.sub').op('f32x4.splat').set(v);
        exp4(x, v, k, p, under);
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').get(v).lane('f32x4.extract_lane', 0).mem('f32.store');
        x.get(sum).get(v).lane('f32x4.extract_lane', 0).op('f32.add').set(sum);
      });
      x.f32(1);
      horizontalSum(x, t).get(sum).op('f32.add').op('f32.div').set(sum);
      lanes(x, j, jEnd, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add');
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('v128.load').get(sum).op('f32x4.splat').op('f32x4.mul').mem('v128.store');
      }, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add');
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').get(sum).op('f32.mul').mem('f32.store');
      });
      x.get(jEnd).set(j);
      countUp(x, j, len, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').f32(0).mem('f32.store');
      });
      x.note('O[i] = sum_j P[i, j] v_j, the head row in registers');
      zero(x, acc);
      x.get(qBlk).get(s.dB).i32(2).op('i32.mul').op('i32.add').set(kRow).i32(0).set(j);
      countUp(x, j, jEnd, () => {
        axpyRow(x, acc, () => x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add'), t, kRow);
        bump(x, kRow, s.rowQ);
      });
      row(x, oBlk, i, s.rowO).set(qRow);
      storeRow(x, acc, qRow, null);
    });
  });
}

/**
 * `attention_backward_<dh>(qkv, probs, dcat, dqkv, ds, batch, len, d, heads, causal, scale)`: per
 * block, dS = P * (dO V^T - rowsum(P * dO V^T)) scale into the scratch `ds [L, L]`, then dQ = dS K,
 * dK = dS^T Q, dV = P^T dO written (not added) into dqkv's q, k, v columns of head h.
 */
function addBackward(mod: ModuleBuilder, dh: number): void {
  const f = mod.func(`attention_backward_${dh}`);
  const names = ['qkv', 'probs', 'dcat', 'dqkv', 'ds', 'batch', 'len', 'd', 'heads', 'causal'];
  const [qkv, probs, dcat, dqkv, ds, batch, len, d, heads, causal] = names.map((n) => f.param(n)) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const scale = f.param('scale', 'f32');
  const i = f.local('i'), j = f.local('j'), jEnd = f.local('jEnd');
  const aRow = f.local('aRow'), bRow = f.local('bRow'), pRow = f.local('pRow'), sRow = f.local('sRow'), dBlk = f.local('dBlk'), dOff = f.local('dOff');
  const regs = vectors(f, 'r', dh / 4), acc = vectors(f, 'acc', dh / 4), accV = vectors(f, 'accV', dh / 4);
  const t = f.local('t', 'v128');
  const dot = f.local('dot', 'f32'), rowDot = f.local('rowDot', 'f32');
  const x = f.code;
  blocks(f, dh, { qkv, cat: dcat, probs, batch, len, d, heads }, (s, { qBlk, oBlk, pBlk }) => {
    x.get(dqkv).get(qBlk).op('i32.add').get(qkv).op('i32.sub').set(dBlk);
    x.note('dS rows: dP[i, j] = dO_i . v_j (dO_i in registers), then P (dP - rowsum(P dP)) scale; 0 where masked');
    x.i32(0).set(i);
    countUp(x, i, len, () => {
      row(x, oBlk, i, s.rowO).set(aRow);
      row(x, pBlk, i, s.rowP).set(pRow);
      row(x, ds, i, s.rowP).set(sRow);
      rowEnd(x, causal, i, len, jEnd);
      loadRow(x, regs, aRow);
      x.f32(0).set(rowDot).get(qBlk).get(s.dB).i32(2).op('i32.mul').op('i32.add').set(bRow).i32(0).set(j);
      countUp(x, j, jEnd, () => {
        dotRow(x, regs, bRow, t).set(dot);
        x.get(sRow).get(j).i32(4).op('i32.mul').op('i32.add').get(dot).mem('f32.store');
        x.get(rowDot).get(dot).get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').op('f32.mul').op('f32.add').set(rowDot);
        bump(x, bRow, s.rowQ);
      });
      x.i32(0).set(j);
      countUp(x, j, len, () => {
        x.get(sRow).get(j).i32(4).op('i32.mul').op('i32.add');
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load');
        x.get(sRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').get(rowDot).op('f32.sub').op('f32.mul').get(scale).op('f32.mul');
        x.f32(0).get(j).get(jEnd).op('i32.lt_u').op('select').mem('f32.store');
      });
    });
    x.note('dQ[i] = sum_j dS[i, j] k_j');
    x.i32(0).set(i);
    countUp(x, i, len, () => {
      row(x, ds, i, s.rowP).set(sRow);
      rowEnd(x, causal, i, len, jEnd);
      zero(x, acc);
      x.get(qBlk).get(s.dB).op('i32.add').set(bRow).i32(0).set(j);
      countUp(x, j, jEnd, () => {
        axpyRow(x, acc, () => x.get(sRow).get(j).i32(4).op('i32.mul').op('i32.add'), t, bRow);
        bump(x, bRow, s.rowQ);
      });
      row(x, dBlk, i, s.rowQ).set(aRow);
      storeRow(x, acc, aRow, null);
    });
    x.note('dK[j] = sum_i dS[i, j] q_i and dV[j] = sum_i P[i, j] dO_i, over i >= j when causal');
    x.i32(0).set(j);
    countUp(x, j, len, () => {
      zero(x, acc);
      zero(x, accV);
      x.get(causal).if().get(j).set(i).else().i32(0).set(i).end();
      row(x, ds, i, s.rowP).get(j).i32(4).op('i32.mul').op('i32.add').set(sRow);
      row(x, pBlk, i, s.rowP).get(j).i32(4).op('i32.mul').op('i32.add').set(pRow);
      row(x, qBlk, i, s.rowQ).set(aRow);
      row(x, oBlk, i, s.rowO).set(bRow);
      countUp(x, i, len, () => {
        axpyRow(x, acc, () => x.get(sRow), t, aRow);
        axpyRow(x, accV, () => x.get(pRow), t, bRow);
        bump(x, sRow, s.rowP);
        bump(x, pRow, s.rowP);
        bump(x, aRow, s.rowQ);
        bump(x, bRow, s.rowO);
      });
      row(x, dBlk, j, s.rowQ).set(aRow);
      x.get(s.dB).set(dOff);
      storeRow(x, acc, aRow, dOff);
      x.get(s.dB).i32(2).op('i32.mul').set(dOff);
      storeRow(x, accV, aRow, dOff);
    });
  });
}

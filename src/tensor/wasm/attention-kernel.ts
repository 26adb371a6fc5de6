/**
 * The WebAssembly twin of the fused transformer's scaled dot-product attention
 * (../../nn/fused-attention.ts, Vaswani et al. 2017, https://arxiv.org/abs/1706.03762), forward and
 * backward, looping over every (sequence, head) block of a batch in one call. A block is L x L with
 * L ~ 16 and a head width dh ~ 16: far too small for the packed gemm, so each product is written out
 * with the head width in f32x4 lanes (dh must be a multiple of 4; the driver checks):
 * `Q K^T` and `dO V^T` as dot products of rows, `P V`, `dS K`, `dS^T Q` and `P^T dO` as sums of
 * rows scaled by one splatted probability. Float32 throughout (the JS twin accumulates the softmax
 * VJP's row sums in float64).
 */
import type { Code, FunctionBuilder, Local } from './code.js';
import { horizontalSum, lanes } from './emit-helpers.js';
import type { ModuleBuilder } from './module.js';
import { exp4 } from './normalize-kernel.js';

/** Adds `attention_forward` and `attention_backward` to `mod`. */
export function addAttention(mod: ModuleBuilder): void {
  addForward(mod);
  addBackward(mod);
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

/** The shape locals both functions share, derived from their size parameters. */
interface Shape {
  /** bytes of one qkv row (3d floats) and of one cat row (d floats) */
  rowQ: Local;
  rowO: Local;
  /** bytes of one head's columns (dh floats), of d floats and of one probability row (L floats) */
  dhB: Local;
  dB: Local;
  rowP: Local;
}

/**
 * Declares the shared locals and the block loop: for each (b, h), `qBlk`/`oBlk` point at head h's
 * first q column of sequence b in qkv and in cat, `pBlk` at its L x L probability block.
 */
function blocks(f: FunctionBuilder, p: { qkv: Local; cat: Local; probs: Local; batch: Local; len: Local; d: Local; heads: Local }, body: (s: Shape, at: { qBlk: Local; oBlk: Local; pBlk: Local; h: Local; b: Local }) => void): void {
  const s: Shape = { rowQ: f.local('rowQ'), rowO: f.local('rowO'), dhB: f.local('dhB'), dB: f.local('dB'), rowP: f.local('rowP') };
  const b = f.local('b'), h = f.local('h'), qBlk = f.local('qBlk'), oBlk = f.local('oBlk'), pBlk = f.local('pBlk');
  const x = f.code;
  x.get(p.d).i32(12).op('i32.mul').set(s.rowQ).get(p.d).i32(4).op('i32.mul').tee(s.dB).set(s.rowO);
  x.get(p.d).get(p.heads).op('i32.div_u').i32(4).op('i32.mul').set(s.dhB).get(p.len).i32(4).op('i32.mul').set(s.rowP);
  x.get(p.probs).set(pBlk).i32(0).set(b);
  countUp(x, b, p.batch, () => {
    x.i32(0).set(h);
    countUp(x, h, p.heads, () => {
      x.note('qBlk = &qkv[b L, h dh], oBlk = &cat[b L, h dh]');
      x.get(p.qkv).get(b).get(p.len).op('i32.mul').get(s.rowQ).op('i32.mul').op('i32.add').get(h).get(s.dhB).op('i32.mul').op('i32.add').set(qBlk);
      x.get(p.cat).get(b).get(s.rowO).op('i32.mul').get(p.len).op('i32.mul').op('i32.add').get(h).get(s.dhB).op('i32.mul').op('i32.add').set(oBlk);
      body(s, { qBlk, oBlk, pBlk, h, b });
      x.get(pBlk).get(s.rowP).get(p.len).op('i32.mul').op('i32.add').set(pBlk);
    });
  });
}

/** Pushes the dot product of dh floats at `a` and `b` (bytes), accumulated in `acc` then summed. */
function dot(x: Code, a: Local, b: Local, c: Local, dhB: Local, acc: Local): Code {
  x.f32x4(0).set(acc).i32(0).set(c);
  x.whileBelow(c, dhB, 16, () => {
    x.get(acc).get(a).get(c).op('i32.add').mem('v128.load').get(b).get(c).op('i32.add').mem('v128.load').op('f32x4.mul').op('f32x4.add').set(acc);
  });
  return horizontalSum(x, acc);
}

/**
 * `attention_forward(qkv, cat, probs, batch, len, d, heads, causal, scale)`: per block
 * P = softmax(Q K^T scale) over the first jEnd = (causal ? i + 1 : L) columns of row i, 0 after;
 * O = P V into head h's columns of cat.
 */
function addForward(mod: ModuleBuilder): void {
  const f = mod.func('attention_forward');
  const [qkv, cat, probs, batch, len, d, heads, causal] = ['qkv', 'cat', 'probs', 'batch', 'len', 'd', 'heads', 'causal'].map((n) => f.param(n)) as Local[] as [Local, Local, Local, Local, Local, Local, Local, Local];
  const scale = f.param('scale', 'f32');
  const i = f.local('i'), j = f.local('j'), c = f.local('c'), jEnd = f.local('jEnd');
  const qRow = f.local('qRow'), kRow = f.local('kRow'), pRow = f.local('pRow'), vBlk = f.local('vBlk');
  const acc = f.local('acc', 'v128'), v = f.local('v', 'v128'), k = f.local('k', 'v128'), p = f.local('p', 'v128'), under = f.local('under', 'v128');
  const mx = f.local('mx', 'f32'), sum = f.local('sum', 'f32');
  const x = f.code;
  blocks(f, { qkv, cat, probs, batch, len, d, heads }, (s, { qBlk, oBlk, pBlk }) => {
    x.get(qBlk).get(s.dB).i32(2).op('i32.mul').op('i32.add').set(vBlk).i32(0).set(i);
    countUp(x, i, len, () => {
      row(x, qBlk, i, s.rowQ).set(qRow);
      row(x, pBlk, i, s.rowP).set(pRow);
      x.get(causal).if().get(i).i32(1).op('i32.add').set(jEnd).else().get(len).set(jEnd).end();
      x.note('P[i, j] = (q_i . k_j) scale for j < jEnd, tracking the row max');
      x.f32(-Infinity).set(mx).get(qBlk).get(s.dB).op('i32.add').set(kRow).i32(0).set(j);
      countUp(x, j, jEnd, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add');
        dot(x, qRow, kRow, c, s.dhB, acc).get(scale).op('f32.mul').tee(sum).mem('f32.store');
        x.get(mx).get(sum).op('f32.max').set(mx);
        x.get(kRow).get(s.rowQ).op('i32.add').set(kRow);
      });
      x.note('softmax over the first jEnd entries (Cephes exp as in normalize), then 0 for the masked rest');
      x.f32x4(0).set(acc).f32(0).set(sum);
      lanes(x, j, jEnd, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('v128.load').get(mx).op('f32x4.splat').op('f32x4.sub').set(v);
        exp4(x, v, k, p, under);
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').get(v).mem('v128.store');
        x.get(acc).get(v).op('f32x4.add').set(acc);
      }, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').get(mx).op('f32.sub').op('f32x4.splat').set(v);
        exp4(x, v, k, p, under);
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').get(v).lane('f32x4.extract_lane', 0).mem('f32.store');
        x.get(sum).get(v).lane('f32x4.extract_lane', 0).op('f32.add').set(sum);
      });
      x.f32(1);
      horizontalSum(x, acc).get(sum).op('f32.add').op('f32.div').set(sum);
      x.i32(0).set(j);
      countUp(x, j, len, () => {
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add');
        x.get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').get(sum).op('f32.mul');
        x.f32(0).get(j).get(jEnd).op('i32.lt_u').op('select').mem('f32.store');
      });
      x.note('O[i] = sum_j P[i, j] v_j, four head columns at a time');
      x.i32(0).set(c);
      x.whileBelow(c, s.dhB, 16, () => {
        x.f32x4(0).set(acc).get(vBlk).get(c).op('i32.add').set(kRow).i32(0).set(j);
        countUp(x, j, jEnd, () => {
          x.get(acc).get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('v128.load32_splat');
          x.get(kRow).mem('v128.load').op('f32x4.mul').op('f32x4.add').set(acc);
          x.get(kRow).get(s.rowQ).op('i32.add').set(kRow);
        });
        row(x, oBlk, i, s.rowO).get(c).op('i32.add').get(acc).mem('v128.store');
      });
    });
  });
}

/**
 * `attention_backward(qkv, probs, dcat, dqkv, ds, batch, len, d, heads, causal, scale)`: per block,
 * dS = P * (dO V^T - rowsum(P * dO V^T)) scale into the scratch `ds [L, L]`, then dQ = dS K,
 * dK = dS^T Q, dV = P^T dO written (not added) into dqkv's q, k, v columns of head h.
 */
function addBackward(mod: ModuleBuilder): void {
  const f = mod.func('attention_backward');
  const names = ['qkv', 'probs', 'dcat', 'dqkv', 'ds', 'batch', 'len', 'd', 'heads', 'causal'];
  const [qkv, probs, dcat, dqkv, ds, batch, len, d, heads, causal] = names.map((n) => f.param(n)) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const scale = f.param('scale', 'f32');
  const i = f.local('i'), j = f.local('j'), c = f.local('c'), jEnd = f.local('jEnd');
  const aRow = f.local('aRow'), bRow = f.local('bRow'), pRow = f.local('pRow'), sRow = f.local('sRow'), dBlk = f.local('dBlk');
  const acc = f.local('acc', 'v128'), accV = f.local('accV', 'v128');
  const t = f.local('t', 'f32'), rowDot = f.local('rowDot', 'f32');
  const x = f.code;
  blocks(f, { qkv, cat: dcat, probs, batch, len, d, heads }, (s, { qBlk, oBlk, pBlk }) => {
    x.get(dqkv).get(qBlk).op('i32.add').get(qkv).op('i32.sub').set(dBlk);
    x.note('dS rows: dP[i, j] = dO_i . v_j, then P (dP - rowsum(P dP)) scale; 0 where masked');
    x.i32(0).set(i);
    countUp(x, i, len, () => {
      row(x, oBlk, i, s.rowO).set(aRow);
      row(x, pBlk, i, s.rowP).set(pRow);
      row(x, ds, i, s.rowP).set(sRow);
      x.get(causal).if().get(i).i32(1).op('i32.add').set(jEnd).else().get(len).set(jEnd).end();
      x.f32(0).set(rowDot).get(qBlk).get(s.dB).i32(2).op('i32.mul').op('i32.add').set(bRow).i32(0).set(j);
      countUp(x, j, jEnd, () => {
        dot(x, aRow, bRow, c, s.dhB, acc).set(t);
        x.get(sRow).get(j).i32(4).op('i32.mul').op('i32.add').get(t).mem('f32.store');
        x.get(rowDot).get(t).get(pRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').op('f32.mul').op('f32.add').set(rowDot);
        x.get(bRow).get(s.rowQ).op('i32.add').set(bRow);
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
      x.get(causal).if().get(i).i32(1).op('i32.add').set(jEnd).else().get(len).set(jEnd).end();
      x.i32(0).set(c);
      x.whileBelow(c, s.dhB, 16, () => {
        x.f32x4(0).set(acc).get(qBlk).get(s.dB).op('i32.add').get(c).op('i32.add').set(bRow).i32(0).set(j);
        countUp(x, j, jEnd, () => {
          x.get(acc).get(sRow).get(j).i32(4).op('i32.mul').op('i32.add').mem('v128.load32_splat');
          x.get(bRow).mem('v128.load').op('f32x4.mul').op('f32x4.add').set(acc);
          x.get(bRow).get(s.rowQ).op('i32.add').set(bRow);
        });
        row(x, dBlk, i, s.rowQ).get(c).op('i32.add').get(acc).mem('v128.store');
      });
    });
    x.note('dK[j] = sum_i dS[i, j] q_i and dV[j] = sum_i P[i, j] dO_i, over i >= j when causal');
    x.i32(0).set(j);
    countUp(x, j, len, () => {
      x.i32(0).set(c);
      x.whileBelow(c, s.dhB, 16, () => {
        x.f32x4(0).tee(acc).set(accV);
        x.get(causal).if().get(j).set(i).else().i32(0).set(i).end();
        countUp(x, i, len, () => {
          row(x, ds, i, s.rowP).get(j).i32(4).op('i32.mul').op('i32.add').set(sRow);
          row(x, pBlk, i, s.rowP).get(j).i32(4).op('i32.mul').op('i32.add').set(pRow);
          x.get(acc).get(sRow).mem('v128.load32_splat');
          row(x, qBlk, i, s.rowQ).get(c).op('i32.add').mem('v128.load').op('f32x4.mul').op('f32x4.add').set(acc);
          x.get(accV).get(pRow).mem('v128.load32_splat');
          row(x, oBlk, i, s.rowO).get(c).op('i32.add').mem('v128.load').op('f32x4.mul').op('f32x4.add').set(accV);
        });
        row(x, dBlk, j, s.rowQ).get(s.dB).op('i32.add').get(c).op('i32.add').get(acc).mem('v128.store');
        row(x, dBlk, j, s.rowQ).get(s.dB).i32(2).op('i32.mul').op('i32.add').get(c).op('i32.add').get(accV).mem('v128.store');
      });
    });
  });
}

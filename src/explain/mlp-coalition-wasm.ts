/**
 * Code generation for the SIMD coalition-value kernel of a ReLU MLP autoencoder (see
 * mlp-coalition-kernel.ts for the driver and the arithmetic it implements). The layout fixes every
 * size, so loop bounds, feature bits and buffer offsets are constants in the code.
 *
 * Activations are stored feature-major — `act[unit, column]`, column = (step, background row) — so
 * each f32x4 lane is a different hybrid row and no horizontal sums are needed: a dense layer is
 * `out[o, c] = bias[o] + sum_k W[o, k] · in[k, c]`, computed for 2 outputs × 8 columns at a time.
 */
import { Code, F64, I32, V128, wasmModule } from './wasm-emitter.js';

/** A dense layer's block: OUTS outputs × VECS f32x4 vectors of columns (the fastest measured on x64). */
const OUTS = 2;
const VECS = 2;

/** Sizes and byte offsets of the kernel's memory. */
export interface KernelLayout {
  /** `[h1, h2, ..., h_{L-1}, nA]`: first-layer width, hidden widths, active outputs */
  units: number[];
  /** attributed features (mask bits) */
  m: number;
  /** background rows, and padded to a multiple of 4 */
  u: number;
  uPad: number;
  /** column capacity of an activation row (steps × uPad, rounded up to a whole block of 4 · VECS) */
  cols: number;
  /** per active output: its mask bit, or -1 when the column is not attributed */
  attrBits: Int32Array;
  /** offsets of layers 2..L: weight `[units[l+1], units[l]]`, bias `[units[l+1]]` */
  weight: number[];
  bias: number[];
  /** `[h1, uPad]` first pre-activation of mask 0: every attributed feature from the background row */
  base: number;
  /** `[m, h1, uPad]` change of the first pre-activation when feature i comes from x instead of b */
  delta: number;
  /** `[h1, uPad]` the current mask's first pre-activation */
  z: number;
  /** `[units[l], cols]` activations of layer l (the last is the active outputs) */
  act: number[];
  /** `[nA]` x at the active columns */
  xActive: number;
  /** `[nA, uPad]` background values at the active columns */
  bActive: number;
  /** `[cols]` squared error summed over the active outputs, per column */
  err: number;
  /** `[uPad]` multiplicity of each background row (0 for padding) */
  rowWeight: number;
  /** `[2^m]` float64: sum over background rows of multiplicity × squared error, by mask */
  values: number;
  /** masks per chunk */
  steps: number;
  /** the inputs (weights, first-layer base and deltas, targets, row weights) fill [0, inputBytes) */
  inputBytes: number;
  bytes: number;
}

/** Lays out the kernel's memory for `units` (at least two), `m` features, `u` background rows and `steps` >= 1 masks per chunk. */
export function kernelLayout(units: readonly number[], attrBits: Int32Array, m: number, u: number, steps: number): KernelLayout {
  const uPad = Math.ceil(u / 4) * 4;
  const cols = Math.ceil((steps * uPad) / (4 * VECS)) * 4 * VECS;
  let at = 0;
  const take = (floats: number): number => {
    const start = at;
    at += Math.ceil(floats / 4) * 16;
    return start;
  };
  const weight: number[] = [];
  const bias: number[] = [];
  for (let l = 0; l + 1 < units.length; l++) {
    weight.push(take(units[l + 1]! * units[l]!));
    bias.push(take(units[l + 1]!));
  }
  const h1 = units[0]!;
  const nA = units[units.length - 1]!;
  // Inputs first, so a worker's memory is brought up to date by copying [0, inputBytes).
  const base = take(h1 * uPad);
  const delta = take(m * h1 * uPad);
  const xActive = take(nA);
  const bActive = take(nA * uPad);
  const rowWeight = take(uPad);
  const inputBytes = at;
  const z = take(h1 * uPad);
  const act = units.map((w) => take(w * cols));
  const err = take(cols);
  const values = take(2 * 2 ** m);
  return { units: [...units], m, u, uPad, cols, attrBits, weight, bias, base, delta, z, act, xActive, bActive, err, rowWeight, values, steps, inputBytes, bytes: at };
}

// Locals of `chunk(t0, nt)`: two parameters, then these.
const T0 = 0, NT = 1, TT = 2, T = 3, NEXT = 4, BIT = 5, P = 6, Q = 7, CP = 8, WP = 9, BP = 10, OROW = 11, G = 12, COL = 13, RP = 14, C = 15, C2 = 16, NCB = 17;
const SUM = 18, V0 = 19, W = V0 + VECS, S = W + 1, Y = S + 1, ACC = Y + 1;
const CHUNK_LOCALS = [...new Array<number>(NCB - T0 - 1).fill(I32), F64, ...new Array<number>(ACC + OUTS * VECS - V0).fill(V128)];

/** Pages (64 KiB) of the memory a kernel with this layout imports. */
export function kernelPages(layout: KernelLayout): number {
  return Math.ceil(layout.bytes / 65536);
}

/**
 * The kernel module (its memory imported as `env.memory`, {@link kernelPages} pages):
 * `run(t0, t1)` fills `values[gray(t)]` for t in [t0, t1) chunk by chunk; `start(g)` sets z to mask
 * g's first pre-activation; `chunk(t0, nt)` evaluates masks gray(t0..t0+nt-1), advancing z along
 * the Gray code from where `start` left it.
 */
export function kernelModule(layout: KernelLayout, shared: boolean): Uint8Array<ArrayBuffer> {
  return wasmModule(kernelPages(layout), shared, [
    { name: 'start', params: [I32], locals: [I32, I32], body: startBody(layout) },
    { name: 'chunk', params: [I32, I32], locals: CHUNK_LOCALS, body: chunkBody(layout, 2 ** layout.m) },
    { name: 'run', params: [I32, I32], locals: [I32, I32], body: runBody(layout) },
  ]);
}

function runBody(layout: KernelLayout): Code {
  const c = new Code();
  const t0 = 0, t1 = 1, t = 2, nt = 3;
  c.get(t0).set(t).loop();
  c.get(t).get(t).i32(1).shrU().xor().call(0);
  c.i32(layout.steps).get(t1).get(t).sub().tee(nt).get(nt).i32(layout.steps).gtU().select().set(nt);
  c.get(t).get(nt).call(1);
  c.get(t).get(nt).add().tee(t).get(t1).ltU().brIf(0).end();
  return c;
}

/** `for (counter = n; counter > 0; counter--) body` with n >= 1 known at generation time. */
function countLoop(c: Code, counter: number, n: number, body: () => void): void {
  c.i32(n).set(counter).loop();
  body();
  c.get(counter).i32(1).sub().tee(counter).brIf(0).end();
}

function startBody(layout: KernelLayout): Code {
  const c = new Code();
  const g = 0, p = 1, cnt = 2;
  const zBytes = layout.units[0]! * layout.uPad * 4;
  c.i32(0).set(p);
  countLoop(c, cnt, zBytes / 16, () => {
    c.get(p).get(p).v128Load(layout.base).v128Store(layout.z);
    c.get(p).i32(16).add().set(p);
  });
  for (let i = 0; i < layout.m; i++) {
    c.get(g).i32(i).shrU().i32(1).and().if();
    c.i32(0).set(p);
    countLoop(c, cnt, zBytes / 16, () => {
      c.get(p).get(p).v128Load(layout.z).get(p).v128Load(layout.delta + i * zBytes).f32x4Add().v128Store(layout.z);
      c.get(p).i32(16).add().set(p);
    });
    c.end();
  }
  return c;
}

function chunkBody(layout: KernelLayout, masks: number): Code {
  const c = new Code();
  const { units, uPad, cols } = layout;
  const h1 = units[0]!;
  const zBytes = h1 * uPad * 4;
  // Per step: copy ReLU(z) into the step's columns of layer 1, then move z to the next Gray mask.
  c.i32(0).set(TT).loop();
  c.get(T0).get(TT).add().set(T);
  c.i32(0).set(P).get(TT).i32(uPad * 4).mul().set(Q);
  countLoop(c, C, h1, () => {
    countLoop(c, C2, uPad / 4, () => {
      c.get(Q).v128Zero().get(P).v128Load(layout.z).f32x4Pmax().v128Store(layout.act[0]!);
      c.get(P).i32(16).add().set(P).get(Q).i32(16).add().set(Q);
    });
    c.get(Q).i32((cols - uPad) * 4).add().set(Q);
  });
  // Gray code t -> t+1 flips bit ctz(t+1); set = the feature now comes from x, so its delta joins.
  c.get(T).i32(1).add().tee(NEXT).i32(masks).ltU().if();
  c.get(NEXT).ctz().tee(BIT).i32(zBytes).mul().set(Q).i32(0).set(P);
  c.get(NEXT).get(NEXT).i32(1).shrU().xor().get(BIT).shrU().i32(1).and().if();
  advance(c, layout, zBytes, 'add');
  c.else();
  advance(c, layout, zBytes, 'sub');
  c.end().end();
  c.get(TT).i32(1).add().tee(TT).get(NT).ltU().brIf(0).end();

  c.get(NT).i32(uPad * 4).mul().i32(16 * VECS - 1).add().i32(16 * VECS).divU().i32(16 * VECS).mul().set(NCB);
  for (let l = 0; l + 1 < units.length; l++) {
    dense(c, layout, l, l + 2 < units.length);
  }
  squaredErrors(c, layout, layout.u);
  return c;
}

function advance(c: Code, layout: KernelLayout, zBytes: number, op: 'add' | 'sub'): void {
  countLoop(c, C, zBytes / 16, () => {
    c.get(P).get(P).v128Load(layout.z).get(Q).v128Load(layout.delta);
    if (op === 'add') c.f32x4Add();
    else c.f32x4Sub();
    c.v128Store(layout.z);
    c.get(P).i32(16).add().set(P).get(Q).i32(16).add().set(Q);
  });
}

/** Layer l+1 (`units[l]` -> `units[l+1]`) over NCB column bytes, OUTS outputs (or 1 for the tail) × 4 · VECS columns per block. */
function dense(c: Code, layout: KernelLayout, l: number, relu: boolean): void {
  const k = layout.units[l]!;
  const o = layout.units[l + 1]!;
  const rowBytes = layout.cols * 4;
  const inOff = layout.act[l]!;
  const outOff = layout.act[l + 1]!;
  const block = (outputs: number): void => {
    c.i32(0).set(CP).loop();
    for (let j = 0; j < outputs; j++) {
      c.get(BP).f32Splat(layout.bias[l]! + j * 4).set(ACC + VECS * j);
      for (let v = 1; v < VECS; v++) c.get(ACC + VECS * j).set(ACC + VECS * j + v);
    }
    for (let kk = 0; kk < k; kk++) {
      for (let v = 0; v < VECS; v++) c.get(CP).v128Load(inOff + kk * rowBytes + 16 * v).set(V0 + v);
      for (let j = 0; j < outputs; j++) {
        c.get(WP).f32Splat(layout.weight[l]! + (j * k + kk) * 4).set(W);
        for (let v = 0; v < VECS; v++) c.get(ACC + VECS * j + v).get(W).get(V0 + v).f32x4Mul().f32x4Add().set(ACC + VECS * j + v);
      }
    }
    for (let j = 0; j < VECS * outputs; j++) {
      c.get(CP).get(OROW).add();
      if (relu) c.v128Zero().get(ACC + j).f32x4Pmax();
      else c.get(ACC + j);
      c.v128Store(outOff + Math.floor(j / VECS) * rowBytes + (j % VECS) * 16);
    }
    c.get(CP).i32(16 * VECS).add().tee(CP).get(NCB).ltU().brIf(0).end();
  };
  c.i32(0).set(WP).i32(0).set(BP).i32(0).set(OROW);
  const step = (outputs: number): void => {
    c.get(WP).i32(outputs * k * 4).add().set(WP).get(BP).i32(outputs * 4).add().set(BP);
    c.get(OROW).i32(outputs * rowBytes).add().set(OROW);
  };
  if (o >= OUTS) countLoop(c, C, Math.floor(o / OUTS), () => { block(OUTS); step(OUTS); });
  for (let tail = 0; tail < o % OUTS; tail++) { block(1); step(1); }
}

/**
 * err[col] = sum over active outputs a of (y[a, col] - target)², target x_a or b_a by mask bit;
 * then values[g] = sum over background rows of rowWeight × err, in float64.
 */
function squaredErrors(c: Code, layout: KernelLayout, u: number): void {
  const { uPad, attrBits, cols } = layout;
  const out = layout.act[layout.act.length - 1]!;
  c.i32(0).set(TT).loop();
  c.get(T0).get(TT).add().tee(T).get(T).i32(1).shrU().xor().set(G);
  c.get(TT).i32(uPad * 4).mul().set(COL).i32(0).set(RP);
  countLoop(c, C, uPad / 4, () => {
    c.v128Zero().set(S);
    for (let a = 0; a < attrBits.length; a++) {
      c.get(COL).v128Load(out + a * cols * 4);
      c.i32(0).f32Splat(layout.xActive + a * 4);
      const bit = attrBits[a]!;
      if (bit >= 0) {
        c.get(RP).v128Load(layout.bActive + a * uPad * 4);
        c.i32(0).get(G).i32(bit).shrU().i32(1).and().sub().i32x4Splat().v128Bitselect();
      }
      c.f32x4Sub().tee(Y).get(Y).f32x4Mul().get(S).f32x4Add().set(S);
    }
    c.get(COL).get(S).v128Store(layout.err);
    c.get(COL).i32(16).add().set(COL).get(RP).i32(16).add().set(RP);
  });
  c.f64Zero().set(SUM).i32(0).set(P).get(TT).i32(uPad * 4).mul().set(Q);
  countLoop(c, C, u, () => {
    c.get(SUM).get(P).f32Load(layout.rowWeight).f64FromF32().get(Q).f32Load(layout.err).f64FromF32().f64Mul().f64Add().set(SUM);
    c.get(P).i32(4).add().set(P).get(Q).i32(4).add().set(Q);
  });
  c.get(G).i32(3).shl().get(SUM).f64Store(layout.values);
  c.get(TT).i32(1).add().tee(TT).get(NT).ltU().brIf(0).end();
}

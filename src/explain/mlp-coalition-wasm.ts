/**
 * Code generation for the SIMD coalition-value kernel of a ReLU MLP autoencoder (see
 * mlp-coalition-kernel.ts for the driver and the arithmetic it implements). The layout fixes every
 * size, so loop bounds, feature bits and buffer offsets are constants in the code.
 *
 * Activations are stored feature-major — `act[unit, column]`, column = (step, background row) — so
 * each f32x4 lane is a different hybrid row and no horizontal sums are needed: a dense layer is
 * `out[o, c] = bias[o] + sum_k W[o, k] · in[k, c]`, computed for 2 outputs × 8 columns at a time.
 */
import { ModuleBuilder, type Code, type FunctionBuilder, type Local } from '../tensor/index.js';

/**
 * A dense layer's block: OUTS outputs × VECS f32x4 vectors of columns, looped over the inputs (on
 * the W1 explain workload, one thread: 4 x 2 looped ~20-27 ms a row, 2 x 2 looped ~23-31 ms, 2 x 2
 * with the input loop unrolled ~41 ms: V8 compiles the long unrolled body poorly).
 */
const OUTS = 4;
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
export function kernelModule(layout: KernelLayout, shared: boolean): ModuleBuilder {
  const pages = kernelPages(layout);
  const mod = new ModuleBuilder('mlp_coalitions', { minPages: pages, maxPages: pages, shared });
  const start = mod.func('start');
  startBody(start, layout);
  const chunk = mod.func('chunk');
  chunkBody(chunk, layout, 2 ** layout.m);
  runBody(mod.func('run'), layout, start, chunk);
  return mod;
}

/** `run(t0, t1)`: for each chunk of `steps` masks from t0: start(gray(t)), chunk(t, n). */
function runBody(f: FunctionBuilder, layout: KernelLayout, start: FunctionBuilder, chunk: FunctionBuilder): void {
  const t0 = f.param('t0'), t1 = f.param('t1');
  const t = f.local('t'), nt = f.local('nt');
  const c = f.code;
  c.get(t0).set(t).loop('chunks');
  c.note('z = first pre-activation of mask gray(t); nt = min(steps, t1 - t)');
  c.get(t).get(t).i32(1).op('i32.shr_u').op('i32.xor').call(start);
  c.i32(layout.steps).get(t1).get(t).op('i32.sub').tee(nt).get(nt).i32(layout.steps).op('i32.gt_u').op('select').set(nt);
  c.get(t).get(nt).call(chunk);
  c.get(t).get(nt).op('i32.add').tee(t).get(t1).op('i32.lt_u').brIf('chunks').end();
}

/** `start(g)`: z = base + the deltas of every feature whose bit is set in g. */
function startBody(f: FunctionBuilder, layout: KernelLayout): void {
  const g = f.param('g');
  const p = f.local('p'), count = f.local('count');
  const c = f.code;
  const zBytes = layout.units[0]! * layout.uPad * 4;
  c.note('z = base (mask 0: every attributed feature from the background row)');
  c.i32(0).set(p);
  c.repeat(count, zBytes / 16, () => {
    c.get(p).get(p).mem('v128.load', layout.base).mem('v128.store', layout.z);
    c.get(p).i32(16).op('i32.add').set(p);
  });
  for (let i = 0; i < layout.m; i++) {
    c.note(`feature bit ${i} set: z += delta[${i}]`);
    c.get(g).i32(i).op('i32.shr_u').i32(1).op('i32.and').if();
    c.i32(0).set(p);
    c.repeat(count, zBytes / 16, () => {
      c.get(p).get(p).mem('v128.load', layout.z).get(p).mem('v128.load', layout.delta + i * zBytes).op('f32x4.add').mem('v128.store', layout.z);
      c.get(p).i32(16).op('i32.add').set(p);
    });
    c.end();
  }
}

/** The locals of `chunk(t0, nt)`, by name. */
interface ChunkLocals {
  t0: Local; nt: Local; tt: Local; t: Local; next: Local; bit: Local; p: Local; q: Local;
  cp: Local; wp: Local; bp: Local; oRow: Local; ip: Local; kp: Local; g: Local; col: Local; rp: Local; c1: Local; c2: Local; ncb: Local;
  sum: Local; inputs: Local[]; w: Local; s: Local; y: Local; acc: Local[];
}

function chunkLocals(f: FunctionBuilder): ChunkLocals {
  const i32 = (name: string): Local => f.local(name);
  const v128 = (name: string): Local => f.local(name, 'v128');
  const t0 = f.param('t0'), nt = f.param('nt');
  return {
    t0, nt, tt: i32('tt'), t: i32('t'), next: i32('next'), bit: i32('bit'), p: i32('p'), q: i32('q'),
    cp: i32('cp'), wp: i32('wp'), bp: i32('bp'), oRow: i32('oRow'), ip: i32('ip'), kp: i32('kp'), g: i32('g'), col: i32('col'), rp: i32('rp'),
    c1: i32('c1'), c2: i32('c2'), ncb: i32('ncb'), sum: f.local('sum', 'f64'),
    inputs: Array.from({ length: VECS }, (_, v) => v128(`in${v}`)), w: v128('w'), s: v128('s'), y: v128('y'),
    acc: Array.from({ length: OUTS * VECS }, (_, k) => v128(`acc${Math.floor(k / VECS)}_${k % VECS}`)),
  };
}

function chunkBody(f: FunctionBuilder, layout: KernelLayout, masks: number): void {
  const L = chunkLocals(f);
  const c = f.code;
  const { units, uPad, cols } = layout;
  const h1 = units[0]!;
  const zBytes = h1 * uPad * 4;
  c.note('per step tt: copy ReLU(z) into the step\'s columns of layer 1, then move z to the next Gray mask');
  c.i32(0).set(L.tt).loop('steps');
  c.get(L.t0).get(L.tt).op('i32.add').set(L.t);
  c.i32(0).set(L.p).get(L.tt).i32(uPad * 4).op('i32.mul').set(L.q);
  c.repeat(L.c1, h1, () => {
    c.repeat(L.c2, uPad / 4, () => {
      c.get(L.q).f32x4(0).get(L.p).mem('v128.load', layout.z).op('f32x4.pmax').mem('v128.store', layout.act[0]!);
      c.get(L.p).i32(16).op('i32.add').set(L.p).get(L.q).i32(16).op('i32.add').set(L.q);
    });
    c.get(L.q).i32((cols - uPad) * 4).op('i32.add').set(L.q);
  });
  c.note('Gray code t -> t+1 flips bit ctz(t+1); set = the feature now comes from x, so its delta joins');
  c.get(L.t).i32(1).op('i32.add').tee(L.next).i32(masks).op('i32.lt_u').if();
  c.get(L.next).op('i32.ctz').tee(L.bit).i32(zBytes).op('i32.mul').set(L.q).i32(0).set(L.p);
  c.get(L.next).get(L.next).i32(1).op('i32.shr_u').op('i32.xor').get(L.bit).op('i32.shr_u').i32(1).op('i32.and').if();
  advance(c, L, layout, zBytes, 'f32x4.add');
  c.else();
  advance(c, L, layout, zBytes, 'f32x4.sub');
  c.end().end();
  c.get(L.tt).i32(1).op('i32.add').tee(L.tt).get(L.nt).op('i32.lt_u').brIf('steps').end();

  c.note('ncb = the chunk\'s column bytes, rounded up to whole blocks of 4 * VECS columns');
  c.get(L.nt).i32(uPad * 4).op('i32.mul').i32(16 * VECS - 1).op('i32.add').i32(16 * VECS).op('i32.div_u').i32(16 * VECS).op('i32.mul').set(L.ncb);
  for (let l = 0; l + 1 < units.length; l++) dense(c, L, layout, l, l + 2 < units.length);
  squaredErrors(c, L, layout);
}

/** z (+|-)= delta[bit] (q points at the delta, p walks z). */
function advance(c: Code, L: ChunkLocals, layout: KernelLayout, zBytes: number, op: 'f32x4.add' | 'f32x4.sub'): void {
  c.repeat(L.c1, zBytes / 16, () => {
    c.get(L.p).get(L.p).mem('v128.load', layout.z).get(L.q).mem('v128.load', layout.delta).op(op).mem('v128.store', layout.z);
    c.get(L.p).i32(16).op('i32.add').set(L.p).get(L.q).i32(16).op('i32.add').set(L.q);
  });
}

/**
 * Layer l+1 (`units[l]` -> `units[l+1]`) over ncb column bytes: out[o, col] = bias[o] + sum_k W[o, k] in[k, col],
 * OUTS outputs (or 1 for the tail) x 4 * VECS columns per block.
 */
function dense(c: Code, L: ChunkLocals, layout: KernelLayout, l: number, relu: boolean): void {
  const k = layout.units[l]!;
  const o = layout.units[l + 1]!;
  const rowBytes = layout.cols * 4;
  const inOff = layout.act[l]!;
  const outOff = layout.act[l + 1]!;
  const block = (outputs: number): void => {
    c.i32(0).set(L.cp).loop(`layer${l}_columns${outputs}`);
    c.note(`acc[j][v] = bias[j], then += W[j, kk] * in[kk, cp + 16v] for every input kk (ip, kp walk kk)`);
    for (let j = 0; j < outputs; j++) {
      c.get(L.bp).mem('v128.load32_splat', layout.bias[l]! + j * 4).set(L.acc[VECS * j]!);
      for (let v = 1; v < VECS; v++) c.get(L.acc[VECS * j]!).set(L.acc[VECS * j + v]!);
    }
    c.get(L.cp).set(L.ip).get(L.wp).set(L.kp);
    c.repeat(L.c2, k, () => {
      for (let v = 0; v < VECS; v++) c.get(L.ip).mem('v128.load', inOff + 16 * v).set(L.inputs[v]!);
      for (let j = 0; j < outputs; j++) {
        c.get(L.kp).mem('v128.load32_splat', layout.weight[l]! + j * k * 4).set(L.w);
        for (let v = 0; v < VECS; v++) {
          const acc = L.acc[VECS * j + v]!;
          c.get(acc).get(L.w).get(L.inputs[v]!).op('f32x4.mul').op('f32x4.add').set(acc);
        }
      }
      c.get(L.ip).i32(rowBytes).op('i32.add').set(L.ip).get(L.kp).i32(4).op('i32.add').set(L.kp);
    });
    c.note(relu ? 'out = pmax(0, acc): ReLU' : 'out = acc (the active outputs)');
    for (let j = 0; j < VECS * outputs; j++) {
      c.get(L.cp).get(L.oRow).op('i32.add');
      if (relu) c.f32x4(0).get(L.acc[j]!).op('f32x4.pmax');
      else c.get(L.acc[j]!);
      c.mem('v128.store', outOff + Math.floor(j / VECS) * rowBytes + (j % VECS) * 16);
    }
    c.get(L.cp).i32(16 * VECS).op('i32.add').tee(L.cp).get(L.ncb).op('i32.lt_u').brIf(`layer${l}_columns${outputs}`).end();
  };
  c.note(`layer ${l + 1}: ${k} -> ${o}${relu ? ', ReLU' : ''}`);
  c.i32(0).set(L.wp).i32(0).set(L.bp).i32(0).set(L.oRow);
  const step = (outputs: number): void => {
    c.get(L.wp).i32(outputs * k * 4).op('i32.add').set(L.wp).get(L.bp).i32(outputs * 4).op('i32.add').set(L.bp);
    c.get(L.oRow).i32(outputs * rowBytes).op('i32.add').set(L.oRow);
  };
  if (o >= OUTS) c.repeat(L.c1, Math.floor(o / OUTS), () => { block(OUTS); step(OUTS); });
  for (let tail = 0; tail < o % OUTS; tail++) { block(1); step(1); }
}

/**
 * err[col] = sum over active outputs a of (y[a, col] - target)^2, target x_a or b_a by mask bit;
 * then values[g] = sum over background rows of rowWeight x err, in float64.
 */
function squaredErrors(c: Code, L: ChunkLocals, layout: KernelLayout): void {
  const { uPad, attrBits, cols, u } = layout;
  const out = layout.act[layout.act.length - 1]!;
  c.note('per step tt: err over the active outputs, then the weighted float64 sum into values[gray(t)]');
  c.i32(0).set(L.tt).loop('scores');
  c.get(L.t0).get(L.tt).op('i32.add').tee(L.t).get(L.t).i32(1).op('i32.shr_u').op('i32.xor').set(L.g);
  c.get(L.tt).i32(uPad * 4).op('i32.mul').set(L.col).i32(0).set(L.rp);
  c.repeat(L.c1, uPad / 4, () => {
    c.f32x4(0).set(L.s);
    for (let a = 0; a < attrBits.length; a++) {
      c.get(L.col).mem('v128.load', out + a * cols * 4);
      c.i32(0).mem('v128.load32_splat', layout.xActive + a * 4);
      const bit = attrBits[a]!;
      if (bit >= 0) {
        // target = bit set ? x : b, as bitselect(x, b, all-ones or zeros)
        c.get(L.rp).mem('v128.load', layout.bActive + a * uPad * 4);
        c.i32(0).get(L.g).i32(bit).op('i32.shr_u').i32(1).op('i32.and').op('i32.sub').op('i32x4.splat').op('v128.bitselect');
      }
      c.op('f32x4.sub').tee(L.y).get(L.y).op('f32x4.mul').get(L.s).op('f32x4.add').set(L.s);
    }
    c.get(L.col).get(L.s).mem('v128.store', layout.err);
    c.get(L.col).i32(16).op('i32.add').set(L.col).get(L.rp).i32(16).op('i32.add').set(L.rp);
  });
  c.f64(0).set(L.sum).i32(0).set(L.p).get(L.tt).i32(uPad * 4).op('i32.mul').set(L.q);
  c.repeat(L.c1, u, () => {
    c.get(L.sum).get(L.p).mem('f32.load', layout.rowWeight).op('f64.promote_f32').get(L.q).mem('f32.load', layout.err).op('f64.promote_f32').op('f64.mul').op('f64.add').set(L.sum);
    c.get(L.p).i32(4).op('i32.add').set(L.p).get(L.q).i32(4).op('i32.add').set(L.q);
  });
  c.get(L.g).i32(3).op('i32.shl').get(L.sum).mem('f64.store', layout.values);
  c.get(L.tt).i32(1).op('i32.add').tee(L.tt).get(L.nt).op('i32.lt_u').brIf('scores').end();
}

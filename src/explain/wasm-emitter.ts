/**
 * A minimal WebAssembly binary writer: one module with one memory and a few exported functions whose
 * bodies are written instruction by instruction (the 128-bit SIMD proposal included). It exists so a
 * hot kernel can be generated from TypeScript for the shapes at hand and run at SIMD speed without a
 * native addon or a shipped binary. Format: https://webassembly.github.io/spec/core/binary/
 */

/** Value types of locals and signatures. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** One function: its signature, locals (beyond the parameters) and body. */
export interface WasmFunction {
  name: string;
  params: readonly number[];
  /** extra locals, by type, in order after the parameters */
  locals: readonly number[];
  body: Code;
}

/**
 * An instruction stream. Methods append one instruction each and return `this`, so a body reads as
 * the instruction sequence; memory offsets and alignments are in bytes.
 */
export class Code {
  readonly bytes: number[] = [];

  private op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  private simd(opcode: number, ...rest: number[]): this {
    this.bytes.push(0xfd, ...uleb(opcode), ...rest);
    return this;
  }
  private memarg(align: number, offset: number): number[] {
    return [...uleb(Math.log2(align)), ...uleb(offset)];
  }

  get(local: number): this { return this.op(0x20, ...uleb(local)); }
  set(local: number): this { return this.op(0x21, ...uleb(local)); }
  tee(local: number): this { return this.op(0x22, ...uleb(local)); }
  i32(value: number): this { return this.op(0x41, ...sleb(value)); }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  divU(): this { return this.op(0x6e); }
  and(): this { return this.op(0x71); }
  xor(): this { return this.op(0x73); }
  shrU(): this { return this.op(0x76); }
  ltU(): this { return this.op(0x49); }
  shl(): this { return this.op(0x74); }
  gtU(): this { return this.op(0x4b); }
  ctz(): this { return this.op(0x68); }
  eqz(): this { return this.op(0x45); }
  /** `cond ? a : b` with a, b, cond pushed in that order */
  select(): this { return this.op(0x1b); }
  i32Load(offset = 0): this { return this.op(0x28, ...this.memarg(4, offset)); }
  f32Load(offset = 0): this { return this.op(0x2a, ...this.memarg(4, offset)); }
  f64Store(offset = 0): this { return this.op(0x39, ...this.memarg(8, offset)); }
  f64Zero(): this { return this.op(0x44, 0, 0, 0, 0, 0, 0, 0, 0); }
  f64Add(): this { return this.op(0xa0); }
  f64Mul(): this { return this.op(0xa2); }
  f64FromF32(): this { return this.op(0xbb); }
  /** calls function `index` (the position in {@link wasmModule}'s list) */
  call(index: number): this { return this.op(0x10, ...uleb(index)); }
  /** block / loop with no result; close with {@link end} */
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  /** if (no result) on the popped i32; close with {@link end} */
  if(): this { return this.op(0x04, 0x40); }
  else(): this { return this.op(0x05); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }

  v128Load(offset = 0): this { return this.simd(0x00, ...this.memarg(16, offset)); }
  /** loads one f32 and splats it to all four lanes */
  f32Splat(offset = 0): this { return this.simd(0x09, ...this.memarg(4, offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, ...this.memarg(16, offset)); }
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  /** i32 -> all four lanes */
  i32x4Splat(): this { return this.simd(0x11); }
  /** `(a & mask) | (b & ~mask)` of (a, b, mask) */
  v128Bitselect(): this { return this.simd(0x52); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  /** pseudo-maximum `a < b ? b : a` of (a, b) per lane: with a = 0 it is ReLU (NaN -> 0) in one maxps */
  f32x4Pmax(): this { return this.simd(0xeb); }
}

/**
 * The bytes of a module that imports its memory as `env.memory` (`pages` × 64 KiB, fixed size;
 * `shared` for a memory several threads use) and exports the given functions, none returning a value.
 */
export function wasmModule(pages: number, shared: boolean, functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0x00]);
  const funcs = functions.map((_, i) => uleb(i));
  const memory = [...name('env'), ...name('memory'), 0x02, shared ? 0x03 : 0x01, ...uleb(pages), ...uleb(pages)];
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = functions.map((f) => {
    const groups = f.locals.map((t) => [0x01, t]);
    const body = [...vec(groups), ...f.body.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memory])),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ];
  return Uint8Array.from(bytes);
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: readonly number[][]): number[] {
  const out = uleb(items.length);
  for (const item of items) for (const b of item) out.push(b);
  return out;
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

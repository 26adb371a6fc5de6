/**
 * A function body written instruction by instruction, with named locals and named labels. Each
 * method appends one instruction (or a `;;` note for the listing) and returns `this`, so a body
 * reads as its instruction sequence in the text format's names. The bytes go into the module; the
 * instruction list feeds `dadm kernels --dump` (see listing.ts).
 */
import { LANE, MEMORY, VALUE_TYPES, plainOpcode, type LaneOp, type MemoryOp, type PlainOp, type ValueType } from './opcodes.js';

/** A parameter or local: its index in the function, its name and type. */
export interface Local {
  readonly index: number;
  readonly name: string;
  readonly type: ValueType;
}

/** A function another body can `call`: its index in the module and its name. */
export interface Callee {
  readonly index: number;
  readonly name: string;
}

/** One instruction as the listing shows it: text, nesting depth and its bytes (none for a note). */
export interface Instruction {
  text: string;
  depth: number;
  bytes: number[];
}

/**
 * What an instruction's text is made of: its name, then nothing, a number, a name to print with `$`
 * (a local, a callee or a label) or text as it is. The text is formed only for the listing: a
 * module emitted at start-up makes no strings per instruction.
 */
type Operand = undefined | number | string | { readonly name: string };

/** Where an instruction is: its text's parts, depth and bytes [start, end) in the body. */
interface Mark {
  name: string;
  operand: Operand;
  depth: number;
  start: number;
  end: number;
}

export class Code {
  /**
   * The body's bytes, written as the instructions are: a number array and its built-in push, not a
   * writer object, whose per-byte method would be hot enough at start-up for V8 to optimize it with
   * TurboFan (whose first use costs ~3 MB of resident memory: docs/edge.md).
   */
  private readonly out: number[] = [];
  /** The instructions for the listing; null when the module is built without one (see ModuleBuilder). */
  private readonly marks: Mark[] | null;
  /** Open blocks, innermost last: their label names (a `br` to a name counts the depth). */
  private readonly labels: string[] = [];

  constructor(listing: boolean) {
    this.marks = listing ? [] : null;
  }

  /** The body's bytes (without the closing `end`, which the module adds). */
  get bytes(): readonly number[] {
    return this.out;
  }

  /** The instructions as the listing shows them. @throws Error when built without a listing */
  get instructions(): Instruction[] {
    if (this.marks === null) throw new Error('Code.instructions: this body was built without a listing');
    return this.marks.map((m) => ({ text: textOf(m.name, m.operand), depth: m.depth, bytes: this.out.slice(m.start, m.end) }));
  }

  /**
   * Records the instruction whose bytes were written from `start` on; `label`, a block's name, is
   * its operand. Without a listing nothing is made: `?.` skips the arguments too.
   */
  private emit(start: number, name: string, operand?: Operand, label?: string): this {
    this.marks?.push({ name, operand: label === undefined ? operand : { name: label }, depth: this.labels.length, start, end: this.out.length });
    return this;
  }

  /** Writes `bytes` and returns where they start. */
  private write(bytes: readonly number[]): number {
    const start = this.out.length;
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]!);
    return start;
  }

  /** A comment line in the listing; no bytes. */
  note(text: string): this {
    return this.emit(this.out.length, ';;', text);
  }

  op(name: PlainOp): this {
    return this.emit(this.write(plainOpcode(name)), name);
  }

  get(local: Local): this { return this.emit(this.indexed(0x20, local.index), 'local.get', local); }
  set(local: Local): this { return this.emit(this.indexed(0x21, local.index), 'local.set', local); }
  tee(local: Local): this { return this.emit(this.indexed(0x22, local.index), 'local.tee', local); }

  i32(value: number): this {
    const start = this.out.length;
    this.out.push(0x41);
    sleb(value, this.out);
    return this.emit(start, 'i32.const', value | 0);
  }
  f32(value: number): this {
    return this.emit(this.write([0x43].concat(Array.from(new Uint8Array(new Float32Array([value]).buffer)))), 'f32.const', Math.fround(value));
  }
  f64(value: number): this {
    return this.emit(this.write([0x44].concat(Array.from(new Uint8Array(new Float64Array([value]).buffer)))), 'f64.const', value);
  }
  /** `v128.const` with four equal f32 lanes. */
  f32x4(value: number): this {
    const b = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
    const v = Math.fround(value);
    return this.emit(this.write([0xfd, 0x0c].concat(Array.from(b))), 'v128.const', `f32x4 ${v} ${v} ${v} ${v}`);
  }

  /** A load or store; `offset` is a constant byte offset added to the address on the stack. */
  mem(name: MemoryOp, offset = 0): this {
    const [opcode, align] = MEMORY[name];
    const start = this.write(opcode);
    uleb(Math.log2(align), this.out);
    uleb(offset, this.out);
    return this.emit(start, name, offset === 0 ? undefined : `offset=${offset}`);
  }

  lane(name: LaneOp, lane: number): this {
    const start = this.write(LANE[name]);
    this.out.push(lane);
    return this.emit(start, name, lane);
  }

  /** True once the body calls a function (its index is in the bytes: see ModuleBuilder.bytes's copies). */
  calls = false;

  call(callee: Callee): this {
    this.calls = true;
    return this.emit(this.indexed(0x10, callee.index), 'call', callee);
  }

  /** `block $label` (no result); a `br label` jumps past its `end`. */
  block(label: string): this { return this.open('block', 0x02, label); }
  /** `loop $label` (no result); a `br label` jumps back to its start. */
  loop(label: string): this { return this.open('loop', 0x03, label); }
  /** `if` on the popped i32 (no result). */
  if(label = 'if'): this { return this.open('if', 0x04, label); }
  else(): this {
    const label = this.labels.pop();
    if (label === undefined) throw new Error('Code.else: no open if');
    this.emit(this.out.push(0x05) - 1, 'else');
    this.labels.push(label);
    return this;
  }
  end(): this {
    if (this.labels.pop() === undefined) throw new Error('Code.end: no open block');
    return this.emit(this.out.push(0x0b) - 1, 'end');
  }
  br(label: string): this { return this.emit(this.indexed(0x0c, this.depthOf(label)), 'br', undefined, label); }
  brIf(label: string): this { return this.emit(this.indexed(0x0d, this.depthOf(label)), 'br_if', undefined, label); }

  /**
   * `for (counter = count; counter > 0; counter--) body()`, with count >= 1 on the stack or given:
   * a do-while, so a count of 0 must be ruled out by the caller.
   */
  repeat(counter: Local, count: number | null, body: () => void): this {
    if (count !== null) this.i32(count);
    this.set(counter).loop(counter.name);
    body();
    this.get(counter).i32(1).op('i32.sub').tee(counter).brIf(counter.name).end();
    return this;
  }

  /** `while (ptr < end) { body(); ptr += step }` over byte pointers (checked before the first pass). */
  whileBelow(ptr: Local, end: Local, step: number, body: () => void): this {
    const label = `${ptr.name}_loop`;
    this.block(`${label}_done`).get(ptr).get(end).op('i32.ge_u').brIf(`${label}_done`).loop(label);
    body();
    this.get(ptr).i32(step).op('i32.add').tee(ptr).get(end).op('i32.lt_u').brIf(label).end().end();
    return this;
  }

  private open(kind: string, opcode: number, label: string): this {
    this.emit(this.out.push(opcode, 0x40) - 2, kind, undefined, label);
    this.labels.push(label);
    return this;
  }

  /** Writes `opcode` and its unsigned index operand. */
  private indexed(opcode: number, index: number): number {
    const start = this.out.length;
    this.out.push(opcode);
    uleb(index, this.out);
    return start;
  }

  private depthOf(label: string): number {
    const i = this.labels.lastIndexOf(label);
    if (i < 0) throw new Error(`Code.br: no open block named ${label}`);
    return this.labels.length - 1 - i;
  }
}

/** A function under construction: named parameters and locals, a result type and a body. */
export class FunctionBuilder implements Callee {
  readonly params: Local[] = [];
  readonly locals: Local[] = [];
  readonly code: Code;
  result: ValueType | null = null;

  /** `listing`: keep the instructions for the listing (see {@link Code.instructions}). */
  constructor(readonly index: number, readonly name: string, listing: boolean) {
    this.code = new Code(listing);
  }

  param(name: string, type: ValueType = 'i32'): Local {
    if (this.locals.length > 0) throw new Error(`${this.name}: parameters must come before locals`);
    const p = { index: this.params.length, name, type };
    this.params.push(p);
    return p;
  }

  local(name: string, type: ValueType = 'i32'): Local {
    const l = { index: this.params.length + this.locals.length, name, type };
    this.locals.push(l);
    return l;
  }

  returns(type: ValueType): this {
    this.result = type;
    return this;
  }

  /** The body as the code section holds it: its size, its local declarations, its bytes and `end`. */
  encodeBody(): Uint8Array {
    const head = uleb(this.locals.length);
    for (const l of this.locals) head.push(0x01, VALUE_TYPES[l.type]);
    const size = head.length + this.code.bytes.length + 1;
    return new ByteWriter(size + 5).bytes(uleb(size)).bytes(head).bytes(this.code.bytes).bytes([0x0b]).view();
  }
}

/** An instruction's text from its name and operand (see {@link Operand}). */
function textOf(name: string, operand: Operand): string {
  if (operand === undefined) return name;
  if (typeof operand === 'object') return `${name} $${operand.name}`;
  return `${name} ${operand}`;
}

/** Unsigned LEB128, appended to `out`. */
export function uleb(value: number, out: number[] = []): number[] {
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer, appended to `out`. */
export function sleb(value: number, out: number[] = []): number[] {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * A growing byte array a module is written into in place: joining number arrays with concat left
 * ~0.5 MB of garbage per module emitted at start-up (docs/edge.md). Its methods take whole runs, never
 * one byte: a method called per byte would be hot enough for TurboFan (see {@link Code}'s bytes).
 */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  bytes(bs: ArrayLike<number>): this {
    if (this.length + bs.length > this.buf.length) this.grow(bs.length);
    this.buf.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  uleb(value: number): this {
    return this.bytes(uleb(value));
  }

  /** A name: its length, then its characters (ASCII). */
  name(s: string): this {
    this.uleb(s.length);
    if (this.length + s.length > this.buf.length) this.grow(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
    return this;
  }

  /** The bytes written so far (a view: later writes may replace the buffer). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }

  private grow(need: number): void {
    const next = new Uint8Array(Math.max(2 * this.buf.length, this.length + need));
    next.set(this.view());
    this.buf = next;
  }
}

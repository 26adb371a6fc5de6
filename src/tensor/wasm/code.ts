/**
 * A function body written instruction by instruction, with named locals and named labels. Each
 * method appends one instruction (or a `;;` note for the listing) and returns `this`, so a body
 * reads as its instruction sequence in the text format's names. The bytes go into the module; the
 * instruction list feeds `dadm kernels --dump` (see listing.ts).
 */
import { LANE, MEMORY, PLAIN, VALUE_TYPES, type LaneOp, type MemoryOp, type PlainOp, type ValueType } from './opcodes.js';

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

export class Code {
  readonly instructions: Instruction[] = [];
  /** Open blocks, innermost last: their label names (a `br` to a name counts the depth). */
  private readonly labels: string[] = [];

  /** The body's bytes (without the closing `end`, which the module adds). */
  get bytes(): number[] {
    // concat, not spreads or for-of: the interpreter makes an iterator result per element of those,
    // megabytes of garbage for a module emitted once at start-up (docs/edge.md).
    return ([] as number[]).concat(...this.instructions.map((i) => i.bytes));
  }

  private emit(text: string, bytes: number[]): this {
    this.instructions.push({ text, depth: this.labels.length, bytes });
    return this;
  }

  /** A comment line in the listing; no bytes. */
  note(text: string): this {
    return this.emit(`;; ${text}`, []);
  }

  op(name: PlainOp): this {
    return this.emit(name, (PLAIN[name] as readonly number[]).slice());
  }

  get(local: Local): this { return this.emit(`local.get $${local.name}`, [0x20].concat(uleb(local.index))); }
  set(local: Local): this { return this.emit(`local.set $${local.name}`, [0x21].concat(uleb(local.index))); }
  tee(local: Local): this { return this.emit(`local.tee $${local.name}`, [0x22].concat(uleb(local.index))); }

  i32(value: number): this { return this.emit(`i32.const ${value | 0}`, [0x41].concat(sleb(value))); }
  f32(value: number): this {
    const b = new Uint8Array(new Float32Array([value]).buffer);
    return this.emit(`f32.const ${Math.fround(value)}`, [0x43].concat(Array.from(b)));
  }
  f64(value: number): this {
    const b = new Uint8Array(new Float64Array([value]).buffer);
    return this.emit(`f64.const ${value}`, [0x44].concat(Array.from(b)));
  }
  /** `v128.const` with four equal f32 lanes. */
  f32x4(value: number): this {
    const b = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
    return this.emit(`v128.const f32x4 ${Math.fround(value)} ${Math.fround(value)} ${Math.fround(value)} ${Math.fround(value)}`, [0xfd, 0x0c].concat(Array.from(b)));
  }

  /** A load or store; `offset` is a constant byte offset added to the address on the stack. */
  mem(name: MemoryOp, offset = 0): this {
    const [opcode, align] = MEMORY[name];
    const text = offset === 0 ? name : `${name} offset=${offset}`;
    return this.emit(text, (opcode as readonly number[]).concat(uleb(Math.log2(align)), uleb(offset)));
  }

  lane(name: LaneOp, lane: number): this {
    return this.emit(`${name} ${lane}`, (LANE[name] as readonly number[]).concat([lane]));
  }

  call(callee: Callee): this { return this.emit(`call $${callee.name}`, [0x10].concat(uleb(callee.index))); }

  /** `block $label` (no result); a `br label` jumps past its `end`. */
  block(label: string): this { return this.open('block', 0x02, label); }
  /** `loop $label` (no result); a `br label` jumps back to its start. */
  loop(label: string): this { return this.open('loop', 0x03, label); }
  /** `if` on the popped i32 (no result). */
  if(label = 'if'): this { return this.open('if', 0x04, label); }
  else(): this {
    const label = this.labels.pop();
    if (label === undefined) throw new Error('Code.else: no open if');
    this.emit('else', [0x05]);
    this.labels.push(label);
    return this;
  }
  end(): this {
    if (this.labels.pop() === undefined) throw new Error('Code.end: no open block');
    return this.emit('end', [0x0b]);
  }
  br(label: string): this { return this.emit(`br $${label}`, [0x0c].concat(uleb(this.depthOf(label)))); }
  brIf(label: string): this { return this.emit(`br_if $${label}`, [0x0d].concat(uleb(this.depthOf(label)))); }

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
    this.emit(`${kind} $${label}`, [opcode, 0x40]);
    this.labels.push(label);
    return this;
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
  readonly code = new Code();
  result: ValueType | null = null;

  constructor(readonly index: number, readonly name: string) {}

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

  /** The signature's type byte list and the body's bytes with its local declarations. */
  encodeBody(): number[] {
    const groups = this.locals.map((l) => [0x01, VALUE_TYPES[l.type]]);
    const body = uleb(groups.length).concat(groups.flat(), this.code.bytes, [0x0b]);
    return uleb(body.length).concat(body);
  }
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

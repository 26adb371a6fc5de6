import { describe, expect, it } from 'vitest';
import { Code, F64, I32, sleb, uleb, wasmModule } from '../../src/explain/wasm-emitter.js';

describe('LEB128', () => {
  it('encodes the examples of the DWARF / WebAssembly specifications', () => {
    // DWARF 5, section 7.6, tables 7.6 and 7.7; Wikipedia's LEB128 examples (624485, -123456)
    expect(uleb(2)).toEqual([2]);
    expect(uleb(127)).toEqual([127]);
    expect(uleb(128)).toEqual([0x80, 1]);
    expect(uleb(129)).toEqual([0x81, 1]);
    expect(uleb(12857)).toEqual([0xb9, 0x64]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(2)).toEqual([2]);
    expect(sleb(-2)).toEqual([0x7e]);
    expect(sleb(127)).toEqual([0xff, 0]);
    expect(sleb(-127)).toEqual([0x81, 0x7f]);
    expect(sleb(128)).toEqual([0x80, 1]);
    expect(sleb(-128)).toEqual([0x80, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe('wasmModule', () => {
  it('builds a module that runs: loops, calls, i32 and f64 arithmetic on an imported memory', () => {
    // sum(n): the f64 at byte 8 = the sum of the n float32 values from byte 16 (written by the test);
    // outer(n) calls sum(n)
    const fill = new Code();
    fill.f64Zero().set(2).i32(0).set(1).loop();
    fill.get(2).get(1).i32(2).shl().f32Load(16).f64FromF32().f64Add().set(2);
    fill.get(1).i32(1).add().tee(1).get(0).ltU().brIf(0).end();
    fill.i32(0).get(2).f64Store(8);
    const outer = new Code().get(0).call(0);
    const bytes = wasmModule(1, false, [
      { name: 'sum', params: [I32], locals: [I32, F64], body: fill },
      { name: 'outer', params: [I32], locals: [], body: outer },
    ]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const f32 = new Float32Array(memory.buffer);
    for (let i = 0; i < 300; i++) f32[4 + i] = i * 3 - 70000;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    (instance.exports['outer'] as (n: number) => void)(300);
    let want = 0;
    for (let i = 0; i < 300; i++) want += i * 3 - 70000;
    expect(new Float64Array(memory.buffer)[1]).toBe(want);
  });

  it('runs the SIMD ops with the operand order the kernel relies on (pmax as ReLU, bitselect)', () => {
    // relu(): f32x4 at 16 = pmax(0, f32x4 at 0); pick(m): f32x4 at 48 = bitselect(v at 0, v at 32, splat(m))
    const relu = new Code().i32(16).v128Zero().i32(0).v128Load(0).f32x4Pmax().v128Store(0);
    const pick = new Code().i32(48).i32(0).v128Load(0).i32(0).v128Load(32).get(0).i32x4Splat().v128Bitselect().v128Store(0);
    const bytes = wasmModule(1, false, [
      { name: 'relu', params: [], locals: [], body: relu },
      { name: 'pick', params: [I32], locals: [], body: pick },
    ]);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const f32 = new Float32Array(memory.buffer);
    f32.set([-1.5, -0, NaN, 2.5], 0);
    f32.set([7, 8, 9, 10], 8);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
    (exports['relu'] as () => void)();
    // pmax(a, b) = a < b ? b : a (WebAssembly SIMD spec): NaN and -0 give a = +0
    expect(Array.from(f32.subarray(4, 8))).toEqual([0, 0, 0, 2.5]);
    expect(Object.is(f32[5], 0)).toBe(true);
    (exports['pick'] as (m: number) => void)(-1);
    expect(Array.from(f32.subarray(12, 16))).toEqual([-1.5, -0, NaN, 2.5]);
    (exports['pick'] as (m: number) => void)(0);
    expect(Array.from(f32.subarray(12, 16))).toEqual([7, 8, 9, 10]);
  });

  it('produces bytes the engine rejects when a body does not type-check', () => {
    const bad = new Code().f64Add();
    expect(WebAssembly.validate(wasmModule(1, false, [{ name: 'bad', params: [], locals: [], body: bad }]))).toBe(false);
  });
});

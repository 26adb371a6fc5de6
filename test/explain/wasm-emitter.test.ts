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
    // sum(n): f64 at byte 8 = sum over i < n of (i * 3 - 70000) as float32 values loaded back
    const fill = new Code();
    // fill(n): memory f32[4 + i] = i (written by the caller), then sum them into f64 [1] via f64 ops
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

  it('produces bytes the engine rejects when a body does not type-check', () => {
    const bad = new Code().f64Add();
    expect(WebAssembly.validate(wasmModule(1, false, [{ name: 'bad', params: [], locals: [], body: bad }]))).toBe(false);
  });
});

/**
 * The module assembler: copies of a function (each its own function to the engine, exported under
 * its table), a body without a listing is byte for byte the body with one, and what cannot be copied.
 * The engine's validator and its execution are the outside reference.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionBuilder } from '../../../src/tensor/kernels.js';
import { COPIES_TABLE, ModuleBuilder } from '../../../src/tensor/wasm-emitter.js';

/** `add(a, b)` = a + b and `twice(a)` = 2a, with a loop so bodies differ in shape. */
function build(listing: boolean): ModuleBuilder {
  const mod = new ModuleBuilder('test', { minPages: 1, maxPages: 1, shared: false }, listing);
  const add = mod.func('add').returns('i32');
  const [a, b] = [add.param('a'), add.param('b')];
  add.code.note('a + b').get(a).get(b).op('i32.add');
  const twice = mod.func('twice').returns('i32');
  const x = twice.param('x');
  const n = twice.local('n');
  const s = twice.local('s');
  twice.code.i32(0).set(s).repeat(n, 2, () => twice.code.get(s).get(x).op('i32.add').set(s)).get(s);
  return mod;
}

function instantiate(bytes: Uint8Array<ArrayBuffer>): Record<string, (...args: number[]) => number> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, (...args: number[]) => number>;
}

describe('ModuleBuilder', () => {
  it('writes the same bytes with and without a listing, and only the listing has instructions', () => {
    const listed = build(true);
    const bare = build(false);
    expect(bare.bytes()).toEqual(listed.bytes());
    expect(listed.functions[0]!.code.instructions.map((i) => i.text)).toEqual([';; a + b', 'local.get $a', 'local.get $b', 'i32.add']);
    expect(() => bare.functions[0]!.code.instructions).toThrow(/without a listing/);
  });

  it('puts copies of each function in the exported table, each computing what the original does', () => {
    const mod = build(false);
    const copies = (f: { name: string }): number => (f.name === 'add' ? 3 : 2);
    const bytes = mod.bytes(copies);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const exports = instantiate(bytes) as unknown as Record<string, unknown>;
    expect(Object.keys(exports).sort()).toEqual(['add', COPIES_TABLE, 'twice']);
    const table = exports[COPIES_TABLE] as WebAssembly.Table;
    expect(table.length).toBe(5);
    const [add, twice] = mod.functions as [FunctionBuilder, FunctionBuilder];
    const slots = [0, 1, 2].map((c) => mod.copyIndex(copies, add, c)).concat([0, 1].map((c) => mod.copyIndex(copies, twice, c)));
    expect(slots).toEqual([0, 2, 3, 1, 4]);
    expect(mod.copySlots(copies)).toEqual([[0, 2, 3], [1, 4]]);
    expect(() => mod.copyIndex(copies, add, 3)).toThrow(/test: add has no copy 3 in this module/);
    for (const c of [0, 1, 2]) expect((table.get(mod.copyIndex(copies, add, c)) as (a: number, b: number) => number)(40, 2)).toBe(42);
    for (const c of [0, 1]) expect((table.get(mod.copyIndex(copies, twice, c)) as (a: number) => number)(-21)).toBe(-42);
    // Without copies, the module is the plain one: no table.
    expect(mod.bytes(() => 1)).toEqual(mod.bytes());
    expect(Object.keys(instantiate(mod.bytes())).sort()).toEqual(['add', 'twice']);
  });

  it('refuses to copy a function that calls another (its call would go to copy 0)', () => {
    const mod = build(false);
    const caller = mod.func('caller').returns('i32');
    caller.code.i32(1).i32(2).call(mod.functions[0]!);
    expect(() => mod.bytes((f) => (f.name === 'caller' ? 2 : 1))).toThrow(/caller calls a function and cannot be copied/);
    expect(instantiate(mod.bytes((f) => (f.name === 'add' ? 2 : 1))).caller!()).toBe(3);
  });
});

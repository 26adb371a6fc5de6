/**
 * The module assembler: copies of a function (each its own function to the engine, exported under
 * copyName), a body without a listing is byte for byte the body with one, and what cannot be copied.
 * The engine's validator and its execution are the outside reference.
 */
import { describe, expect, it } from 'vitest';
import { ModuleBuilder, copyName } from '../../../src/tensor/kernels.js';

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

  it('exports copies of each function under copyName that compute what the original does', () => {
    const mod = build(false);
    const bytes = mod.bytes((f) => (f.name === 'add' ? 3 : 2));
    expect(WebAssembly.validate(bytes)).toBe(true);
    const fns = instantiate(bytes);
    expect(Object.keys(fns).sort()).toEqual(['add', copyName('add', 1), copyName('add', 2), 'twice', copyName('twice', 1)].sort());
    for (const c of [0, 1, 2]) expect(fns[copyName('add', c)]!(40, 2)).toBe(42);
    for (const c of [0, 1]) expect(fns[copyName('twice', c)]!(-21)).toBe(-42);
    expect(copyName('add', 0)).toBe('add');
    // Copies are separate functions: each exported function is a distinct object.
    expect(new Set(Object.values(fns)).size).toBe(5);
    // Without copies, the module is the plain one.
    expect(mod.bytes((f) => (f.name === 'add' ? 1 : 1))).toEqual(mod.bytes());
  });

  it('refuses to copy a function that calls another (its call would go to copy 0)', () => {
    const mod = build(false);
    const caller = mod.func('caller').returns('i32');
    caller.code.i32(1).i32(2).call(mod.functions[0]!);
    expect(() => mod.bytes((f) => (f.name === 'caller' ? 2 : 1))).toThrow(/caller calls a function and cannot be copied/);
    expect(instantiate(mod.bytes((f) => (f.name === 'add' ? 2 : 1))).caller!()).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { Dropout, LayerNorm, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { FormatError, ShapeError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

function net(): Sequential {
  const rng = new Random(0);
  return new Sequential(new Linear(4, 3, rng), new ReLU(), new Sequential(new LayerNorm(3), new Linear(3, 2, rng)), new Dropout(0.5, rng));
}

describe('Module parameter registry', () => {
  it('names parameters like torch state_dict keys, in registration order', () => {
    expect(net().namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.0.weight', '2.0.bias', '2.1.weight', '2.1.bias']);
    expect([...net().stateDict().keys()]).toEqual(net().namedParameters().map(([n]) => n));
  });
  it('parameters() returns the same Vars as namedParameters(), with shapes [out,in] and [out]', () => {
    const m = net();
    expect(m.parameters()).toEqual(m.namedParameters().map(([, p]) => p));
    expect(m.parameters().map((p) => p.shape)).toEqual([[3, 4], [3], [3], [3], [2, 3], [2]]);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });
  it('train()/eval() set the training field recursively and nowhere else', () => {
    const a = net(), b = net();
    a.eval();
    const inner = a.namedChildren()[2]![1];
    expect([a.training, inner.training, inner.namedChildren()[1]![1].training]).toEqual([false, false, false]);
    expect(b.training).toBe(true);
    a.train();
    expect(inner.training).toBe(true);
  });
});

describe('Module.stateDict / loadStateDict', () => {
  it('stateDict returns copies and loadStateDict round-trips values into another instance', () => {
    const a = net();
    const sd = a.stateDict();
    sd.get('0.weight')!.data[0] = 123;
    expect(a.parameters()[0]!.data[0]).not.toBe(123);
    const b = new Sequential(new Linear(4, 3, new Random(9)), new ReLU(), new Sequential(new LayerNorm(3), new Linear(3, 2, new Random(9))), new Dropout(0.5, new Random(9)));
    b.loadStateDict(sd);
    expect(b.parameters()[0]!.data[0]).toBe(123);
    b.parameters().slice(1).forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(a.parameters()[i + 1]!.data)));
  });
  it('throws ShapeError naming the key on a shape mismatch and writes nothing', () => {
    const m = net();
    const before = m.parameters().map((p) => p.data.slice());
    const sd = m.stateDict();
    sd.set('0.weight', new Tensor(new Float32Array(12).fill(7), [3, 4]));
    sd.set('2.1.weight', new Tensor(new Float32Array(6), [3, 2]));
    expectError(() => m.loadStateDict(sd), ShapeError, /^loadStateDict: '2\.1\.weight' must have shape \[2,3\], got \[3,2\]$/);
    m.parameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(before[i]!)));
  });
  it('throws FormatError for a missing or an unexpected key', () => {
    const m = net();
    const missing = m.stateDict();
    missing.delete('0.bias');
    expectError(() => m.loadStateDict(missing), FormatError, /^loadStateDict: key '0\.bias' must be present/);
    const extra = m.stateDict();
    extra.set('3.weight', new Tensor(new Float32Array(1), [1]));
    expectError(() => m.loadStateDict(extra), FormatError, /^loadStateDict: keys must all be parameters of the module, got unexpected \[3\.weight\]$/);
  });
});

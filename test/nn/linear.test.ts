import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Linear } from '../../src/nn/index.js';
import { Var } from '../../src/autograd/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { InvalidOptionError, ShapeError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

describe('Linear', () => {
  it('initialises weight and bias inside ±1/sqrt(fan_in), spread over the whole interval (torch rule)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (inF, outF, seed) => {
        const l = new Linear(inF, outF, new Random(seed));
        const bound = 1 / Math.sqrt(inF);
        for (const p of [l.weight, l.bias!]) for (const v of p.data) if (!(Math.abs(v) <= bound)) return false;
        return true;
      }),
      { seed: 42, numRuns: 50 },
    );
    const big = new Linear(100, 200, new Random(1));
    const w = big.weight.data;
    const bound = 0.1;
    let mn = Infinity, mx = -Infinity, s = 0, s2 = 0;
    for (const v of w) { mn = Math.min(mn, v); mx = Math.max(mx, v); s += v; s2 += v * v; }
    expect(mn).toBeLessThan(-0.99 * bound);
    expect(mx).toBeGreaterThan(0.99 * bound);
    expect(Math.abs(s / w.length)).toBeLessThan(0.005);
    // uniform(-b, b) has variance b^2 / 3
    expect(s2 / w.length).toBeAllclose(bound * bound / 3, { rtol: 0.03 });
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = new Linear(8, 4, new Random(5)), b = new Linear(8, 4, new Random(5)), c = new Linear(8, 4, new Random(6));
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    expect(Array.from(a.bias!.data)).toEqual(Array.from(b.bias!.data));
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(c.weight.data));
  });

  it('computes x W^T + b (naive check) and has no bias when asked', () => {
    const l = new Linear(3, 2, new Random(2));
    const x = Float32Array.of(1, 2, 3, -1, 0.5, 4);
    const y = l.forward(new Var(new Tensor(x, [2, 3]))).data;
    const w = l.weight.data, b = l.bias!.data;
    const want: number[] = [];
    for (let i = 0; i < 2; i++) for (let o = 0; o < 2; o++) want.push(b[o]! + x[i * 3]! * w[o * 3]! + x[i * 3 + 1]! * w[o * 3 + 1]! + x[i * 3 + 2]! * w[o * 3 + 2]!);
    expect(y).toBeAllclose(want);
    const nb = new Linear(3, 2, new Random(2), { bias: false });
    expect(nb.bias).toBeUndefined();
    expect(nb.namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('throws on bad sizes and on a mismatched input width', () => {
    expectError(() => new Linear(0, 2, new Random(0)), InvalidOptionError, /^Linear: inFeatures must be a positive integer, got 0$/);
    expectError(() => new Linear(2, 1.5, new Random(0)), InvalidOptionError, /^Linear: outFeatures must be a positive integer, got 1.5$/);
    const l = new Linear(3, 2, new Random(0));
    expectError(() => l.forward(new Var(new Tensor(new Float32Array(4), [2, 2]))), ShapeError, /^linear: .*got \[2,2\] and \[2,3\]$/);
  });
});

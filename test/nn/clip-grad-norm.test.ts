import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clipGradNorm } from '../../src/nn/index.js';
import { param } from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { InvalidOptionError } from '../../src/errors.js';
import { expectError } from '../tensor/expect-error.js';

const f32 = fc.float({ min: -10, max: 10, noNaN: true }).map(Math.fround);

describe('clipGradNorm', () => {
  it('returns the global L2 norm and scales by maxNorm / (norm + 1e-6) only when that is < 1 (naive check)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(f32, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }), fc.double({ min: 0.01, max: 50, noNaN: true }), (grads, maxNorm) => {
        const params = grads.map((g) => {
          const p = param(new Tensor(new Float32Array(g.length), [g.length]));
          p.grad = new Tensor(Float32Array.from(g), [g.length]);
          return p;
        });
        let sq = 0;
        for (const g of grads) for (const v of g) sq += v * v;
        const norm = Math.sqrt(sq);
        const coef = maxNorm / (norm + 1e-6);
        const got = clipGradNorm(params, maxNorm);
        expect(got).toBeAllclose(norm, { rtol: 1e-6, atol: 1e-9 });
        grads.forEach((g, i) => expect(params[i]!.grad!.data).toBeAllclose(g.map((v) => (coef < 1 ? v * coef : v)), { rtol: 1e-6, atol: 1e-9 }));
      }),
      { seed: 42, numRuns: 100 },
    );
  });
  it('ignores parameters without a gradient', () => {
    const a = param(new Tensor(new Float32Array(2), [2]));
    const b = param(new Tensor(new Float32Array(1), [1]));
    a.grad = new Tensor(Float32Array.of(3, 4), [2]);
    expect(clipGradNorm([a, b], 1)).toBe(5);
    expect(a.grad.data).toBeAllclose([0.6, 0.8], { rtol: 1e-6 });
    expect(b.grad).toBeUndefined();
  });
  it('throws InvalidOptionError for maxNorm <= 0', () => {
    expectError(() => clipGradNorm([], 0), InvalidOptionError, /^clipGradNorm: maxNorm must be a finite number > 0, got 0$/);
    expectError(() => clipGradNorm([], -1), InvalidOptionError, /^clipGradNorm: maxNorm must be a finite number > 0, got -1$/);
  });
});

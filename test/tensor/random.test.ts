import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Random } from '../../src/tensor/random.js';
import { expectError } from './expect-error.js';
import { InvalidOptionError } from '../../src/errors.js';

describe('Random', () => {
  it('gives the same sequence for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (seed) => {
        const a = new Random(seed);
        const b = new Random(seed);
        for (let i = 0; i < 20; i++) expect(a.nextUint32()).toBe(b.nextUint32());
        expect(a.normal()).toBe(b.normal());
      }),
      { seed: 42 },
    );
  });

  it('gives different sequences for different seeds', () => {
    const a = new Random(1);
    const b = new Random(2);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    expect(sa).not.toEqual(sb);
  });

  it('draws uniforms in [0,1) with mean near 1/2 and normals with mean 0 and std 1', () => {
    const r = new Random(7);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(sn2 / n) - 1)).toBeLessThan(0.01);
  });

  it('permutation contains every index once', () => {
    const p = Array.from(new Random(3).permutation(1000)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('samples without replacement: distinct, in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.nat(), (n, seed) => {
        const k = Math.floor(n / 2);
        const s = new Random(seed).sampleWithoutReplacement(n, k);
        expect(s.length).toBe(k);
        expect(new Set(s).size).toBe(k);
        for (const v of s) expect(v >= 0 && v < n).toBe(true);
      }),
      { seed: 42 },
    );
  });

  it('throws InvalidOptionError for a negative seed', () => {
    expectError(() => new Random(-1), InvalidOptionError, /^Random: seed must be a non-negative safe integer, got -1$/);
  });
});

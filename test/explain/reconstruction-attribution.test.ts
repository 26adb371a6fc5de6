import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconstructionAttribution, shapleyAttribution, topK } from '../../src/explain/index.js';
import { DataError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { f32 } from './helpers.js';
import { expectError } from '../tensor/expect-error.js';

const names = ['a', 'b', 'c', 'd', 'pad0', 'pad1'];

describe('reconstructionAttribution', () => {
  it('matches a hand computation over the active columns', () => {
    const got = reconstructionAttribution({
      input: Float32Array.from([1, 2, 3, 4, 0, 0]),
      reconstruction: Float32Array.from([1.5, 2, 1, 5, 9, 9]),
      activeFeatures: [0, 1, 2, 3],
      featureNames: names,
    });
    // errors 0.5, 0, -2, 1 -> squared 0.25, 0, 4, 1 (sum 5.25); the padding columns do not count
    expect(got.map((a) => a.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(got.map((a) => a.squaredError)).toEqual([0.25, 0, 4, 1]);
    expect(got.map((a) => a.contribution)).toBeAllclose([0.25 / 5.25, 0, 4 / 5.25, 1 / 5.25], { rtol: 1e-15 });
    expect(got[2]).toMatchObject({ feature: 2, observed: 3, reconstructed: 1 });
  });

  it('has shares that sum to 1 (or are all 0 for an exact reconstruction)', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 6, maxLength: 6 }), fc.array(f32, { minLength: 6, maxLength: 6 }), fc.boolean(), (input, recon, exact) => {
        const x = Float32Array.from(input);
        const got = reconstructionAttribution({ input: x, reconstruction: exact ? x : Float32Array.from(recon), activeFeatures: null, featureNames: names });
        const sum = got.reduce((s, a) => s + a.contribution, 0);
        const anyError = got.some((a) => a.squaredError > 0);
        if (anyError) expect(sum).toBeAllclose(1, { rtol: 1e-12 });
        else expect(got.every((a) => a.contribution === 0)).toBe(true);
        for (const a of got) expect(a.contribution).toBeGreaterThanOrEqual(0);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('throws ShapeError for a width mismatch or a missing name', () => {
    const call = (recon: number, namesGiven: string[]) => () =>
      reconstructionAttribution({ input: new Float32Array(6), reconstruction: new Float32Array(recon), activeFeatures: [0, 5], featureNames: namesGiven });
    expectError(call(5, names), ShapeError, /^reconstructionAttribution: reconstruction must have the input's width 6, got 5$/);
    expectError(call(6, ['a']), ShapeError, /^reconstructionAttribution: featureNames must name column 5, got 1 names$/);
  });

  it('throws InvalidOptionError for bad active columns and DataError for NaN', () => {
    const bad = () => reconstructionAttribution({ input: new Float32Array(3), reconstruction: new Float32Array(3), activeFeatures: [0, 3], featureNames: names });
    expectError(bad, InvalidOptionError, /^reconstructionAttribution: activeFeatures must be distinct integers in \[0, 3\), got 3 in \[0, 3\]$/);
    const nan = () => reconstructionAttribution({ input: Float32Array.from([0, NaN]), reconstruction: new Float32Array(2), activeFeatures: null, featureNames: names });
    expectError(nan, DataError, /^reconstructionAttribution: column 1 must be finite, got input NaN and reconstruction 0$/);
  });
});

describe('topK', () => {
  const items = [
    { feature: 0, name: 'a', contribution: 0.1, observed: 0 },
    { feature: 1, name: 'b', contribution: -0.5, observed: 0 },
    { feature: 2, name: 'c', contribution: 0.4, observed: 0 },
    { feature: 3, name: 'd', contribution: 0.4, observed: 0 },
  ];

  it('returns the largest contributions first, ties by lower column', () => {
    expect(topK(items, 3).map((a) => a.name)).toEqual(['c', 'd', 'a']);
    expect(topK(items, 4).map((a) => a.name)).toEqual(['c', 'd', 'a', 'b']);
    expect(items.map((a) => a.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('throws InvalidOptionError for k outside [1, n]', () => {
    for (const k of [0, 5, 1.5]) {
      expectError(() => topK(items, k), InvalidOptionError, new RegExp(`^topK: k must be an integer in \\[1, 4\\], got ${k}$`));
    }
  });
});

describe('shapleyAttribution', () => {
  it('pairs each phi with its column, name and observed value', () => {
    const result = { features: [3, 1], baseValue: 0, value: 1, phi: Float64Array.from([0.75, 0.25]), exact: true };
    expect(shapleyAttribution(result, Float32Array.from([9, 8, 7, 6]), names)).toEqual([
      { feature: 3, name: 'd', contribution: 0.75, observed: 6 },
      { feature: 1, name: 'b', contribution: 0.25, observed: 8 },
    ]);
  });
});

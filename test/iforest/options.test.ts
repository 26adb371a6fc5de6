import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { IsolationForest, type IsolationForestOptions } from '../../src/iforest/index.js';
import { expectError } from '../tensor/expect-error.js';

const make = (o: unknown) => () => new IsolationForest(o as IsolationForestOptions);

describe('IsolationForest options', () => {
  it('fills scikit-learn defaults', () => {
    expect(new IsolationForest().options).toEqual({
      nEstimators: 100, maxSamples: 'auto', maxFeatures: 1, bootstrap: false, contamination: 'auto', seed: 0,
    });
  });

  it('accepts the edges of every range', () => {
    expect(() => new IsolationForest({ nEstimators: 1, maxSamples: 1, maxFeatures: 0.01, contamination: 0.5, seed: 0 })).not.toThrow();
    expect(() => new IsolationForest({ maxSamples: 0.001, maxFeatures: 7, contamination: 1e-9, bootstrap: true })).not.toThrow();
  });

  it("throws InvalidOptionError with scikit-learn's wording for contamination 0.7", () => {
    expectError(make({ contamination: 0.7 }), InvalidOptionError, /^The 'contamination' option of IsolationForest must be a number in \(0, 0\.5\] or 'auto'\. Got 0\.7 instead\.$/);
  });

  const cases: [string, unknown, RegExp][] = [
    ['contamination', 0, /^The 'contamination' option of IsolationForest must be a number in \(0, 0\.5\] or 'auto'\. Got 0 instead\.$/],
    ['contamination', 'sometimes', /'contamination' option .* Got 'sometimes' instead\.$/],
    ['nEstimators', 0, /^The 'nEstimators' option of IsolationForest must be an integer >= 1\. Got 0 instead\.$/],
    ['nEstimators', 2.5, /'nEstimators' option .* Got 2\.5 instead\.$/],
    ['maxSamples', 0, /^The 'maxSamples' option of IsolationForest must be 'auto', an integer > 1 or a number in \(0, 1\]\. Got 0 instead\.$/],
    ['maxSamples', 1.5, /'maxSamples' option .* Got 1\.5 instead\.$/],
    ['maxSamples', 'all', /'maxSamples' option .* Got 'all' instead\.$/],
    ['maxFeatures', -1, /^The 'maxFeatures' option of IsolationForest must be an integer > 1 or a number in \(0, 1\]\. Got -1 instead\.$/],
    ['maxFeatures', NaN, /'maxFeatures' option .* Got NaN instead\.$/],
    ['bootstrap', 1, /^The 'bootstrap' option of IsolationForest must be a boolean\. Got 1 instead\.$/],
    ['seed', -3, /^The 'seed' option of IsolationForest must be a non-negative safe integer\. Got -3 instead\.$/],
  ];
  for (const [name, value, pattern] of cases) {
    it(`throws InvalidOptionError for ${name} = ${String(value)}`, () => {
      expectError(make({ [name]: value }), InvalidOptionError, pattern);
    });
  }

  it('throws InvalidOptionError for an unknown option name (e.g. a snake_case one)', () => {
    expectError(make({ n_estimators: 10 }), InvalidOptionError, /^IsolationForest: option names must be one of nEstimators, .*, got 'n_estimators'$/);
  });

  it('throws InvalidOptionError at fit when maxFeatures exceeds the columns or maxSamples gives < 2 rows', () => {
    const x = { data: new Float32Array(30).map((_, i) => i), shape: [10, 3] as const };
    expectError(() => new IsolationForest({ maxFeatures: 4 }).fit(x), InvalidOptionError, /^The 'maxFeatures' option of IsolationForest must be at most the number of columns \(3\)\. Got 4 instead\.$/);
    expectError(() => new IsolationForest({ maxSamples: 0.1 }).fit(x), InvalidOptionError, /^The 'maxSamples' option .* at least 2 rows per tree \(data has 10 rows\)\. Got 0\.1 instead\.$/);
  });
});

/** Errors carry the structured field their message names (issue 15, item 7), so callers need not parse messages. */
import { describe, expect, it } from 'vitest';

import { DataError, InvalidOptionError } from '../../src/errors.js';
import { bestF1, impliedFalsePositiveRate, operatingPointsAtFpr, precisionRecallCurve, rocCurve } from '../../src/stats/index.js';
import { Random } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';

function caught(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('error fields', () => {
  const scores = Float64Array.of(0.1, 0.2, 0.3);
  const allNegative = Uint8Array.of(0, 0, 0);
  const allPositive = Uint8Array.of(1, 1, 1);

  it.each([
    ['rocCurve', () => rocCurve(scores, allNegative), /^rocCurve: labels must contain both classes/],
    ['precisionRecallCurve', () => precisionRecallCurve(scores, allNegative), /^precisionRecallCurve: labels must contain at least one positive/],
    ['bestF1', () => bestF1(scores, allNegative), /^bestF1: labels must contain at least one positive/],
    ['operatingPointsAtFpr', () => operatingPointsAtFpr(scores, allPositive, [0.1]), /^operatingPointsAtFpr: labels must contain at least one negative/],
  ])('%s names the labels as the DataError source', (_, f, pattern) => {
    expectError(f, DataError, pattern);
    expect((caught(f) as DataError).source).toBe('labels');
  });

  it('impliedFalsePositiveRate names the threshold', () => {
    const f = (): unknown => impliedFalsePositiveRate(scores, Number.NaN);
    expectError(f, DataError, /^impliedFalsePositiveRate: threshold must be a finite number, got NaN$/);
    expect((caught(f) as DataError).source).toBe('threshold');
  });

  it('Random.sampleWithoutReplacement names the option k', () => {
    const f = (): unknown => new Random(1).sampleWithoutReplacement(3, 4);
    expectError(f, InvalidOptionError, /^Random.sampleWithoutReplacement: k must be an integer in \[0, n=3\], got 4$/);
    expect((caught(f) as InvalidOptionError).option).toBe('k');
  });
});

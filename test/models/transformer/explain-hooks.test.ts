import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../../src/errors.js';
import { shapleyValues } from '../../../src/explain/index.js';
import { TransformerDetector, stepAttribution, windowCoalitionScore } from '../../../src/models/transformer/index.js';
import { memoryRows } from '../../../src/data/index.js';
import { generateSequenceData, normalizeCore, toModelInput } from '../../../src/schema/index.js';
import { expectError } from '../../tensor/expect-error.js';

const T = 5, F = 64;
const gen = generateSequenceData({ hosts: 8, steps: 20, seed: 6 });
const rows = toModelInput(normalizeCore(gen.raw));
const model = new TransformerDetector({ window: T, dModel: 8, heads: 2, feedForward: 16, epochs: 1, batchSize: 16, activeFeatures: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], validationFraction: 0.25 })
  .fit({ data: memoryRows(rows, F), hosts: memoryRows(gen.hosts, 1) });
const win = (row: number): Float32Array => rows.slice((row - T + 1) * F, (row + 1) * F);
const window = win(30);
const background = new Float32Array([...win(10), ...win(55), ...win(97)]);

describe('windowCoalitionScore', () => {
  const fn = windowCoalitionScore(model, { window, background });
  it('scores the window for the full coalition and the mean background score for the empty one', () => {
    const masks = new Float32Array(2 * F);
    masks.fill(1, 0, F);
    const got = fn(masks, 2);
    const bg = model.scoreWindows(background, 3);
    expect(got[0]).toBeCloseTo(model.scoreWindows(window, 1)[0]!, 5);
    expect(got[1]).toBeCloseTo((bg[0]! + bg[1]! + bg[2]!) / 3, 5);
  });

  it('gives exact Shapley values over the 12 core features whose sum is f(all) - f(none)', () => {
    const ones = new Float32Array(F).fill(1);
    const res = shapleyValues(fn, ones, { data: new Float32Array(F), rows: 1 }, { features: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] });
    const full = fn(ones, 1)[0]!, none = fn(new Float32Array(F), 1)[0]!;
    const sum = Array.from(res.phi as ArrayLike<number>).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(full - none, 4);
  });

  it('refuses a background that is not whole windows', () => {
    expectError(() => windowCoalitionScore(model, { window, background: new Float32Array(10) }), ShapeError, /^windowCoalitionScore: background must hold whole \[5, 64\] windows \(at least one\), got 10 values$/);
  });
});

describe('stepAttribution', () => {
  it('is zero for every step when the background is the window itself', () => {
    const a = stepAttribution(model, { window, background: window.slice() });
    expect(Array.from(a)).toEqual(new Array(T).fill(0));
  });

  it('attributes to each step the score change of taking that step from the background', () => {
    const a = stepAttribution(model, { window, background: win(55) });
    const base = model.scoreWindows(window, 1)[0]!;
    for (let t = 0; t < T; t++) {
      const h = window.slice();
      h.set(win(55).subarray(t * F, (t + 1) * F), t * F);
      expect(a[t]).toBeCloseTo(base - model.scoreWindows(h, 1)[0]!, 6);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, InvalidOptionError, NotFittedError, ShapeError } from '../../../src/errors.js';
import { NpyRowReader, writeNpyFile } from '../../../src/io/index.js';
import { TransformerDetector, type TransformerOptions } from '../../../src/models/transformer/index.js';
import { memoryRows } from '../../../src/data/index.js';
import { generateSequenceData, normalizeCore, toModelInput } from '../../../src/schema/index.js';
import { expectError } from '../../tensor/expect-error.js';
import { writeSequenceFiles } from '../../../src/pipeline/index.js';

const T = 6;
const small: TransformerOptions = { window: T, centering: 'none', dModel: 8, heads: 2, feedForward: 16, epochs: 2, batchSize: 16, activeFeatures: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], validationFraction: 0.2 };
const gen = generateSequenceData({ hosts: 12, steps: 20, seed: 4 });
const rows = toModelInput(normalizeCore(gen.raw));
const source = () => ({ data: memoryRows(rows, 64, 'rows'), hosts: memoryRows(gen.hosts, 1, 'hosts') });

/** Windows ending at every row, cut and padded by hand from the in-memory table (rows are host after host). */
function naiveWindows(): Float32Array {
  const n = gen.hosts.length;
  const out = new Float32Array(n * T * 64);
  for (let i = 0; i < n; i++) {
    const start = i - (i % 20);
    for (let s = 0; s < T; s++) {
      const r = Math.max(start, i - T + 1 + s);
      out.set(rows.subarray(r * 64, (r + 1) * 64), (i * T + s) * 64);
    }
  }
  return out;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-transformer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TransformerDetector options', () => {
  it('throws InvalidOptionError with scikit-learn wording', () => {
    expectError(() => new TransformerDetector({ window: 1 }), InvalidOptionError, /^The 'window' option of TransformerDetector must be an integer >= 2\. Got 1 instead\.$/);
    expectError(() => new TransformerDetector({ dModel: 30, heads: 4 }), InvalidOptionError, /^The 'heads' option of TransformerDetector must be an integer dividing dModel 30\. Got 4 instead\.$/);
    expectError(() => new TransformerDetector({ objective: 'copy' as 'next-step' }), InvalidOptionError, /^The 'objective' option of TransformerDetector must be one of 'next-step', 'masked-step', 'reconstruct'\. Got 'copy' instead\.$/);
    expectError(() => new TransformerDetector({ thresholdQuantile: 1 }), InvalidOptionError, /'thresholdQuantile' option .* must be a number in \(0, 1\)\. Got 1 instead\./);
    expectError(() => new TransformerDetector({ windowSize: 3 } as TransformerOptions), InvalidOptionError, /^The 'windowSize' option of TransformerDetector must be one of window, stride/);
    expectError(() => new TransformerDetector({ centering: 'median' as 'none' }), InvalidOptionError, /^The 'centering' option of TransformerDetector must be one of 'none', 'context-mean'\. Got 'median' instead\.$/);
    expectError(() => new TransformerDetector({ activeFeatures: [1, 1] }), InvalidOptionError, /'activeFeatures' option .* Got \[1,1\] instead\./);
  });

  it('refuses active features beyond the data at fit', () => {
    expectError(() => new TransformerDetector({ ...small, activeFeatures: [70] }).fit(source()), InvalidOptionError, /must hold column indices below the data's 64 features\. Got 70 instead\./);
  });
});

describe('TransformerDetector fit and score', () => {
  const model = new TransformerDetector(small).fit(source());

  it('raises NotFittedError before fit', () => {
    const m = new TransformerDetector(small);
    expect(m.isFitted).toBe(false);
    expectError(() => m.scoreWindows(new Float32Array(T * 64), 1), NotFittedError, /^TransformerDetector\.scoreWindows: the model must be fitted first/);
    expectError(() => m.threshold, NotFittedError, /TransformerDetector\.threshold/);
  });

  it('is deterministic per seed', () => {
    const again = new TransformerDetector(small).fit(source());
    const other = new TransformerDetector({ ...small, seed: 1 }).fit(source());
    const w = naiveWindows();
    expect(again.scoreWindows(w, 30)).toEqual(model.scoreWindows(w, 30));
    expect(again.threshold).toBe(model.threshold);
    expect(other.scoreWindows(w, 30)).not.toEqual(model.scoreWindows(w, 30));
  });

  it('scoreRows gives each row the score of its host window, padded rows flagged', () => {
    const scores = new Float32Array(gen.hosts.length);
    const padded = new Int32Array(gen.hosts.length);
    model.scoreRows(memoryRows(rows, 64), memoryRows(gen.hosts, 1), (first, s, p) => {
      scores.set(s, first);
      padded.set(p, first);
    });
    expect(scores).toEqual(model.scoreWindows(naiveWindows(), gen.hosts.length));
    for (let i = 0; i < padded.length; i++) expect(padded[i]).toBe(Math.max(0, T - 1 - (i % 20)));
  });

  it('stepErrors are the per-feature terms whose largest over the active features is the score', () => {
    const w = naiveWindows();
    const errors = model.stepErrors(w, 5);
    const scores = model.scoreWindows(w, 5);
    for (let i = 0; i < 5; i++) {
      expect(Math.max(...errors.subarray(i * 64, i * 64 + 12))).toBe(scores[i]);
      expect(errors.subarray(i * 64 + 12, (i + 1) * 64).every((v) => v === 0)).toBe(true);
    }
    expect(model.predict(w, 5)).toEqual(Uint8Array.from(scores, (v) => (v > model.threshold ? 1 : 0)));
  });

  it('predictLastStep is what the score compares the last step with: terms = (prediction - step)^2 / errorScale', () => {
    const w = naiveWindows();
    const pred = model.predictLastStep(w, 3);
    const terms = model.stepErrors(w, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 64; j++) {
        const v = pred[i * 64 + j]!;
        if (j >= 12) {
          expect(v).toBeNaN();
          continue;
        }
        const e = v - w[(i * T + T - 1) * 64 + j]!;
        expect(terms[i * 64 + j]).toBeCloseTo((e * e) / model.errorScale[j]!, 5);
      }
    }
  });

  it('round-trips through toState / fromState', () => {
    const back = TransformerDetector.fromState(model.toState());
    const w = naiveWindows();
    expect(back.scoreWindows(w, 40)).toEqual(model.scoreWindows(w, 40));
    expect(back.threshold).toBe(model.threshold);
    expect(back.history).toEqual(model.history);
  });

  describe("centering 'context-mean'", () => {
    const centered = new TransformerDetector({ ...small, centering: 'context-mean' }).fit(source());
    const n = 6;
    /** The windows with each window's active columns moved by its own amount in every step. */
    const shifted = (w: Float32Array): Float32Array => {
      const out = w.slice();
      for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) for (let j = 0; j < 12; j++) out[(i * T + t) * 64 + j] += 0.5 * (i + 1) * (j % 3 === 0 ? -1 : 1);
      return out;
    };

    it('scores a window the same when a level is added to all its steps, and moves the prediction by that level', () => {
      const w = naiveWindows();
      const moved = shifted(w);
      expect(centered.scoreWindows(moved, n)).toBeAllclose(centered.scoreWindows(w, n), { rtol: 1e-4, atol: 1e-5 });
      const pred = centered.predictLastStep(w, n), movedPred = centered.predictLastStep(moved, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < 12; j++) {
          const k = i * 64 + j, step = (i * T + T - 1) * 64 + j;
          expect(movedPred[k]! - pred[k]!).toBeCloseTo(moved[step]! - w[step]!, 4);
        }
      }
      // Without centering the same move changes the scores (what the option removes).
      expect(Array.from(model.scoreWindows(moved, n))).not.toEqual(Array.from(model.scoreWindows(w, n)));
    });

    it('predictLastStep is in the windows\' units: terms = (prediction - step)^2 / errorScale', () => {
      const w = naiveWindows();
      const pred = centered.predictLastStep(w, n);
      const terms = centered.stepErrors(w, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < 12; j++) {
          const e = pred[i * 64 + j]! - w[(i * T + T - 1) * 64 + j]!;
          expect(terms[i * 64 + j]).toBeCloseTo((e * e) / centered.errorScale[j]!, 4);
        }
      }
    });

    it('keeps the option through toState / fromState; a state without it loads as none', () => {
      const back = TransformerDetector.fromState(centered.toState());
      expect(back.options.centering).toBe('context-mean');
      const w = naiveWindows();
      expect(back.scoreWindows(w, 40)).toEqual(centered.scoreWindows(w, 40));
      const { centering: _, ...older } = model.toState().metadata.options;
      const old = TransformerDetector.fromState({ ...model.toState(), metadata: { ...model.toState().metadata, options: older as typeof model.options } });
      expect(old.options.centering).toBe('none');
      expect(old.scoreWindows(w, 40)).toEqual(model.scoreWindows(w, 40));
    });
  });

  it('trains the same from .npy files as from memory', () => {
    const files = writeSequenceFiles({ hosts: 12, steps: 20, seed: 4, out: join(dir, 'd.npy'), hostsOut: join(dir, 'h.npy') });
    expect(files.rows).toBe(240);
    const fromFiles = new TransformerDetector(small).fit({ data: new NpyRowReader(join(dir, 'd.npy')), hosts: new NpyRowReader(join(dir, 'h.npy')) });
    expect(fromFiles.threshold).toBe(model.threshold);
  });

  it('checks the windows it scores', () => {
    expectError(() => model.scoreWindows(new Float32Array(T * 64), 2), ShapeError, /windows must hold n x 6 x 64 = 768 values, got 384 for n 2/);
    const w = new Float32Array(T * 64);
    w[2 * 64 + 5] = NaN;
    expectError(() => model.scoreWindows(w, 1), DataError, /^TransformerDetector\.scoreWindows: window 0, step 2, column 5 must be finite, got NaN$/);
  });
});

describe('TransformerDetector on 3-D window files', () => {
  it('trains and scores [N, T, F] windows; a file with another T is refused', () => {
    const windows = naiveWindows();
    writeNpyFile(join(dir, 'w.npy'), { data: windows, shape: [gen.hosts.length, T, 64] });
    const m = new TransformerDetector(small).fit({ windows: new NpyRowReader(join(dir, 'w.npy')) });
    const got = new Float32Array(gen.hosts.length);
    m.scoreWindowFile(new NpyRowReader(join(dir, 'w.npy')), (first, s) => got.set(s, first));
    expect(got).toEqual(m.scoreWindows(windows, gen.hosts.length));
    writeNpyFile(join(dir, 'w5.npy'), { data: windows.subarray(0, 10 * 5 * 64), shape: [10, 5, 64] });
    expectError(() => m.scoreWindowFile(new NpyRowReader(join(dir, 'w5.npy')), () => {}), ShapeError, /w5\.npy: steps per window T must equal the model's window 6, got 5$/);
    expectError(() => new TransformerDetector(small).fit({ windows: new NpyRowReader(join(dir, 'd.npy')) }), ShapeError, /d\.npy: windows must be a 3-D array \(windows, steps, features\), got shape \(240, 64\)$/);
  });

  it('names window, step and column of a NaN in a window file', () => {
    const windows = naiveWindows().slice(0, 4 * T * 64);
    windows[(2 * T + 3) * 64 + 1] = -Infinity;
    writeNpyFile(join(dir, 'nan.npy'), { data: windows, shape: [4, T, 64] });
    expectError(() => new TransformerDetector(small).fit({ windows: new NpyRowReader(join(dir, 'nan.npy')) }), DataError, /nan\.npy: window 2, step 3, column 1 must be finite, got -Infinity$/);
  });
});

describe('TransformerDetector objectives and training paths', () => {
  for (const objective of ['masked-step', 'reconstruct'] as const) {
    it(`${objective}: trains and scores finite values`, () => {
      const m = new TransformerDetector({ ...small, objective, epochs: 1 }).fit(source());
      const s = m.scoreWindows(naiveWindows(), 20);
      expect(s.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    });
  }

  it('dropout > 0 trains through autograd and context noise changes the fit', () => {
    const withDropout = new TransformerDetector({ ...small, epochs: 1, dropout: 0.1 }).fit(source());
    expect(Number.isFinite(withDropout.history[0]!.trainLoss)).toBe(true);
    const noisy = new TransformerDetector({ ...small, contextNoise: 0.3 }).fit(source());
    expect(noisy.threshold).not.toBe(new TransformerDetector(small).fit(source()).threshold);
  });
});

/**
 * What explanations of a transformer score need beyond {@link TransformerDetector.stepErrors} (the
 * score's terms per feature of the scored step) and {@link TransformerDetector.predictLastStep}:
 * a score function for the Shapley explainer whose players are features masked across the whole
 * window, and an attribution of the score to the window's steps. See docs/transformer.md "Explain".
 */
import { ShapeError } from '../../errors.js';
import type { TransformerDetector } from './transformer-detector.js';

/** Windows scored per model call: bounds the hybrid windows held at once. */
const CHUNK = 256;

/** A window and the background windows that "remove" features or steps. */
export interface WindowExplainInputs {
  /** `[T, F]` the window to explain (its last step is the scored step). */
  window: Float32Array;
  /** `[B, T, F]` background windows (e.g. a sample of normal training windows). */
  background: Float32Array;
}

/**
 * A batched score function over coalition masks, for `shapleyValues` (src/explain): a row `[F]`
 * holds 1 for a feature taken from the window and 0 for one taken from a background window — in
 * every step at once; its value is the mean over the B background windows of the model's score of
 * that hybrid. Call `shapleyValues(fn, ones(F), { data: zeros(F), rows: 1 }, {
 * features })`: the explainer's hybrids of x = 1 and background = 0 are exactly the coalition masks,
 * so exact Shapley values over the 12 core features take 4096 x B window scores.
 * @returns `(masks [n, F], n) => [n]`
 * @throws ShapeError when the window or background do not hold whole `[T, F]` windows
 */
export function windowCoalitionScore(model: TransformerDetector, inputs: WindowExplainInputs): (masks: Float32Array, n: number) => Float32Array {
  const { T, F, B } = checkInputs(model, inputs, 'windowCoalitionScore');
  const per = T * F;
  const hybrids = new Float32Array(CHUNK * per);
  const scores = new Float32Array(CHUNK);
  return (masks, n) => {
    const out = new Float32Array(n);
    let filled = 0;
    const owner = new Int32Array(CHUNK);
    const flush = (): void => {
      model.scoreWindows(hybrids, filled, scores);
      for (let i = 0; i < filled; i++) out[owner[i]!] += scores[i]! / B;
      filled = 0;
    };
    for (let r = 0; r < n; r++) {
      for (let b = 0; b < B; b++) {
        const at = filled * per, bg = b * per;
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < F; j++) {
            const k = t * F + j;
            hybrids[at + k] = masks[r * F + j]! >= 0.5 ? inputs.window[k]! : inputs.background[bg + k]!;
          }
        }
        owner[filled++] = r;
        if (filled === CHUNK) flush();
      }
    }
    if (filled > 0) flush();
    return out;
  };
}

/**
 * Attribution of the score to each step (occlusion): `score(window) - mean_b score(window with step t
 * taken from background window b)`, for t = 0..T-1. Positive = the step raised the score. The last
 * step is the scored step itself; the others are its context.
 * @returns `[T]`
 * @throws ShapeError as {@link windowCoalitionScore}
 */
export function stepAttribution(model: TransformerDetector, inputs: WindowExplainInputs): Float32Array {
  const { T, F, B } = checkInputs(model, inputs, 'stepAttribution');
  const per = T * F;
  const base = model.scoreWindows(inputs.window, 1)[0]!;
  const hybrids = new Float32Array(T * B * per);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const at = (t * B + b) * per;
      hybrids.set(inputs.window, at);
      hybrids.set(inputs.background.subarray(b * per + t * F, b * per + (t + 1) * F), at + t * F);
    }
  }
  const scores = model.scoreWindows(hybrids, T * B);
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let b = 0; b < B; b++) s += scores[t * B + b]!;
    out[t] = base - s / B;
  }
  return out;
}

function checkInputs(model: TransformerDetector, inputs: WindowExplainInputs, where: string): { T: number; F: number; B: number } {
  const T = model.options.window, F = model.features, per = T * F;
  if (inputs.window.length !== per) throw new ShapeError(`${where}: window must hold ${T} x ${F} = ${per} values, got ${inputs.window.length}`, where);
  const B = inputs.background.length / per;
  if (!Number.isInteger(B) || B < 1) {
    throw new ShapeError(`${where}: background must hold whole [${T}, ${F}] windows (at least one), got ${inputs.background.length} values`, where);
  }
  return { T, F, B };
}

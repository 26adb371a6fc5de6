/**
 * Scoring windows through the fused network in chunks: the squared errors of each window's last
 * step, the standardized score, and the prediction itself.
 */
import type { ObjectiveBatcher } from './objective.js';
import type { WindowNet } from './window-net.js';

/** Windows per scoring chunk: bounds the activation buffers. */
export const SCORE_CHUNK = 256;
/** Name of the error-scale tensor in a TransformerState's tensors. */
export const ERROR_SCALE = 'error_scale';
/** Floor of a feature's error scale, so a feature the model predicts exactly cannot divide by ~0. */
export const MIN_ERROR_SCALE = 1e-6;

/**
 * Adds each active feature's squared last-step error over `n` windows `[n, T, F]` into `sums` `[A]`:
 * the error scale is `sums / windows` (floored at {@link MIN_ERROR_SCALE}). Sums over any partition
 * of the windows add up to the sums over all of them, so federated clients can send theirs.
 */
export function addErrorSums(net: WindowNet, batcher: ObjectiveBatcher, windows: Float32Array, n: number, sums: Float64Array): void {
  const errors = errorsInto(net, batcher, windows, n);
  const A = batcher.width;
  for (let i = 0; i < n * A; i++) sums[i % A] += errors[i]!;
}

/** The error scale `[A]` from per-feature sums over `count` windows: the mean squared error, floored. */
export function errorScaleOf(sums: Float64Array, count: number): Float32Array {
  const scale = new Float32Array(sums.length);
  for (let a = 0; a < sums.length; a++) scale[a] = Math.max(sums[a]! / count, MIN_ERROR_SCALE);
  return scale;
}

/** Squared errors `[n, A]` of the last steps of `n` windows `[n, T, F]` (a reused buffer). */
export function errorsInto(net: WindowNet, batcher: ObjectiveBatcher, windows: Float32Array, n: number): Float32Array {
  const errors = scratchErrors(n * batcher.width);
  const per = batcher.window * batcher.features, A = batcher.width;
  for (let s = 0; s < n; s += SCORE_CHUNK) {
    const m = Math.min(SCORE_CHUNK, n - s);
    const y = net.fused.forward(batcher.scoreBatch(windows.subarray(s * per, (s + m) * per), m));
    batcher.lastStepErrors(y, m, errors.subarray(s * A, (s + m) * A));
  }
  return errors;
}

/**
 * Scores `n` windows into `out`: the largest over the A active features of error / scale (an attack
 * that moves one feature, e.g. bytes out, is not diluted by the other features' noise; see
 * docs/transformer.md "Score and threshold"). With `terms` `[n, F]`, also writes each feature's term
 * at its column (0 elsewhere).
 */
export function scoreInto(net: WindowNet, batcher: ObjectiveBatcher, scale: Float32Array, windows: Float32Array, n: number, out: Float32Array, terms: Float32Array | null): void {
  const errors = errorsInto(net, batcher, windows, n);
  const A = batcher.width, F = batcher.features, cols = batcher.columns;
  for (let b = 0; b < n; b++) {
    let s = 0;
    for (let a = 0; a < A; a++) {
      const t = errors[b * A + a]! / scale[a]!;
      if (t > s) s = t;
      if (terms !== null) terms[b * F + cols[a]!] = t;
    }
    out[b] = s;
  }
}

/**
 * Writes the predicted last step of `n` windows into the active columns of `out [n, F]`, in the
 * windows' units: the network predicts the step minus the window's level (see ObjectiveBatcher
 * centering), which is added back.
 */
export function predictInto(net: WindowNet, batcher: ObjectiveBatcher, windows: Float32Array, n: number, out: Float32Array): void {
  const per = batcher.window * batcher.features, A = batcher.width, L = batcher.layout.positions, F = batcher.features;
  for (let c = 0; c < n; c += SCORE_CHUNK) {
    const m = Math.min(SCORE_CHUNK, n - c);
    const y = net.fused.forward(batcher.scoreBatch(windows.subarray(c * per, (c + m) * per), m));
    const level = batcher.levels;
    for (let b = 0; b < m; b++) for (let a = 0; a < A; a++) out[(c + b) * F + batcher.columns[a]!] = y[(b * L + L - 1) * A + a]! + level[b * A + a]!;
  }
}

let errorScratch = new Float32Array(0);
function scratchErrors(size: number): Float32Array {
  if (errorScratch.length < size) errorScratch = new Float32Array(size);
  return errorScratch;
}

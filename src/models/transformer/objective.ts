/**
 * The training objectives of the transformer model and how each turns windows `[n, T, F]` into the
 * network's input, its loss and the score of a window's last step. The network reads only the active
 * columns (A of the F; the schema's padding carries nothing). See docs/transformer.md "Objective"
 * for why 'next-step' with context noise is the default.
 */
import { TRANSFORMER_OBJECTIVE_NAMES, type TransformerCentering, type TransformerObjective } from '../../config/index.js';
import type { Random } from '../../tensor/index.js';
import type { FusedBatch, FusedLoss } from '../../nn/index.js';

/**
 * - `next-step`: causal prediction; the network sees steps 0..T-2 (position l attends to 0..l) and
 *   position l predicts step l+1; trained on every position; the score is the error of step T-1
 *   predicted from the T-1 before it.
 * - `masked-step`: the network sees all T steps with one replaced by a learned mask embedding and
 *   reconstructs it; trained on a uniformly drawn step per window; scored with the last step masked.
 * - `reconstruct`: a window autoencoder (every step visible, every step reconstructed); scored on the
 *   last step. It can learn to copy rows: kept as the measured baseline, not for detection.
 */
export type { TransformerObjective };

/** The accepted objectives, the default first (config's list: config.yaml checks the same names). */
export const TRANSFORMER_OBJECTIVES: readonly TransformerObjective[] = TRANSFORMER_OBJECTIVE_NAMES;

/** Longest corrupted run of context steps (the longest attack but beaconing spans 8 steps). */
const CORRUPT_RUN = 9;
/** Share of corrupted runs taken from another window (the rest are shifted features). */
const FOREIGN_SHARE = 0.4;

/** Options of an {@link ObjectiveBatcher} beyond its shape. */
export interface BatcherOptions {
  /** Probability that a training window's context gets a corrupted run of steps (see ObjectiveBatcher.corruptContext). Default 0. */
  contextNoise?: number;
  /** What {@link ObjectiveBatcher} subtracts from each gathered window. Default 'none'. */
  centering?: TransformerCentering;
}

/** How an objective shapes the network for windows of T steps. */
export interface ObjectiveLayout {
  /** Positions the network reads per window. */
  positions: number;
  causal: boolean;
  maskToken: boolean;
}

/** The network layout of `objective` for windows of `window` steps. */
export function objectiveLayout(objective: TransformerObjective, window: number): ObjectiveLayout {
  if (objective === 'next-step') return { positions: window - 1, causal: true, maskToken: false };
  return { positions: window, causal: false, maskToken: objective === 'masked-step' };
}

/**
 * Builds the network batches of one objective from windows `[n, T, F]` in buffers sized for
 * `capacity` windows (grown on demand): gathers the A active columns, centers them, shifts or masks
 * steps, corrupts training contexts, and reads the last step's errors back.
 *
 * Centering ('context-mean') subtracts each window's per-feature level, the mean of the context steps
 * 0..T-2, from all T steps: train and score both gather through it, and a squared error is the same
 * for the centered prediction and target as for both shifted back, so errors, error scale and scores
 * need no correction; only a prediction in raw units (scoring.ts `predictInto`) adds {@link levels} back.
 */
export class ObjectiveBatcher {
  readonly layout: ObjectiveLayout;
  /** Columns the network reads, in order (all F when no active set is given). */
  readonly columns: Int32Array;
  private capacity = 0;
  /** Gathered windows `[n, T, A]`, clean (the target of masked-step and reconstruct). */
  private gathered = new Float32Array(0);
  private x = new Float32Array(0);
  private target = new Float32Array(0);
  private positions = new Uint8Array(0);
  private mask = new Int32Array(0);
  /** `[n, A]` the level subtracted from each gathered window (zeros without centering). */
  private level = new Float32Array(0);
  readonly contextNoise: number;
  readonly centering: TransformerCentering;

  /** @param active columns of F that carry data, or null for all */
  constructor(
    readonly objective: TransformerObjective,
    readonly window: number,
    readonly features: number,
    active: readonly number[] | null,
    options: BatcherOptions = {},
  ) {
    this.layout = objectiveLayout(objective, window);
    this.columns = active === null ? Int32Array.from({ length: features }, (_, j) => j) : Int32Array.from(active);
    this.contextNoise = options.contextNoise ?? 0;
    this.centering = options.centering ?? 'none';
  }

  /**
   * `[n, A]` per window and active column, the level subtracted from the last gathered batch (its
   * context mean under 'context-mean', 0 under 'none'): the network predicts a step minus this.
   */
  get levels(): Float32Array {
    return this.level;
  }

  /** Network width A. */
  get width(): number {
    return this.columns.length;
  }

  /** The training batch and loss of `n` windows `[n, T, F]`; `rng` draws masked steps and corruptions. */
  train(windows: Float32Array, n: number, rng: Random): { batch: FusedBatch; loss: FusedLoss } {
    const clean = this.gather(windows, n);
    const T = this.window, A = this.width, L = this.layout.positions;
    let x: Float32Array;
    let target = clean;
    if (this.objective === 'next-step') {
      this.splitShifted(clean, n);
      x = this.x;
      target = this.target;
    } else if (this.contextNoise > 0) {
      x = this.x;
      x.set(clean.subarray(0, n * T * A));
    } else {
      x = clean;
    }
    let maskPositions: Int32Array | undefined;
    let positions: Uint8Array | null = null;
    if (this.objective === 'masked-step') {
      this.positions.fill(0, 0, n * T);
      for (let b = 0; b < n; b++) {
        const m = rng.int(0, T);
        this.mask[b] = m;
        this.positions[b * T + m] = 1;
      }
      maskPositions = this.mask;
      positions = this.positions;
    }
    if (this.contextNoise > 0) this.corruptContext(x, n, L, rng);
    return { batch: { x, batch: n, maskPositions }, loss: { target, positions, columns: null } };
  }

  /**
   * Context corruption, the robustness half of the objective: each training window is, with
   * probability `contextNoise`, given one corrupted run of 1 to {@link CORRUPT_RUN} consecutive input
   * steps at a random place; the targets stay clean. The run is either the same steps of another
   * window of the batch (another host, like a behaviour switch) or one to three features shifted by
   * an amount that ramps from ±U(0.3, 1.5) to 1–2 times that (normalized units; like an exfiltration
   * ramp or an intrusion stage). A model trained so predicts a host's next step from its normal
   * history and does not follow a recent run of unusual steps, so the later steps of an ongoing
   * attack stay surprising. docs/transformer.md "Context noise" has the measurements.
   */
  private corruptContext(x: Float32Array, n: number, L: number, rng: Random): void {
    const A = this.width;
    for (let b = 0; b < n; b++) {
      if (rng.next() >= this.contextNoise) continue;
      const run = rng.int(1, Math.min(CORRUPT_RUN, L) + 1);
      const start = rng.int(0, L - run + 1);
      if (n > 1 && rng.next() < FOREIGN_SHARE) {
        let other = rng.int(0, n - 1);
        if (other >= b) other++;
        x.copyWithin((b * L + start) * A, (other * L + start) * A, (other * L + start + run) * A);
        continue;
      }
      const k = rng.int(1, 4);
      for (let i = 0; i < k; i++) {
        const a = rng.int(0, A);
        const from = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.3, 1.5);
        const step = run > 1 ? (from * rng.uniform(0, 1)) / (run - 1) : 0;
        for (let l = 0; l < run; l++) x[(b * L + start + l) * A + a] += from + step * l;
      }
    }
  }

  /** The scoring batch of `n` windows `[n, T, F]`: the network's input for predicting each last step. */
  scoreBatch(windows: Float32Array, n: number): FusedBatch {
    const clean = this.gather(windows, n);
    if (this.objective === 'next-step') {
      this.splitShifted(clean, n);
      return { x: this.x, batch: n };
    }
    if (this.objective === 'masked-step') {
      this.mask.fill(this.window - 1, 0, n);
      return { x: clean, batch: n, maskPositions: this.mask };
    }
    return { x: clean, batch: n };
  }

  /**
   * From the network output `y [n, positions, A]` for the last {@link scoreBatch}: writes the
   * squared error of each window's last step per active column into `errors [n, A]`.
   */
  lastStepErrors(y: Float32Array, n: number, errors: Float32Array): void {
    const T = this.window, A = this.width, L = this.layout.positions;
    const g = this.gathered;
    for (let b = 0; b < n; b++) {
      const yo = (b * L + L - 1) * A, xo = (b * T + T - 1) * A;
      for (let a = 0; a < A; a++) {
        const e = y[yo + a]! - g[xo + a]!;
        errors[b * A + a] = e * e;
      }
    }
  }

  /** Copies the active columns of `n` windows into the gathered buffer `[n, T, A]`, centered. */
  private gather(windows: Float32Array, n: number): Float32Array {
    this.ensure(n);
    const { window: T, features: F, columns } = this;
    const A = columns.length;
    const g = this.gathered;
    for (let r = 0; r < n * T; r++) {
      const src = r * F, dst = r * A;
      for (let a = 0; a < A; a++) g[dst + a] = windows[src + columns[a]!]!;
    }
    if (this.centering === 'context-mean') this.centerOnContext(g, n);
    return g;
  }

  /**
   * Subtracts from all T steps of each gathered window, per column, the mean of its context steps
   * 0..T-2 (never the scored last step, so an attack's jump stays in the target), and keeps it in
   * {@link levels}. A client that trains on one kind of host would otherwise learn that kind's levels
   * into the head's biases instead of reading them from the context; docs/federated.md "The cause:
   * feature levels".
   */
  private centerOnContext(g: Float32Array, n: number): void {
    const T = this.window, A = this.width, C = T - 1;
    const level = this.level;
    for (let b = 0; b < n; b++) {
      const w = b * T * A;
      for (let a = 0; a < A; a++) {
        let sum = 0;
        for (let l = 0; l < C; l++) sum += g[w + l * A + a]!;
        const m = Math.fround(sum / C);
        level[b * A + a] = m;
        for (let l = 0; l < T; l++) g[w + l * A + a] -= m;
      }
    }
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const size = n * this.window * this.width;
    this.gathered = new Float32Array(size);
    this.x = new Float32Array(size);
    this.target = new Float32Array(size);
    this.positions = new Uint8Array(n * this.window);
    this.mask = new Int32Array(n);
    this.level = new Float32Array(n * this.width);
    this.capacity = n;
  }

  /** x = steps 0..T-2 and target = steps 1..T-1 of each gathered window, contiguous. */
  private splitShifted(g: Float32Array, n: number): void {
    const T = this.window, A = this.width;
    const span = (T - 1) * A;
    for (let b = 0; b < n; b++) {
      const w = b * T * A;
      this.x.set(g.subarray(w, w + span), b * span);
      this.target.set(g.subarray(w + A, w + T * A), b * span);
    }
  }
}

/**
 * The training objectives of the transformer model and how each turns windows `[n, T, F]` into the
 * network's input, its loss and the score of a window's last step. See docs/transformer.md
 * "Objective" for why 'next-step' is the default.
 */
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
export type TransformerObjective = 'next-step' | 'masked-step' | 'reconstruct';

/** The accepted objectives, the default first. */
export const TRANSFORMER_OBJECTIVES: readonly TransformerObjective[] = Object.freeze(['next-step', 'masked-step', 'reconstruct']);

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
 * Builds the network batches of one objective from windows, in buffers sized for `capacity`
 * windows (grown on demand), and reads the score of the last step back.
 */
export class ObjectiveBatcher {
  readonly layout: ObjectiveLayout;
  private capacity = 0;
  private x = new Float32Array(0);
  private target = new Float32Array(0);
  private positions = new Uint8Array(0);
  private mask = new Int32Array(0);

  private readonly counted: Int32Array;

  /**
   * @param columns `[F]` 1 = the column counts in loss and score; null = all
   * @param contextNoise probability that a training input step is corrupted (see {@link corruptContext})
   */
  constructor(
    readonly objective: TransformerObjective,
    readonly window: number,
    readonly features: number,
    readonly columns: Uint8Array | null,
    readonly contextNoise = 0,
  ) {
    this.layout = objectiveLayout(objective, window);
    this.counted = Int32Array.from({ length: features }, (_, j) => j).filter((j) => columns === null || columns[j] === 1);
  }

  /** The training batch and loss of `n` windows `[n, T, F]`; `rng` draws masked steps and corruptions. */
  train(windows: Float32Array, n: number, rng: Random): { batch: FusedBatch; loss: FusedLoss } {
    this.ensure(n);
    const T = this.window;
    const noisy = this.contextNoise > 0;
    let x = windows;
    if (this.objective === 'next-step') {
      this.splitShifted(windows, n);
      x = this.x;
    } else if (noisy) {
      x = this.x;
      x.set(windows.subarray(0, n * T * this.features));
    }
    const L = this.layout.positions;
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
    if (noisy) this.corruptContext(x, n, L, rng);
    const target = this.objective === 'next-step' ? this.target : windows;
    return { batch: { x, batch: n, maskPositions }, loss: { target, positions, columns: this.columns } };
  }

  /**
   * Context corruption, the robustness half of the objective: each input step is, with probability
   * `contextNoise`, replaced by a step of another window of the batch (a foreign row) or has one to
   * three counted features shifted by ±U(0.5, 2) (normalized units); targets stay clean. A model
   * trained so learns to predict a host's next step from the consistent majority of its context,
   * so the steps of an ongoing attack in the context do not make the next attack step look expected.
   */
  private corruptContext(x: Float32Array, n: number, L: number, rng: Random): void {
    const F = this.features;
    const cols = this.counted;
    for (let b = 0; b < n; b++) {
      for (let l = 0; l < L; l++) {
        if (rng.next() >= this.contextNoise) continue;
        const at = (b * L + l) * F;
        if (n > 1 && rng.next() < 0.5) {
          let other = rng.int(0, n - 1);
          if (other >= b) other++;
          const from = (other * L + rng.int(0, L)) * F;
          x.copyWithin(at, from, from + F);
        } else {
          const k = rng.int(1, 4);
          for (let i = 0; i < k; i++) {
            const j = cols[rng.int(0, cols.length)]!;
            x[at + j] += (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.5, 2);
          }
        }
      }
    }
  }

  /** The scoring batch of `n` windows: the network's input for predicting each window's last step. */
  scoreBatch(windows: Float32Array, n: number): FusedBatch {
    this.ensure(n);
    if (this.objective === 'next-step') {
      this.splitShifted(windows, n);
      return { x: this.x, batch: n };
    }
    if (this.objective === 'masked-step') {
      this.mask.fill(this.window - 1, 0, n);
      return { x: windows, batch: n, maskPositions: this.mask };
    }
    return { x: windows, batch: n };
  }

  /**
   * Squared errors of each window's last step: from the network output `y [n, positions, F]`,
   * writes `errors [n, F]` (0 in columns that do not count) and returns the score of each window,
   * the mean over the counted columns, into `scores [n]`.
   */
  lastStepErrors(y: Float32Array, windows: Float32Array, n: number, errors: Float32Array | null, scores: Float32Array): void {
    const { window: T, features: F, columns } = this;
    const L = this.layout.positions;
    let counted = 0;
    for (let j = 0; j < F; j++) if (columns === null || columns[j] === 1) counted++;
    for (let b = 0; b < n; b++) {
      const yo = (b * L + L - 1) * F;
      const xo = (b * T + T - 1) * F;
      let s = 0;
      for (let j = 0; j < F; j++) {
        const on = columns === null || columns[j] === 1;
        const e = on ? y[yo + j]! - windows[xo + j]! : 0;
        if (errors !== null) errors[b * F + j] = e * e;
        s += e * e;
      }
      scores[b] = s / counted;
    }
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const { window: T, features: F } = this;
    this.x = new Float32Array(n * T * F);
    this.target = new Float32Array(n * (T - 1) * F);
    this.positions = new Uint8Array(n * T);
    this.mask = new Int32Array(n);
    this.capacity = n;
  }

  /** x = steps 0..T-2 and target = steps 1..T-1 of each window, contiguous. */
  private splitShifted(windows: Float32Array, n: number): void {
    const { window: T, features: F } = this;
    const span = (T - 1) * F;
    for (let b = 0; b < n; b++) {
      const w = b * T * F;
      this.x.set(windows.subarray(w, w + span), b * span);
      this.target.set(windows.subarray(w + F, w + T * F), b * span);
    }
  }
}

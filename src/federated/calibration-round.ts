/**
 * The calibration round after the last committed round: every enrolled client scores its rows under
 * the final global model and sends a histogram of the scores (score-sketch.ts); the server adds them
 * and fixes the threshold of the final checkpoint at the `threshold.quantile` of the union.
 */
import { SKETCH_BINS, sketchQuantile, type Sketch } from './score-sketch.js';
import type { ClientOutcome } from './server-store.js';

/** What a closed calibration round hands to the commit. */
export interface Calibration {
  threshold: number;
  /** Rows counted (after the per-client cap). */
  rows: number;
  outcomes: ClientOutcome[];
}

export class CalibrationRound {
  private readonly counts = new Float64Array(SKETCH_BINS);
  private readonly outcomes: ClientOutcome[] = [];

  /** Accepted sketches so far. */
  get count(): number {
    return this.outcomes.length;
  }

  /** Adds a client's checked sketch (score-sketch.ts `decodeSketch`). */
  add(client: string, sketch: Sketch): void {
    for (let b = 0; b < SKETCH_BINS; b++) this.counts[b]! += sketch.counts[b]!;
    this.outcomes.push({ client, samples: sketch.rows, weight: sketch.weight });
  }

  /** The q-quantile of every counted row. */
  close(q: number): Calibration {
    const outcomes = [...this.outcomes].sort((a, b) => (a.client < b.client ? -1 : 1));
    return { threshold: sketchQuantile(this.counts, q), rows: this.counts.reduce((s, c) => s + c, 0), outcomes };
  }
}

/**
 * The calibration round after the last committed round. For a kind with a fitted statistic (the
 * transformer's `error_scale`) it opens with phase `statistics`: every enrolled client sends the
 * statistic's sums under the final global model (statistic-sums.ts), the server adds them and sets
 * the tensor. Then, phase `calibrate`: every client scores its rows under that model and sends a
 * histogram of the scores (score-sketch.ts); the server adds them and fixes the threshold of the
 * final checkpoint at the `threshold.quantile` of the union. So the threshold is taken from scores
 * under the merged statistic.
 */
import type { StatisticSums } from '../models/index.js';
import { SKETCH_BINS, sketchQuantile, type Sketch } from './score-sketch.js';
import type { ClientOutcome } from './server-store.js';
import { StatisticMerge } from './statistic-sums.js';

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
  private readonly statistic: StatisticMerge | null;
  private statistics = 0;

  /** @param statisticSize values of the kind's fitted statistic, or null when it has none */
  constructor(statisticSize: number | null) {
    this.statistic = statisticSize === null ? null : new StatisticMerge(statisticSize);
  }

  /** Accepted sketches so far. */
  get count(): number {
    return this.outcomes.length;
  }

  /** Accepted statistic sums so far. */
  get statisticCount(): number {
    return this.statistics;
  }

  /** Adds a client's checked statistic sums (statistic-sums.ts `decodeStatistic`). */
  addStatistic(sums: StatisticSums): void {
    this.statistic!.add(sums);
    this.statistics++;
  }

  /** The clients' sums added up. */
  mergedStatistic(): StatisticSums {
    return this.statistic!.merged();
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

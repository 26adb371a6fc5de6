/**
 * Aggregation of one plain-mode round: FedAvg by sample count over a running exact sum (memory
 * independent of the clients), or a robust rule over the stored updates.
 * FedAvg: McMahan et al. 2017, "Communication-efficient learning of deep networks from decentralized
 * data", https://arxiv.org/abs/1602.05629.
 */
import type { FederatedConfig } from './config.js';
import { ExactWeightedSum } from './exact-sum.js';
import { coordinateMedian, trimmedMean } from './robust.js';
import type { ClientOutcome } from './server-store.js';
import { NORM_SLACK, type CheckedUpdate } from './update-codec.js';

/** What a closed round hands to the commit. */
export interface RoundAggregate {
  /** The step to add to the global model, `[parameters]`. */
  delta: Float64Array;
  outcomes: ClientOutcome[];
  meanLoss: number | null;
}

export class PlainRound {
  private readonly sum: ExactWeightedSum | null;
  private readonly stored: Float32Array[] = [];
  private readonly outcomes: ClientOutcome[] = [];
  private lossSum = 0;
  private lossWeight = 0;

  /** @param size parameters per update */
  constructor(size: number, private readonly config: FederatedConfig) {
    this.sum = config.aggregation === 'fedavg' ? new ExactWeightedSum(size, config.maxSamplesPerClient, config.clipNorm * (1 + NORM_SLACK)) : null;
  }

  /** Accepted updates so far. */
  get count(): number {
    return this.outcomes.length;
  }

  /** Adds a checked update; its weight is the sample count capped at max_samples_per_client. */
  add(client: string, update: CheckedUpdate): ClientOutcome {
    const weight = Math.min(update.samples, this.config.maxSamplesPerClient);
    if (this.sum !== null) this.sum.add(update.values, weight);
    else this.stored.push(update.values);
    const outcome: ClientOutcome = { client, samples: update.samples, weight, norm: update.norm };
    if (update.loss !== null) {
      outcome.loss = update.loss;
      this.lossSum += weight * update.loss;
      this.lossWeight += weight;
    }
    this.outcomes.push(outcome);
    return outcome;
  }

  /**
   * The aggregate step. `noise` (standard normals, one per parameter), when given, is scaled to
   * σ · clip_norm · max_samples_per_client, the sensitivity of the weighted sum, before dividing by
   * the total weight (central DP, see docs/federated.md).
   */
  aggregate(noise: Float64Array | null): RoundAggregate {
    let delta: Float64Array;
    if (this.sum !== null) {
      delta = this.sum.sum();
      const w = this.sum.totalWeight;
      const std = this.config.dp.noiseMultiplier * this.config.clipNorm * this.config.maxSamplesPerClient;
      for (let j = 0; j < delta.length; j++) delta[j] = (delta[j]! + (noise === null ? 0 : std * noise[j]!)) / w;
    } else {
      delta = this.config.aggregation === 'median' ? coordinateMedian(this.stored) : trimmedMean(this.stored, this.config.trimFraction);
    }
    const outcomes = [...this.outcomes].sort((a, b) => (a.client < b.client ? -1 : 1));
    return { delta, outcomes, meanLoss: this.lossWeight > 0 ? this.lossSum / this.lossWeight : null };
  }
}

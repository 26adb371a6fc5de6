/**
 * A fitted statistic on the wire (the transformer's `error_scale`): in the calibration round each
 * client sends its per-coordinate sums over its items under the final weights and the item count;
 * the server adds them. Sums over a partition of the items add up to the sums over the union, so the
 * merged statistic is the one a centralized fit computes on the union of the clients' items.
 * docs/federated.md "Fitted statistics".
 */
import { FormatError } from '../errors.js';
import type { StatisticSums } from '../models/index.js';
import { parseJsonPayload, utf8 } from './bytes.js';

/** The upload payload: `{"count": n, "sums": [s0, s1, …]}`. */
export function encodeStatistic(s: StatisticSums): Uint8Array {
  return utf8(JSON.stringify({ count: s.count, sums: Array.from(s.sums) }));
}

/**
 * Decodes and checks a statistic payload. A client counting more than `maxItems` items has its sums
 * scaled to `maxItems`, as FedAvg caps its weight.
 * @throws FormatError for anything but `size` finite sums >= 0 and an integer count >= 1
 */
export function decodeStatistic(bytes: Uint8Array, size: number, maxItems: number): StatisticSums {
  const { count, sums } = parseJsonPayload(bytes, 'statistic');
  if (!Number.isSafeInteger(count) || (count as number) < 1 || !Array.isArray(sums) || sums.length !== size || !sums.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    const what = Array.isArray(sums) ? `${sums.length} sums` : 'no sums';
    throw new FormatError(`statistic: payload must be {count: integer >= 1, sums: ${size} finite numbers >= 0}, got count ${JSON.stringify(count)} and ${what}`, 'statistic');
  }
  const n = count as number;
  const kept = Math.min(n, maxItems);
  return { count: kept, sums: Float64Array.from(sums as number[], (v) => (kept === n ? v : (v * kept) / n)) };
}

/** Adds clients' sums (float64, in arrival order: the journal replays that order after a restart). */
export class StatisticMerge {
  private readonly sums: Float64Array;
  private count = 0;

  constructor(size: number) {
    this.sums = new Float64Array(size);
  }

  add(s: StatisticSums): void {
    for (let j = 0; j < this.sums.length; j++) this.sums[j]! += s.sums[j]!;
    this.count += s.count;
  }

  merged(): StatisticSums {
    return { sums: this.sums.slice(), count: this.count };
  }
}

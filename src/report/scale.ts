/**
 * Scales: a map from data values (the domain) to pixels (the range), with the ticks and tick labels
 * of the axis that shows it. Linear scales widen their domain to nice numbers; log scales to powers of ten.
 */
import { formatTick, logTicks, niceDomainWithStep, niceLogDomain, niceStep, stepTicks, widen } from './ticks.js';

/** Whether an axis is linear or logarithmic (base 10). */
export type ScaleKind = 'linear' | 'log';

/** A data → pixel map with its axis ticks. */
export interface Scale {
  readonly kind: ScaleKind;
  /** `[lo, hi]` data values at the two ends of the range. */
  readonly domain: readonly [number, number];
  /** `[start, end]` pixels; end < start for a y axis (SVG's y grows downwards). */
  readonly range: readonly [number, number];
  /** Pixel of a data value (not clamped; a log scale needs v > 0). */
  map(v: number): number;
  /** Tick values inside the domain. */
  readonly ticks: readonly number[];
  /** Label of a tick value. */
  format(v: number): string;
}

/** Options of {@link makeScale}. */
export interface ScaleOptions {
  kind: ScaleKind;
  /** Smallest and largest data value to show (for a log scale both > 0). */
  extent: readonly [number, number];
  range: readonly [number, number];
  /** Widen the domain to nice numbers (default true); false keeps `extent`, e.g. a [0, 1] rate. */
  nice?: boolean;
  /** About how many tick intervals for a linear scale (default 5). */
  tickCount?: number;
}

/**
 * A linear or log scale over `extent`.
 * @throws RangeError when a log scale's extent is not positive (a caller bug: the report decides log only for positive data)
 */
export function makeScale(opts: ScaleOptions): Scale {
  const count = opts.tickCount ?? 5;
  const [r0, r1] = opts.range;
  if (opts.kind === 'log') {
    const [a, b] = opts.extent;
    if (!(a > 0 && b > 0)) throw new RangeError(`makeScale: a log scale's extent must be positive, got [${a}, ${b}]`);
    const domain = opts.nice === false ? ([a, b] as const) : niceLogDomain(a, b);
    const l0 = Math.log10(domain[0]);
    const span = Math.log10(domain[1]) - l0 || 1;
    return {
      kind: 'log',
      domain: [domain[0], domain[1]],
      range: [r0, r1],
      map: (v) => r0 + ((Math.log10(v) - l0) / span) * (r1 - r0),
      ticks: logTicks(domain[0], domain[1]),
      format: (v) => formatTick(v, Number.NaN),
    };
  }
  // One step for the domain and the ticks, so that a nice domain starts and ends on a tick.
  const [a, b] = widen(opts.extent[0], opts.extent[1]);
  const step = niceStep(b - a, count);
  const [lo, hi] = opts.nice === false ? [a, b] : niceDomainWithStep(a, b, step);
  const span = hi - lo;
  const ticks = stepTicks(lo, hi, step);
  return {
    kind: 'linear',
    domain: [lo, hi],
    range: [r0, r1],
    map: (v) => r0 + ((v - lo) / span) * (r1 - r0),
    ticks,
    format: (v) => formatTick(v, step),
  };
}

/**
 * Whether values deserve a log axis: all positive and spanning more than `ratio` (a loss that falls
 * 100-fold, anomaly scores over decades). Any value <= 0 or not finite rules it out.
 */
export function wideRange(values: Iterable<number>, ratio: number): boolean {
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi / lo > ratio;
}

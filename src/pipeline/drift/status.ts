/**
 * The status of one drift row (a feature or the anomaly score) from its statistics, the configured
 * levels and the sampling noise at the sizes it was measured on. Why: with a small batch or a small
 * reference, undrifted data reaches the configured levels by chance (a 1-row batch has PSI ~ 8), so
 * each level is raised to the no-drift 99.9% point of its statistic, and a row whose noise reaches
 * the retrain level gets no verdict at all. See docs/drift.md "Small samples".
 */
import { driftVerdict, ksNoiseLevel, psiNoiseLevel, wassersteinNoiseLevel, type DriftLevel, type DriftThresholds, type FloatArray, type Levels } from '../../stats/index.js';

/** A row's status: a drift level, or 'insufficient-data' when the samples are too small to tell. */
export type DriftStatus = DriftLevel | 'insufficient-data';

/** No-drift 99.9% points of each statistic at a row's sample sizes (W1 null when it does not count). */
export interface DriftNoise {
  psi: number;
  wasserstein: number | null;
  ks: number;
}

/** The sample sizes behind one row's statistics. */
export interface RowSamples {
  /** Rows behind the reference proportions (PSI) and the current bin counts (every kept row). */
  psi: { reference: number; current: number; bins: number };
  /** Rows of the two samples KS (and W1) compare. */
  sample: { reference: number; current: number };
  /** The sorted reference sample for W1's noise; null when W1 does not decide the status (the score). */
  sortedReference: FloatArray | null;
}

/** The noise levels of a row measured on `s`. */
export function driftNoise(s: RowSamples): DriftNoise {
  return {
    psi: psiNoiseLevel(s.psi.reference, s.psi.current, s.psi.bins),
    wasserstein: s.sortedReference === null ? null : wassersteinNoiseLevel(s.sortedReference, s.sample.current),
    ks: ksNoiseLevel(s.sample.reference, s.sample.current),
  };
}

/** The configured levels, each raised to the noise level of its statistic. */
export function effectiveThresholds(t: DriftThresholds, noise: DriftNoise): DriftThresholds {
  const raise = (l: Levels, floor: number | null): Levels => (floor === null ? l : { warn: Math.max(l.warn, floor), retrain: Math.max(l.retrain, floor) });
  return { psi: raise(t.psi, noise.psi), wasserstein: raise(t.wasserstein, noise.wasserstein), ksStatistic: raise(t.ksStatistic, noise.ks) };
}

/**
 * Whether the samples are too small to judge: the noise of PSI or of the KS statistic (both
 * distribution-free) reaches its retrain level, so a retrain-sized change could not be told from chance.
 */
export function insufficient(t: DriftThresholds, noise: DriftNoise): boolean {
  return noise.psi >= t.psi.retrain || noise.ks >= t.ksStatistic.retrain;
}

/**
 * 'insufficient-data' (see {@link insufficient}), else `driftVerdict` of `values` against the
 * {@link effectiveThresholds}.
 */
export function driftStatus(values: { psi: number; wasserstein?: number; ks: { statistic: number } }, t: DriftThresholds, noise: DriftNoise): DriftStatus {
  return insufficient(t, noise) ? 'insufficient-data' : driftVerdict(values, effectiveThresholds(t, noise));
}

/** The worst drift level among the statuses; 'insufficient-data' only when no row could be judged. */
export function overallVerdict(statuses: readonly DriftStatus[]): DriftStatus {
  for (const level of ['retrain', 'warn', 'ok'] as const) if (statuses.includes(level)) return level;
  return 'insufficient-data';
}

/** `"name retrain: PSI 0.31 >= 0.25, KS 0.12 >= 0.1"`: every metric at or above its (effective) warn level. */
export function driftReason(name: string, v: { psi: number; wasserstein?: number; ks: { statistic: number } }, status: DriftLevel, t: DriftThresholds): string {
  const parts: string[] = [];
  const add = (label: string, value: number | undefined, levels: Levels): void => {
    if (value === undefined || value < levels.warn) return;
    parts.push(`${label} ${value.toPrecision(3)} >= ${fmtLevel(value >= levels.retrain ? levels.retrain : levels.warn)}`);
  };
  add('PSI', v.psi, t.psi);
  add('Wasserstein', v.wasserstein, t.wasserstein);
  add('KS', v.ks.statistic, t.ksStatistic);
  return `${name} ${status}: ${parts.join(', ')}`;
}

/** Why a row got no verdict: `"<what> insufficient-data: <sizes> ... (PSI noise 0.28 >= 0.25)"`. */
export function insufficientReason(what: string, sizes: string, t: DriftThresholds, noise: DriftNoise): string {
  const over = [
    ...(noise.psi >= t.psi.retrain ? [`PSI noise ${fmtLevel(noise.psi)} >= ${t.psi.retrain}`] : []),
    ...(noise.ks >= t.ksStatistic.retrain ? [`KS noise ${fmtLevel(noise.ks)} >= ${t.ksStatistic.retrain}`] : []),
  ];
  return `${what} insufficient-data: ${sizes} are too few to tell a retrain-sized change from sampling noise (${over.join(', ')})`;
}

/** A level for messages: configured levels print as given, noise levels to 3 significant digits. */
export function fmtLevel(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** `"PSI 0.15, KS 0.12"`: the noise levels above their configured warn level (largest over the rows), or null. */
export function raisedNoiseLevels(noises: readonly DriftNoise[], t: DriftThresholds): string | null {
  const parts: string[] = [];
  const add = (label: string, values: readonly (number | null)[], warn: number): void => {
    const top = Math.max(...values.map((v) => v ?? 0));
    if (top > warn) parts.push(`${label} ${fmtLevel(top)}`);
  };
  add('PSI', noises.map((n) => n.psi), t.psi.warn);
  add('Wasserstein', noises.map((n) => n.wasserstein), t.wasserstein.warn);
  add('KS', noises.map((n) => n.ks), t.ksStatistic.warn);
  return parts.length === 0 ? null : parts.join(', ');
}

/** `"1 row"`, `"2 rows"`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

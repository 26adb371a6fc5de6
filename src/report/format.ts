/** Numbers in the report's text and tables (axis labels are formatted by ticks.ts). */

/** 4 significant digits, exponent only for very small or large magnitudes; `n/a` for null or NaN. */
export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
}

/** An integer count with thousands separators: 20,000. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A share as a percentage: 0.0213 → `2.13%` (3 significant digits, at most 2 decimals). */
export function formatPercent(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return 'n/a';
  const p = 100 * share;
  if (p === 0) return '0%';
  const decimals = p >= 10 ? 1 : 2;
  return `${p.toFixed(decimals)}%`;
}

/**
 * A rate near 1 such as ROC-AUC or a rank correlation with fixed decimals (0.99907 → `0.9991`, never
 * shortened to `0.999` or `1`); `n/a` for null or NaN.
 */
export function formatRate(x: number | null, decimals = 4): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(decimals);
}

/**
 * Axis ticks at "nice numbers": steps of 1, 2 or 5 times a power of ten (P. S. Heckbert, "Nice
 * numbers for graph labels", Graphics Gems, 1990, https://doi.org/10.1016/B978-0-08-050753-8.50020-5),
 * and decade ticks for logarithmic axes. Labels are formatted with exactly the decimals the step needs.
 */

/**
 * The tick step for `span` split into about `count` intervals: span / count rounded to 1, 2, 5 or 10
 * times a power of ten (Heckbert's rounding: below 1.5 → 1, below 3 → 2, below 7 → 5, else 10).
 * @param span max - min, > 0 and finite; count >= 1
 */
export function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * power;
}

/**
 * `k * step` computed so that decimal steps stay exact in print: 3 * 0.1 is 0.30000000000000004 but
 * 3 / 10 is 0.3, so a step below 1 divides by its (integer) inverse.
 */
function multiple(k: number, step: number): number {
  const v = step < 1 ? k / Math.round(1 / step) : k * step;
  return v + 0; // -0 -> 0
}

/**
 * Ticks at multiples of {@link niceStep} inside `[min, max]` (both ends included when they are multiples).
 * @param count about how many intervals (default 5); the result has between count/2.5 and 2.5·count + 1 ticks
 */
export function linearTicks(min: number, max: number, count = 5): number[] {
  const [lo, hi] = widen(min, max);
  return stepTicks(lo, hi, niceStep(hi - lo, count));
}

/** The multiples of `step` inside `[lo, hi]`. */
export function stepTicks(lo: number, hi: number, step: number): number[] {
  const ticks: number[] = [];
  // The tolerance keeps an end that is a multiple up to rounding (e.g. 0.3 / 0.1 = 2.9999999999999996).
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) ticks.push(multiple(k, step));
  return ticks;
}

/** `[min, max]` widened outwards to multiples of {@link niceStep}, so the axis starts and ends on a tick. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  const [lo, hi] = widen(min, max);
  return niceDomainWithStep(lo, hi, niceStep(hi - lo, count));
}

/** `[lo, hi]` widened outwards to multiples of `step`. */
export function niceDomainWithStep(lo: number, hi: number, step: number): [number, number] {
  return [multiple(Math.floor(lo / step + 1e-9), step), multiple(Math.ceil(hi / step - 1e-9), step)];
}

/** A range of one value widened to one that can be divided into ticks. */
export function widen(min: number, max: number): [number, number] {
  if (max > min) return [min, max];
  const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
  return [min - pad, max + pad];
}

/** `[min, max]` (both > 0) widened outwards to whole powers of ten. */
export function niceLogDomain(min: number, max: number): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(min) + 1e-9);
  const hi = 10 ** Math.ceil(Math.log10(max) - 1e-9);
  return hi > lo ? [lo, hi] : [lo, lo * 10];
}

/**
 * Ticks of a logarithmic axis over `[min, max]` (both > 0): the powers of ten inside, plus 2× and 5×
 * each power when fewer than three powers fall inside (so a short axis still has labels).
 */
export function logTicks(min: number, max: number): number[] {
  const first = Math.floor(Math.log10(min) + 1e-9);
  const last = Math.ceil(Math.log10(max) - 1e-9);
  const inside = (v: number): boolean => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const decades: number[] = [];
  for (let e = first; e <= last; e++) decades.push(e);
  const mantissas = decades.filter((e) => inside(decimal(1, e))).length >= 3 ? [1] : [1, 2, 5];
  const ticks: number[] = [];
  for (const e of decades) for (const m of mantissas) if (inside(decimal(m, e))) ticks.push(decimal(m, e));
  return ticks;
}

/** m·10^e computed so that negative powers print exactly (10 ** -3 is 0.0010000000000000002). */
function decimal(m: number, e: number): number {
  return e < 0 ? m / 10 ** -e : m * 10 ** e;
}

const SUPERSCRIPT: Readonly<Record<string, string>> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/**
 * A tick label: fixed with as many decimals as `step` has (and thousands separators), so that all
 * labels of an axis line up; `10⁻⁵` style for powers of ten outside 0.001 .. 100,000 on log axes
 * (pass `step` = NaN for a log tick).
 */
export function formatTick(value: number, step: number): string {
  if (Number.isNaN(step)) {
    const e = Math.round(Math.log10(value));
    const isPower = Math.abs(value / decimal(1, e) - 1) < 1e-9;
    if (isPower && (e < -3 || e > 5)) return `10${String(e).replace(/./g, (c) => SUPERSCRIPT[c]!)}`;
    return formatFixed(value, Math.max(0, -Math.floor(Math.log10(value) + 1e-9)));
  }
  return formatFixed(value, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

function formatFixed(value: number, decimals: number): string {
  return (value + 0).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

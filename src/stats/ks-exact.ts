/**
 * Exact null distribution of the two-sample Kolmogorov–Smirnov statistic by lattice-path counting
 * (Hodges 1958, "The significance probability of the Smirnov two-sample test", Ark. Mat. 3, 469-486),
 * in the forms scipy 1.10 uses (`_compute_prob_outside_square`, `_compute_outer_prob_inside_method`
 * with Viehmann's 1-p recursion, https://arxiv.org/abs/2102.08037, `_count_paths_outside_method`).
 * Paths run from (0,0) to (m,n); h is the statistic times lcm(m, n) (an integer).
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const FACTORIAL_TABLE: Float64Array = (() => {
  const t = new Float64Array(171);
  t[0] = 1;
  for (let i = 1; i <= 170; i++) t[i] = t[i - 1]! * i;
  return t;
})();

/** log(N!) for integer N >= 0: exact table below 171, Stirling series (error < 1e-20) above. */
function lnFactorial(nn: number): number {
  if (nn <= 170) return Math.log(FACTORIAL_TABLE[nn]!);
  const x = nn + 1;
  const r = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + (1 / x) * (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r / 1680)));
}

/**
 * Binomial coefficient C(n, k) for integers 0 <= k <= n as scipy.special.binom evaluates it:
 * a product for k < 20 (after k -> n-k symmetry), log-gamma otherwise. Infinity on overflow.
 */
export function binom(n: number, k: number): number {
  let kk = k;
  if (kk > n / 2 && n > 0) kk = n - kk;
  if (kk < 0) return 0;
  if (kk < 20) {
    let num = 1;
    let den = 1;
    for (let i = 1; i <= kk; i++) {
      num *= i + n - kk;
      den *= i;
      if (Math.abs(num) > 1e50) {
        num /= den;
        den = 1;
      }
    }
    return num / den;
  }
  return Math.exp(lnFactorial(n) - lnFactorial(kk) - lnFactorial(n - kk));
}

/** Pr(D_{n,n} >= h/n) for equal sample sizes: 2 (A0 (1 - A1 (1 - A2 (...)))) evaluated Horner-like. */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * Two-sided Pr(D_{m,n} >= h / lcm(m,n)): the share of lattice paths that leave the band
 * |x/m - y/n| < h/lcm, computed column by column over a sliding window as 1 - p directly.
 */
export function probOutsideInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const a = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

/**
 * Number of lattice paths from (0,0) to (m,n) that reach m y <= n x - h g somewhere (one-sided),
 * by Hodges' first-passage decomposition. May overflow to Infinity or lose accuracy for large m, n;
 * the caller checks the result against C(m+n, n).
 */
export function countPathsOutside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  const lxj = n + Math.floor((mg - h) / mg);
  if (lxj <= 0) return binom(m + n, n);
  const xj = new Float64Array(lxj);
  for (let j = 0; j < lxj; j++) xj[j] = Math.floor((h + mg * j + ng - 1) / ng);
  const b = new Float64Array(lxj);
  b[0] = 1;
  for (let j = 1; j < lxj; j++) {
    let bj = binom(xj[j]! + j, j);
    for (let i = 0; i < j; i++) bj -= binom(xj[j]! - xj[i]! + j - i, j - i) * b[i]!;
    b[j] = bj;
  }
  let paths = 0;
  for (let j = 0; j < lxj; j++) paths += b[j]! * binom(m - xj[j]! + (n - j), n - j);
  return paths;
}

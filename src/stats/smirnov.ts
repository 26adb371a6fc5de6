/**
 * One-sided Kolmogorov–Smirnov (Smirnov) survival function Pr(D_n^+ >= x), as scipy.special.smirnov
 * (cephes kolmogorov.c, van Mulbregt 2018, https://arxiv.org/abs/1802.06966). Used by {@link kstwoSf}.
 * Birnbaum–Tingey / Smirnov sum:
 *   sf = x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)
 * All terms are positive; each is evaluated in log space with n*x split exactly into
 * floor + fraction (so 1 - x - v/n has no cancellation). Relative error <~1e-12 (checked against scipy for n <= 2e5).
 */

/** cephes MINLOG = log(2^-1075): exp() of anything below underflows to 0. */
const MINLOG = -745.1332191019412;
const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)

/** Exact floor(n x) and the fraction n x - floor(n x) (error-free product, then split). */
function splitNX(n: number, x: number): { nxfl: number; alpha: number } {
  const p = n * x;
  // Dekker's two-product: p + e == n * x exactly.
  const cn = SPLIT * n;
  const nh = cn - (cn - n);
  const nl = n - nh;
  const cx = SPLIT * x;
  const xh = cx - (cx - x);
  const xl = x - xh;
  const e = nh * xh - p + nh * xl + nl * xh + nl * xl;
  let nxfl = Math.floor(p);
  let alpha = p - nxfl + e;
  if (alpha < 0) {
    nxfl -= 1;
    alpha += 1;
  } else if (alpha >= 1) {
    nxfl += 1;
    alpha -= 1;
  }
  return { nxfl, alpha };
}

/** Pr(D_n^+ >= x) for integer n >= 1 and 0 <= x <= 1 (scipy.special.smirnov(n, x)). */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  if (n === 1) return 1 - x;
  const { nxfl, alpha } = splitNX(n, x);
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x <= 1/n: cdf = x (1 + x)^(n-1)
    return Math.min(1, Math.max(0, 1 - x * Math.exp((n - 1) * Math.log1p(x))));
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return Math.exp(n * Math.log1p(-x)); // x >= 1 - 1/n
  if (n > 1000000) return Math.exp(-((6 * n * x + 1) ** 2) / 18 / n); // scipy's approximation for huge n
  // Last term: floor(n(1-x)) = n - nxfl - 1; when n x is an integer the term v = n - nxfl is 0 anyway.
  const last = n - nxfl - 1;
  let logC = 0; // log C(n, v), accumulated with Neumaier compensation
  let logCComp = 0;
  let sum = 0;
  for (let v = 0; v <= last; v++) {
    const y = (nxfl + v + alpha) / n; // x + v/n
    // log(1 - y) without cancellation: log1p for small y, the exactly split remainder otherwise.
    const logOneMinusY = y < 0.5 ? Math.log1p(-y) : Math.log((n - v - nxfl - alpha) / n);
    const logA = logC + logCComp + (v - 1) * Math.log(y) + (n - v) * logOneMinusY;
    const a = Math.exp(logA);
    sum += a;
    // As scipy: stop once the remaining terms cannot change the sum, or they underflow past the middle.
    if (a !== 0 ? 4 * (last + 1 - v) * a < Number.EPSILON * sum && v !== last : v > n / 2) break;
    const step = Math.log((n - v) / (v + 1));
    const t = logC + step;
    logCComp += Math.abs(logC) >= Math.abs(step) ? logC - t + step : step - t + logC;
    logC = t;
  }
  return Math.min(1, Math.max(0, x * sum));
}

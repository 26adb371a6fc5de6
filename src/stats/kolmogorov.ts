/**
 * Survival function of the two-sided one-sample Kolmogorov statistic D_n (scipy.stats.kstwo.sf),
 * following scipy.stats._ksstats._kolmogn: Simard & L'Ecuyer's choice among exact and approximate
 * methods (https://doi.org/10.18637/jss.v039.i11).
 */
import { kolmogorovCdfDurbin, kolmogorovCdfPomeranz } from './kolmogorov-exact.js';
import { smirnovSf } from './smirnov.js';

const LOG_2PI = Math.log(2 * Math.PI);
const SQRT2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const MIN_LOG = -708;
// B_{2j} / (2j) / (2j-1) for j = 8..1 (Stirling series), highest power first.
const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** log(n! / n^n) by Stirling's series with n log n removed up front (no cancellation). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const y = rn / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * y + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/**
 * Pelz–Good approximation of Pr(D_n <= x) (JRSS B 38(2), 1976): the Li-Chien/Korolyuk expansion
 * K0 + K1/sqrt(n) + K2/n + K3/n^1.5 rewritten with Jacobi theta identities for small z = x sqrt(n).
 */
function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  // Horner scheme over odd m = 2k-1 of sum c_m q^(m^2).
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m2 = (2 * k - 1) ** 2;
    const qp = q ** (8 * k);
    s0 = s0 * qp + 1;
    s1 = s1 * qp + (k1a + k1b * m2);
    s2 = s2 * qp + (k2a + k2b * m2 + k2c * m2 * m2);
    s3 = s3 * qp + (k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 * m2 * m2);
  }
  s0 = (s0 * q * SQRT2PI) / z;
  s1 = (s1 * q * SQRT2PI) / (6 * z4);
  s2 = (s2 * q * SQRT2PI) / (72 * z ** 7);
  s3 = (s3 * q * SQRT2PI) / (6480 * z ** 10);
  // Remaining sums over all integers k for K2 and K3.
  q = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  s2 += (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  s3 += (k3extra * PI2 * SQRT2PI) / (216 * z6);
  return s0 + s1 / Math.sqrt(n) + s2 / n + s3 / n ** 1.5;
}

/**
 * Pr(D_n >= x) for the two-sided one-sample Kolmogorov–Smirnov statistic with sample size n
 * (= scipy.stats.kstwo.sf(x, n), scipy 1.10). Method by region, as scipy's `_kolmogn`:
 * Ruben–Gambino closed forms for n x <= 1 and n x >= n-1; 2 * smirnov(n, x) for x >= 0.5;
 * for n <= 140 Durbin/MTW (n x^2 <= 0.754693), Pomeranz (<= 4) else 2 * smirnov;
 * for n > 140 0 (n x^2 >= 370), 2 * smirnov (>= 2.2), else 1 - CDF by Durbin/MTW
 * (n <= 1e5 and n x^1.5 <= 1.4) or Pelz–Good.
 * @param x statistic in [0, 1]; n positive integer
 */
export function kstwoSf(x: number, n: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1 - kolmogorovCdfDurbin(n, x));
    if (nx2 <= 4) return clip01(1 - kolmogorovCdfPomeranz(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  const useDurbin = n <= 100000 && n * x ** 1.5 <= 1.4;
  const cdf = clip01(useDurbin ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x));
  return clip01(1 - cdf);
}

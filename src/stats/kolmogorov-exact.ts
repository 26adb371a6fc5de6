/**
 * Exact CDF of the two-sided one-sample Kolmogorov statistic, Pr(D_n <= d), by the two matrix/recursion
 * algorithms scipy.stats._ksstats uses (Simard & L'Ecuyer 2011, https://doi.org/10.18637/jss.v039.i11):
 * Durbin's matrix in the Marsaglia–Tsang–Wang form (https://doi.org/10.18637/jss.v008.i18) and
 * Pomeranz's recursion (CACM 17(12), 1974). Intermediate results are rescaled by 2^128 and the
 * exponent is tracked separately, as scipy does.
 */
const E128 = 128;
const P128 = 2 ** 128;
const M128 = 2 ** -128;

/** x * 2^e without overflowing in the intermediate step. */
function ldexp(x: number, e: number): number {
  let y = x;
  let k = e;
  while (k > 1000) {
    y *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    y *= 2 ** -1000;
    k += 1000;
  }
  return y * 2 ** k;
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return out;
}

/** Pr(D_n <= d) by Durbin's matrix H^n (Marsaglia, Tsang & Wang 2003). Memory O(m^2), m = 2 ceil(nd) - 1. */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // v[j] = (1 - h^(j+1)) / (j+1)!, w[j] = 1 / j!
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  v[m - 1] = (1 + (Math.max(2 * h - 1, 0) ** m - 2 * h ** m)) * fac;
  let hm = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) hm[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) hm[r * m] = v[r]!;
  for (let c = 0; c < m; c++) hm[(m - 1) * m + c] = v[m - 1 - c]!;

  let pw = new Float64Array(m * m);
  for (let i = 0; i < m; i++) pw[i * m + i] = 1;
  let expnt = 0;
  let hExpnt = 0;
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      pw = matmul(pw, hm, m);
      expnt += hExpnt;
    }
    hm = matmul(hm, hm, m);
    hExpnt *= 2;
    if (Math.abs(hm[(k - 1) * m + k - 1]!) > P128) {
      for (let i = 0; i < hm.length; i++) hm[i]! *= M128;
      hExpnt += E128;
    }
  }
  let p = pw[(k - 1) * m + k - 1]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n; // times n! / n^n
    if (Math.abs(p) < M128) {
      p *= P128;
      expnt -= E128;
    }
  }
  return Math.min(1, Math.max(0, ldexp(p, expnt)));
}

/** Interval [j1, j2] of the non-zero entries of row i in Pomeranz's recursion (scipy's indexing). */
function pomeranzRange(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(D_n <= x) by Pomeranz's recursion: each row is the previous one convolved with Poisson-like weights. */
export function kolmogorovCdfPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  // (g/n)^m/m!, (2g/n)^m/m!, ((1-2g)/n)^m/m!
  const gp = new Float64Array(npwrs);
  const g2p = new Float64Array(npwrs);
  const g12p = new Float64Array(npwrs);
  gp[0] = g2p[0] = g12p[0] = 1;
  for (let m = 1; m < npwrs; m++) {
    gp[m] = (gp[m - 1]! * (g / n)) / m;
    g2p[m] = (g2p[m - 1]! * ((2 * g) / n)) / m;
    g12p[m] = (g12p[m - 1]! * ((1 - 2 * g) / n)) / m;
  }
  let v0 = new Float64Array(npwrs);
  let v1 = new Float64Array(npwrs);
  v1[0] = 1;
  let v0s = 0;
  let v1s = 0;
  let expnt = 0;
  let [j1, j2] = pomeranzRange(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0s, v1s] = [v1s, v0s];
    v1.fill(0);
    [j1, j2] = pomeranzRange(i, n, ll, ceilf, roundf);
    const pw = i === 1 || i === 2 * n + 1 ? gp : i % 2 ? g2p : g12p;
    const ln2 = j2 - k1 + 1;
    if (ln2 <= 0) continue;
    // conv = convolve(v0[k1-v0s : k1-v0s+ln2], pw[:ln2]); keep conv[j1-k1 .. j2-k1] in v1[0..]
    const a0 = k1 - v0s;
    const aLen = Math.min(ln2, npwrs - a0);
    let max = 0;
    for (let c = j1 - k1, o = 0; c <= j2 - k1; c++, o++) {
      let s = 0;
      for (let q = Math.max(0, c - ln2 + 1); q <= Math.min(c, aLen - 1); q++) s += v0[a0 + q]! * pw[c - q]!;
      v1[o] = s;
      if (s > max) max = s;
    }
    if (max > 0 && max < M128) {
      for (let o = 0; o < npwrs; o++) v1[o]! *= P128;
      expnt -= E128;
    }
    v1s = v0s + j1 - k1;
  }
  let ans = v1[n - v1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > P128) {
      ans *= M128;
      expnt += E128;
    }
    ans *= m;
  }
  return Math.min(1, Math.max(0, ldexp(ans, expnt)));
}

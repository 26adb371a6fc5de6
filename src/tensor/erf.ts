/**
 * The error function, accurate to float32 (relative error < ~1.2e-7 over the real line).
 *
 * |x| < 0.5: the Maclaurin series erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)),
 * truncated after 11 terms (remainder < 1e-14 there).
 * |x| >= 0.5: erf = 1 - erfc with the Chebyshev-fitted erfc of Numerical Recipes in C, 2nd ed.,
 * section 6.2 (`erfcc`, fractional error < 1.2e-7 everywhere). Near zero erfc alone would lose
 * erf's relative accuracy, hence the series there.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SERIES: Float64Array = (() => {
  const c = new Float64Array(11);
  let fact = 1;
  for (let n = 0; n < c.length; n++) {
    if (n > 0) fact *= n;
    c[n] = (TWO_OVER_SQRT_PI * (n % 2 === 0 ? 1 : -1)) / (fact * (2 * n + 1));
  }
  return c;
})();

/** Complementary error function for z = |x| (Numerical Recipes `erfcc`). */
function erfcAbs(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  return (
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
          t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  );
}

/** erf(x) as a double, accurate to float32 precision. */
export function erfScalar(x: number): number {
  const z = Math.abs(x);
  if (z < 0.5) {
    const x2 = x * x;
    let s = SERIES[10]!;
    for (let n = 9; n >= 0; n--) s = s * x2 + SERIES[n]!;
    return x * s;
  }
  const r = 1 - erfcAbs(z);
  return x < 0 ? -r : r;
}

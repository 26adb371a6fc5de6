/** Naive references for the ECOD tests, written from docs/ecod.md independently of src/ecod. */

/** sign(sum (x - mean)^3) over the rows, in row order. */
export function naiveSkewSign(col: readonly number[]): number {
  const mean = col.reduce((a, b) => a + b, 0) / col.length;
  const m3 = col.reduce((a, v) => a + (v - mean) ** 3, 0);
  return Math.sign(m3);
}

function combine(ul: number, ur: number, g: number): number {
  const us = g < 0 ? ul : g > 0 ? ur : ul + ur;
  return Math.max(us, (ul + ur) / 2);
}

/** One feature's ECOD term for a value x that occurs in the column: the paper's formulas by counting. */
function atTrainingValue(col: readonly number[], x: number, g: number): number {
  const n = col.length;
  const left = col.filter((c) => c <= x).length / n;
  const right = col.filter((c) => c >= x).length / n;
  return combine(-Math.log(left), -Math.log(right), g);
}

/**
 * One feature's ECOD term for any value: the paper's formulas at training values; beyond the range the
 * tail probability 1/(n+1); between two training values the lower of their two terms.
 */
export function naiveFeatureScore(col: readonly number[], x: number, g: number): number {
  const n = col.length;
  if (col.includes(x)) return atTrainingValue(col, x, g);
  const lower = col.filter((c) => c < x);
  const upper = col.filter((c) => c > x);
  if (lower.length === 0) return combine(Math.log(n + 1), 0, g);
  if (upper.length === 0) return combine(0, Math.log(n + 1), g);
  return Math.min(atTrainingValue(col, Math.max(...lower), g), atTrainingValue(col, Math.min(...upper), g));
}

/** Column j of a row-major matrix. */
export function column(data: ArrayLike<number>, cols: number, j: number): number[] {
  const out: number[] = [];
  for (let i = j; i < data.length; i += cols) out.push(data[i]!);
  return out;
}

/**
 * Round to the nearest integer, ties to even (numpy `rint`/`round`, C `nearbyint`, and the
 * rounding ONNX's quantization ops specify). `Math.round` rounds ties up, so a tie that landed on
 * an odd integer steps back by one: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -1.5 -> -2.
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

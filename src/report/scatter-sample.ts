/** Which points a float vs int8 scatter draws, so that the chart stays small and shows what matters. */

/**
 * Row indices for a scatter of two scores of the same rows with `max` points at most: the rows whose
 * decision `score > threshold` differs between the two (up to max / 2, evenly spread), the rows both
 * flag (up to max / 2 in all), then an even spread of the rest by `a`'s score.
 * @param a scores `[n]` (the float model's), b scores `[n]` (the int8 model's)
 * @returns the chosen rows' scores, in row order
 */
export function scatterSample(a: Float32Array, b: Float32Array, threshold: number, max: number): { float: number[]; quantized: number[] } {
  const n = a.length;
  const flipped: number[] = [];
  const flagged: number[] = [];
  for (let i = 0; i < n; i++) {
    if (a[i]! > threshold !== b[i]! > threshold) flipped.push(i);
    else if (a[i]! > threshold) flagged.push(i);
  }
  const chosen = new Set<number>();
  const spread = (from: readonly number[], count: number): void => {
    const k = Math.min(from.length, count);
    for (let j = 0; j < k; j++) chosen.add(from[Math.floor(((j + 0.5) * from.length) / k)]!);
  };
  spread(flipped, Math.floor(max / 2));
  spread(flagged, Math.floor(max / 2) - chosen.size);
  spread(Array.from({ length: n }, (_, i) => i).sort((x, y) => a[x]! - a[y]! || x - y), max - chosen.size);
  const rows = [...chosen].sort((x, y) => x - y);
  return { float: rows.map((i) => a[i]!), quantized: rows.map((i) => b[i]!) };
}

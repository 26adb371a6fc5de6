/**
 * c(n), the isolation-depth normaliser: part of what a forest's leaf contributes to a path length, so
 * it lives with the forest shape (forest.ts) where the forest, its compiled form and its ONNX
 * exporter all read it.
 */

// Euler–Mascheroni constant (numpy.euler_gamma).
const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of `n` points,
 * used to normalise isolation depths (Liu, Ting & Zhou 2008, eq. 1,
 * https://doi.org/10.1109/ICDM.2008.17). Small cases as scikit-learn's `_average_path_length`:
 * c(n) = 0 for n <= 1, 1 for n = 2, else 2 (ln(n - 1) + gamma) - 2 (n - 1) / n.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

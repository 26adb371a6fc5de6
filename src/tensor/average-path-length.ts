/**
 * c(n), the isolation-depth normaliser. A scalar special function like erfScalar; it lives in the
 * bottom layer because both the isolation forest (../iforest) and its ONNX exporter (../onnx-writer)
 * must compute the identical value, and the writer takes only types from the models.
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

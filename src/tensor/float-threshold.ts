/**
 * Float32 split thresholds that give exactly the branch decisions of float64 thresholds for float32
 * inputs. scikit-learn (and dadm's IsolationForest) test `float64(x) <= t` with `x` a float32 and `t`
 * a float64; ONNX TreeEnsemble* thresholds are float32 attributes compared as float32.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 just below `f` (a float32 value): the next representable value towards -Infinity. */
export function nextDownFloat32(f: number): number {
  if (Number.isNaN(f) || f === -Infinity) return f;
  if (f === 0) return -(2 ** -149);
  F32[0] = f;
  // Positive values step down by decreasing the bit pattern, negative ones by increasing it.
  U32[0] = f > 0 ? U32[0]! - 1 : U32[0]! + 1;
  return F32[0]!;
}

/**
 * The largest float32 `f` with `f <= t`. For every float32 `x`: `x <= t` ⇔ `x <= f`, because
 * `x <= f <= t` gives one direction and `f` being the largest float32 not above `t` gives the other.
 * So a BRANCH_LEQ node with threshold `f` sends every float32 input the way `float64(x) <= t` does.
 * `Math.fround(t)` rounds to nearest, which may land above `t`; then the value just below it is `f`.
 * Thresholds below -3.4028235e38 map to -Infinity, above it to 3.4028235e38 (finite), ±Infinity to
 * themselves; NaN stays NaN (callers reject it).
 * @param t a float64 threshold
 */
export function floatThresholdBelow(t: number): number {
  const f = Math.fround(t);
  return f > t ? nextDownFloat32(f) : f;
}

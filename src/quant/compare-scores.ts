import { DataError, InvalidOptionError, ShapeError } from '../errors.js';

/** How far a quantized model's anomaly scores are from the float model's. */
export interface ScoreComparison {
  /** `max_i |quant_i - float_i|`. */
  maxAbsDiff: number;
  /** `max_i |quant_i - float_i| / |float_i|` (0 where both are 0, Infinity where only float_i is 0). */
  maxRelDiff: number;
  /** Fraction of rows whose decision `score > threshold` differs between the two models. */
  flipFraction: number;
  /** With labels: fraction of rows where `float_i > threshold` equals `label_i === 1`; else null. */
  floatAccuracy: number | null;
  /** With labels: the same for the quantized scores; else null. */
  quantAccuracy: number | null;
}

/**
 * Compares float and quantized anomaly scores for the CLI's accuracy report. Sign convention: a higher
 * score is more anomalous and a row is flagged when `score > threshold`. Rank agreement (Spearman) and
 * ROC-AUC live in src/stats.
 *
 * @param floatScores `[n]` scores of the float model.
 * @param quantScores `[n]` scores of the quantized model, same rows.
 * @param threshold decision threshold (finite).
 * @param labels optional `[n]` ground truth, 1 = anomaly, 0 = normal.
 * @throws ShapeError when the lengths differ or are 0.
 * @throws DataError when a score is not finite or a label is not 0/1.
 * @throws InvalidOptionError when the threshold is not finite.
 */
export function compareScores(
  floatScores: ArrayLike<number>,
  quantScores: ArrayLike<number>,
  threshold: number,
  labels?: ArrayLike<number>,
): ScoreComparison {
  const n = floatScores.length;
  if (n === 0 || quantScores.length !== n || (labels !== undefined && labels.length !== n)) {
    const lens = `${n}, ${quantScores.length}` + (labels === undefined ? '' : `, ${labels.length}`);
    throw new ShapeError(`compareScores: floatScores, quantScores (and labels) must have the same non-zero length, got ${lens}`, 'compareScores');
  }
  if (!Number.isFinite(threshold)) {
    throw new InvalidOptionError(`compareScores: threshold must be a finite number, got ${threshold}`, 'threshold');
  }
  let maxAbsDiff = 0;
  let maxRelDiff = 0;
  let flips = 0;
  let floatHits = 0;
  let quantHits = 0;
  for (let i = 0; i < n; i++) {
    const f = floatScores[i]!;
    const q = quantScores[i]!;
    if (!Number.isFinite(f) || !Number.isFinite(q)) {
      throw new DataError(`compareScores: scores must be finite, got float ${f} and quant ${q} at row ${i}`);
    }
    const diff = Math.abs(q - f);
    if (diff > maxAbsDiff) maxAbsDiff = diff;
    const rel = diff === 0 ? 0 : f === 0 ? Infinity : diff / Math.abs(f);
    if (rel > maxRelDiff) maxRelDiff = rel;
    const floatFlag = f > threshold;
    const quantFlag = q > threshold;
    if (floatFlag !== quantFlag) flips++;
    if (labels !== undefined) {
      const label = labels[i]!;
      if (label !== 0 && label !== 1) throw new DataError(`compareScores: labels must be 0 or 1, got ${label} at row ${i}`);
      if (floatFlag === (label === 1)) floatHits++;
      if (quantFlag === (label === 1)) quantHits++;
    }
  }
  return {
    maxAbsDiff,
    maxRelDiff,
    flipFraction: flips / n,
    floatAccuracy: labels === undefined ? null : floatHits / n,
    quantAccuracy: labels === undefined ? null : quantHits / n,
  };
}

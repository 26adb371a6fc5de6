/**
 * dadm statistics: drift measures (PSI, Wasserstein-1, two-sample KS), quantiles and ranking metrics.
 * Pure functions over Float32Array/Float64Array computed in float64; inputs are never modified and
 * NaN/Infinity are refused with a DataError naming the index.
 */
export type { FloatArray } from './validate.js';
export { sortAscending } from './sort.js';
export { quantile, quantileSorted } from './quantile.js';
export { psi, psiFromProportions, psiSorted, binCounts, binCountsSorted } from './psi.js';
export type { PsiOptions, PsiResult } from './psi.js';
export { wasserstein1, wasserstein1Sorted } from './wasserstein.js';
export { ks2samp } from './ks-2samp.js';
export type { Ks2sampOptions, Ks2sampResult, KsAlternative, KsMethod } from './ks-2samp.js';
export { kstwoSf } from './kolmogorov.js';
export { rankData, spearman } from './ranking.js';
export { rocAuc, averagePrecision, precisionRecallAt, operatingPointsAtFpr, bestF1 } from './classification-metrics.js';
export type { Labels, PrecisionRecall, OperatingPoint } from './classification-metrics.js';
export { rocCurve, precisionRecallCurve } from './roc-curve.js';
export type { RocCurve, PrecisionRecallCurve } from './roc-curve.js';
export { fitThreshold, impliedFalsePositiveRate, type ThresholdSpec, type FittedThreshold } from './threshold.js';
export { spreadRatio, spreadWeights } from './spread-weights.js';
export { fitCalibration, applyCalibration, combineScores, type CombinationRule, type Calibration, type CalibrationMethod, type RobustZCalibration, type EcdfCalibration, type FitCalibrationOptions } from './calibration.js';
export { summarizeReference, compareToReference, driftVerdict, DEFAULT_DRIFT_THRESHOLDS } from './drift.js';
export type { ReferenceSummary, SummarizeOptions, FeatureDrift, DriftThresholds, DriftLevel, Levels } from './drift.js';
export { DRIFT_NOISE_ALPHA, ksNoiseLevel, psiNoiseLevel, wassersteinNoiseLevel } from './drift-noise.js';

/** The checkpoint layout of a fitted ECOD: flat typed arrays plus JSON metadata (docs/ecod.md). */
import { FormatError } from '../errors.js';
import { featureSteps, type StepTables } from '../model-spec/index.js';
import { stepFunctionProblem } from '../tensor/index.js';
import { resolveEcodOptions, type ResolvedEcodOptions } from './options.js';

/** ECOD's fitted per-feature tables (model-spec's flat step tables; values are scores >= 0). */
export type EcodArrays = StepTables;

/** JSON-able metadata of a fitted ECOD. */
export interface EcodMeta {
  format: 'dadm.ecod';
  version: 1;
  options: ResolvedEcodOptions;
  /** Columns of X at fit. */
  nFeaturesIn: number;
  /** Rows of X at fit (n of the empirical distributions). */
  nSamples: number;
  /** Per feature, the sign of its skewness at fit: -1, 0 or +1 (informative; the tables encode it). */
  skewSigns: number[];
}

/** Copies of the three arrays (a checkpoint never shares buffers with a live model). */
export function copyEcodArrays(a: EcodArrays): EcodArrays {
  return { thresholds: a.thresholds.slice(), values: a.values.slice(), offsets: a.offsets.slice() };
}

/**
 * Checks arrays and metadata as {@link ECOD.fromArrays} receives them.
 * @throws FormatError naming the first field that is wrong
 */
export function checkEcodArrays(a: EcodArrays, meta: EcodMeta, where: string): void {
  const bad = (what: string): never => {
    throw new FormatError(`${where}: ${what}`, 'ECOD');
  };
  if (typeof meta !== 'object' || meta === null || meta.format !== 'dadm.ecod' || meta.version !== 1) {
    bad(`meta.format/version must be 'dadm.ecod'/1, got ${String(meta?.format)}/${String(meta?.version)}`);
  }
  try {
    resolveEcodOptions(meta.options);
  } catch (e) {
    bad(`meta.options must be valid options, got ${e instanceof Error ? e.message : String(e)}`);
  }
  const D = meta.nFeaturesIn;
  if (!(Number.isSafeInteger(D) && D >= 1)) bad(`meta.nFeaturesIn must be an integer >= 1, got ${D}`);
  if (!(Number.isSafeInteger(meta.nSamples) && meta.nSamples >= 2)) bad(`meta.nSamples must be an integer >= 2, got ${meta.nSamples}`);
  if (!Array.isArray(meta.skewSigns) || meta.skewSigns.length !== D || !meta.skewSigns.every((g) => g === -1 || g === 0 || g === 1)) {
    bad(`meta.skewSigns must hold nFeaturesIn = ${D} values of -1, 0 or 1, got ${JSON.stringify(meta.skewSigns)}`);
  }
  if (!(a?.thresholds instanceof Float32Array && a.values instanceof Float64Array && a.offsets instanceof Int32Array)) {
    bad('arrays must be { thresholds: Float32Array, values: Float64Array, offsets: Int32Array }');
  }
  const T = a.thresholds.length;
  if (a.offsets.length !== D + 1 || a.offsets[0] !== 0 || a.offsets[D] !== T) {
    bad(`arrays.offsets must have nFeaturesIn + 1 = ${D + 1} entries from 0 to thresholds.length = ${T}, got length ${a.offsets.length}`);
  }
  if (a.values.length !== T + D) bad(`arrays.values must have thresholds.length + nFeaturesIn = ${T + D} entries, got ${a.values.length}`);
  for (let j = 0; j < D; j++) {
    if (!(a.offsets[j + 1]! >= a.offsets[j]!)) bad(`arrays.offsets must be non-decreasing, got ${a.offsets[j]} then ${a.offsets[j + 1]} at feature ${j}`);
    const f = featureSteps(a, j);
    const problem = stepFunctionProblem(f);
    if (problem !== null) bad(`feature ${j} ${problem}`);
    const negative = f.values.findIndex((v) => v < 0);
    if (negative >= 0) bad(`feature ${j} values must be >= 0, got ${f.values[negative]} at step ${negative}`);
  }
}

/**
 * Every option check of {@link IsolationForest} lives here: the constructor-time checks in
 * {@link resolveOptions} and the checks that need the data's size in {@link resolveSizes}.
 * Messages follow scikit-learn's wording, e.g.
 * "The 'contamination' option of IsolationForest must be a number in (0, 0.5] or 'auto'. Got 0.7 instead."
 */
import { InvalidOptionError } from '../errors.js';
import { resolveThreads, type ThreadsOption } from '../tensor/index.js';

/**
 * Options of {@link IsolationForest} (scikit-learn's names in camelCase).
 *
 * JavaScript has one number type, so `1` and `1.0` are the same value. The rule used for
 * `maxSamples` and `maxFeatures`: a number in (0, 1] is a fraction of the rows/columns (so `1` means
 * "all", like scikit-learn's `1.0`), a number above 1 must be an integer and is a count. To ask for
 * exactly one column, pass any fraction below 2/cols (it is floored, with a minimum of 1).
 */
export interface IsolationForestOptions {
  /** Number of trees, an integer >= 1. Default 100. */
  nEstimators?: number;
  /** Rows drawn per tree: 'auto' = min(256, rows), an integer > 1, or a fraction in (0, 1]. Default 'auto'. */
  maxSamples?: 'auto' | number;
  /** Columns drawn per tree: an integer > 1 or a fraction in (0, 1] (floored, at least 1). Default 1 (all). */
  maxFeatures?: number;
  /** Draw each tree's rows with replacement. Default false. */
  bootstrap?: boolean;
  /** Expected share of outliers, sets `offset`: 'auto' (offset -0.5) or a number in (0, 0.5]. Default 'auto'. */
  contamination?: 'auto' | number;
  /** Seed of the {@link Random} generator used by `fit`, a non-negative safe integer. Default 0. */
  seed?: number;
  /**
   * Threads that score (the calling one included): 'auto' (every core up to 4) or an integer >= 1.
   * Scores do not depend on it. An execution choice, not part of the model: checkpoints do not keep
   * it. Default 1.
   */
  threads?: ThreadsOption;
}

/** {@link IsolationForestOptions} with every default filled in (the model's options: threads apart). */
export type ResolvedOptions = Required<Omit<IsolationForestOptions, 'threads'>>;

/** Per-fit sizes derived from the options and the data. */
export interface ForestSizes {
  /** Rows per tree (scikit-learn's `max_samples_`). */
  maxSamples: number;
  /** Columns per tree (scikit-learn's `max_features_`). */
  maxFeatures: number;
  /** `ceil(log2(max(maxSamples, 2)))`: the depth at which growth stops. */
  maxDepth: number;
  /** Warnings scikit-learn would emit (never printed). */
  warnings: string[];
}

const DEFAULTS: ResolvedOptions = {
  nEstimators: 100,
  maxSamples: 'auto',
  maxFeatures: 1,
  bootstrap: false,
  contamination: 'auto',
  seed: 0,
};

const KNOWN = Object.keys(DEFAULTS);

function fmtValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function fail(option: string, constraint: string, got: unknown): never {
  throw new InvalidOptionError(
    `The '${option}' option of IsolationForest must be ${constraint}. Got ${fmtValue(got)} instead.`,
    option,
  );
}

function isFraction(v: unknown): v is number {
  return typeof v === 'number' && v > 0 && v <= 1;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 1;
}

/**
 * Fills defaults and checks every option that does not depend on the data.
 * @throws InvalidOptionError for an unknown option name or a value outside its range.
 */
export function resolveOptions(options: IsolationForestOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(`IsolationForest: options must be an object, got ${fmtValue(options)}`, 'options');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key) && key !== 'threads') {
      throw new InvalidOptionError(
        `IsolationForest: option names must be one of ${KNOWN.join(', ')}, threads, got '${key}'`,
        key,
      );
    }
  }
  const o: ResolvedOptions = { ...DEFAULTS };
  for (const key of KNOWN as (keyof ResolvedOptions)[]) {
    if (options[key] !== undefined) Object.assign(o, { [key]: options[key] });
  }
  if (!(typeof o.nEstimators === 'number' && Number.isSafeInteger(o.nEstimators) && o.nEstimators >= 1)) {
    fail('nEstimators', 'an integer >= 1', o.nEstimators);
  }
  if (!(o.maxSamples === 'auto' || isFraction(o.maxSamples) || isCount(o.maxSamples))) {
    fail('maxSamples', "'auto', an integer > 1 or a number in (0, 1]", o.maxSamples);
  }
  if (!(isFraction(o.maxFeatures) || isCount(o.maxFeatures))) {
    fail('maxFeatures', 'an integer > 1 or a number in (0, 1]', o.maxFeatures);
  }
  if (typeof o.bootstrap !== 'boolean') fail('bootstrap', 'a boolean', o.bootstrap);
  if (!(o.contamination === 'auto' || (typeof o.contamination === 'number' && o.contamination > 0 && o.contamination <= 0.5))) {
    fail('contamination', "a number in (0, 0.5] or 'auto'", o.contamination);
  }
  if (!(typeof o.seed === 'number' && Number.isSafeInteger(o.seed) && o.seed >= 0)) {
    fail('seed', 'a non-negative safe integer', o.seed);
  }
  return o;
}

/** The scoring thread count of `options`. @throws InvalidOptionError (scikit-learn wording) */
export function resolveScoringThreads(options: IsolationForestOptions): number {
  const t = options.threads ?? 1;
  if (!(t === 'auto' || (Number.isInteger(t) && t >= 1))) fail('threads', "'auto' or an integer >= 1", t);
  return resolveThreads(t);
}

/**
 * Rows and columns per tree for data of `rows` x `cols`, as scikit-learn's `IsolationForest.fit`
 * and `BaseBagging._fit` compute them. An integer `maxSamples` above `rows` is clipped to `rows`
 * with a warning (returned, not printed).
 * @throws InvalidOptionError when `maxFeatures` exceeds `cols` or fewer than 2 rows per tree result.
 */
export function resolveSizes(o: ResolvedOptions, rows: number, cols: number): ForestSizes {
  const warnings: string[] = [];
  let maxSamples: number;
  if (o.maxSamples === 'auto') {
    maxSamples = Math.min(256, rows);
  } else if (isCount(o.maxSamples)) {
    maxSamples = o.maxSamples;
    if (maxSamples > rows) {
      warnings.push(
        `IsolationForest.fit: maxSamples (${maxSamples}) is greater than the total number of samples (${rows}). ` +
          'maxSamples will be set to n_samples for estimation.',
      );
      maxSamples = rows;
    }
  } else {
    maxSamples = Math.floor(o.maxSamples * rows);
  }
  if (maxSamples < 2) {
    fail('maxSamples', `a size that gives at least 2 rows per tree (data has ${rows} rows)`, o.maxSamples);
  }
  const maxFeatures = isCount(o.maxFeatures) ? o.maxFeatures : Math.max(Math.floor(o.maxFeatures * cols), 1);
  if (maxFeatures > cols) {
    fail('maxFeatures', `at most the number of columns (${cols})`, o.maxFeatures);
  }
  let maxDepth = 0;
  while (2 ** maxDepth < maxSamples) maxDepth++;
  return { maxSamples, maxFeatures, maxDepth, warnings };
}

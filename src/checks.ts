/**
 * The value checks shared by config.yaml and the library's own option checks: a {@link Check} says
 * what is allowed (completing "must be ...") and tests a value. config's key table is built from
 * them, and a fact both sides check (the learning rate's range) is one constant here.
 */

/** A value constraint: `allowed` completes "must be ..." in error messages. */
export interface Check {
  readonly allowed: string;
  test(value: unknown): boolean;
}

/** A finite number. */
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A safe integer. */
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** One of the given strings. */
export function oneOf(values: readonly string[]): Check {
  return { allowed: `one of ${values.join(', ')}`, test: (v) => typeof v === 'string' && values.includes(v) };
}

/** An integer in `[min, max]`. */
export function intIn(min: number, max: number): Check {
  return { allowed: `an integer in [${min}, ${max}]`, test: (v) => isInt(v) && v >= min && v <= max };
}

export const bool: Check = { allowed: 'true or false', test: (v) => typeof v === 'boolean' };
export const positiveInt: Check = { allowed: 'a positive integer', test: (v) => isInt(v) && v > 0 };
export const nonNegativeInt: Check = { allowed: 'a non-negative integer', test: (v) => isInt(v) && v >= 0 };
export const positiveNumber: Check = { allowed: 'a positive number', test: (v) => isNumber(v) && v > 0 };
export const nonNegativeNumber: Check = { allowed: 'a non-negative number', test: (v) => isNumber(v) && v >= 0 };
export const openUnit: Check = { allowed: 'a number in (0, 1)', test: (v) => isNumber(v) && v > 0 && v < 1 };
export const halfOpenUnit: Check = { allowed: 'a number in [0, 1)', test: (v) => isNumber(v) && v >= 0 && v < 1 };
export const closedUnit: Check = { allowed: 'a number in [0, 1]', test: (v) => isNumber(v) && v >= 0 && v <= 1 };
export const fraction: Check = { allowed: 'a number in (0, 1]', test: (v) => isNumber(v) && v > 0 && v <= 1 };

/**
 * An optimizer's learning rate, for `training.learning_rate` and every Optimizer: a positive finite
 * number. Zero is refused too (PyTorch accepts it): a step of size 0 changes nothing, so a run with
 * it would train nothing and report success.
 */
export const LEARNING_RATE: Check = positiveNumber;

/**
 * Most training epochs a run may ask for. An epoch over even a tiny file takes milliseconds, so more
 * than this is a slip (`--epochs 1e12` would run for years); early stopping ends real runs far sooner.
 */
export const MAX_EPOCHS = 100_000;
/** `training.epochs` and `--epochs`. */
export const EPOCHS: Check = intIn(1, MAX_EPOCHS);

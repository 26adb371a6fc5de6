/**
 * The option checks of {@link ECOD}, in scikit-learn's wording, e.g.
 * "The 'tolerance' option of ECOD must be a number in [0, 1]. Got -1 instead."
 */
import { InvalidOptionError } from '../errors.js';

/** Options of {@link ECOD}. */
export interface EcodOptions {
  /**
   * Largest change, in the per-feature score (nats), allowed when adjacent steps of a feature's
   * scoring table are merged into one; a merged step scores the midpoint of the steps it covers, so
   * no per-feature score moves by more than `tolerance`. 0 keeps one step per distinct training value,
   * so scoring the training rows gives exactly ECOD's training scores. A number in [0, 1]; default 0.
   * Larger values shrink the tables (and the exported ONNX graph) on large continuous data.
   */
  tolerance?: number;
}

/** {@link EcodOptions} with every default filled in. */
export type ResolvedEcodOptions = Required<EcodOptions>;

const DEFAULTS: ResolvedEcodOptions = { tolerance: 0 };
const KNOWN = Object.keys(DEFAULTS);

function fmtValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v);
  return String(v);
}

/**
 * Fills defaults and checks every option.
 * @throws InvalidOptionError for an unknown option name or a value outside its range.
 */
export function resolveEcodOptions(options: EcodOptions = {}): ResolvedEcodOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(`ECOD: options must be an object, got ${fmtValue(options)}`, 'options');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new InvalidOptionError(`ECOD: option names must be one of ${KNOWN.join(', ')}, got '${key}'`, key);
    }
  }
  const tolerance = options.tolerance ?? DEFAULTS.tolerance;
  if (!(typeof tolerance === 'number' && tolerance >= 0 && tolerance <= 1)) {
    throw new InvalidOptionError(`The 'tolerance' option of ECOD must be a number in [0, 1]. Got ${fmtValue(tolerance)} instead.`, 'tolerance');
  }
  return { tolerance };
}

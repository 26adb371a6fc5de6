/**
 * dadm's memory budget: every size a file asks for (array shapes, member sizes, tensor dims, ONNX
 * shapes, YAML node counts) is checked against these limits **before** anything is allocated, so a
 * hostile or broken file costs a one-line {@link LimitError} instead of gigabytes of memory. Defaults
 * fit dadm's own models and data with a wide margin; raise a limit through the `limits` option of
 * the reader (library) or the config section `limits` (CLI). docs/limits.md lists every limit.
 */
import { InvalidOptionError, LimitError } from './errors.js';

/** The raisable limits, all in bytes except the YAML counts. */
export interface Limits {
  /**
   * Largest single array a file or model may ask for: an .npy array, an .npz member (uncompressed),
   * a safetensors tensor, an ONNX initializer, external-data block or planned buffer. Default 1 GiB.
   */
  maxTensorBytes: number;
  /**
   * Largest total of the arrays one file or one model asks for: every .npz member read, every
   * safetensors tensor, an ONNX model's initializers plus the buffers of one plan. Default 2 GiB.
   */
  maxTotalBytes: number;
  /** Largest file read whole into memory (.npy, .npz, safetensors, checkpoint). Default 2 GiB. */
  maxFileBytes: number;
  /** Largest ONNX file: protobuf decoding holds it and its decoded messages in memory. Default 512 MiB. */
  maxOnnxFileBytes: number;
  /** Largest YAML text (config.yaml). Default 1 MiB. */
  maxYamlBytes: number;
  /** Most YAML nodes (scalars, sequences, mappings, each alias expansion counted again). Default 10,000. */
  maxYamlNodes: number;
  /** Deepest nesting of YAML collections. Default 64. */
  maxYamlDepth: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The defaults, also listed in docs/limits.md. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxTensorBytes: GiB,
  maxTotalBytes: 2 * GiB,
  maxFileBytes: 2 * GiB,
  maxOnnxFileBytes: 512 * MiB,
  maxYamlBytes: MiB,
  maxYamlNodes: 10_000,
  maxYamlDepth: 64,
});

/**
 * Limits fixed by the formats themselves or by sanity, not raisable: headers this large are never
 * written by numpy or the safetensors reference implementation.
 */
export const FORMAT_LIMITS = Object.freeze({
  /** .npy header text; numpy's own headers are under 1 KiB. */
  npyHeaderBytes: MiB,
  /** Nesting of the Python literal in an .npy header. */
  npyHeaderDepth: 32,
  /**
   * safetensors JSON header. The reference implementation allows 100 MB, but `JSON.parse` can take
   * ~22 bytes of heap per header byte (`[{},{},...]`); real headers are under 1 MB even for models
   * with thousands of tensors.
   */
  safetensorsHeaderBytes: 16 * MiB,
  /**
   * The `meta_json` member of a drift reference: feature names and a few numbers, about 1 KiB for
   * endpoint-v1 and ~12 bytes per feature for a generic schema.
   */
  driftMetaJsonBytes: 4 * MiB,
});

/**
 * The limits a config.yaml can raise (section `limits`, keys in snake_case: `max_tensor_bytes`, ...).
 * The YAML limits bound config.yaml itself, so only the library option raises them.
 */
export const CONFIG_LIMIT_NAMES = ['maxTensorBytes', 'maxTotalBytes', 'maxFileBytes', 'maxOnnxFileBytes'] as const;

/** The `limits:` section of config.yaml: the raisable limits that are not about config.yaml itself. */
export type ConfigLimits = Pick<Limits, (typeof CONFIG_LIMIT_NAMES)[number]>;

/** One line per config limit, for `dadm init-config` and docs/config.md. */
export const CONFIG_LIMIT_DOCS: Readonly<Record<keyof ConfigLimits, string>> = Object.freeze({
  maxTensorBytes: 'bytes one array may take: an .npy array, an .npz member (uncompressed), a safetensors tensor, an ONNX initializer or planned buffer (default 1 GiB)',
  maxTotalBytes: 'bytes all arrays of one file or model may take together: .npz members read, safetensors tensors, an ONNX model with one plan (default 2 GiB)',
  maxFileBytes: 'bytes of a file read whole: .npy labels/background, drift reference, checkpoint (default 2 GiB; --data files are streamed)',
  maxOnnxFileBytes: 'bytes of an ONNX file (default 512 MiB)',
});

/** The config key of each limit a config.yaml can raise, for messages and docs. */
export const LIMIT_CONFIG_KEYS: Readonly<Partial<Record<keyof Limits, string>>> = Object.freeze(
  Object.fromEntries(CONFIG_LIMIT_NAMES.map((k) => [k, `limits.${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`])),
);

/** The defaults of the config section `limits`. */
export function defaultConfigLimits(): ConfigLimits {
  return Object.fromEntries(CONFIG_LIMIT_NAMES.map((k) => [k, DEFAULT_LIMITS[k]])) as unknown as ConfigLimits;
}

/**
 * The defaults with `overrides` applied; `undefined` entries keep the default.
 * @throws InvalidOptionError naming the limit when an override is not a positive safe integer
 */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof Limits, unknown][]) {
    if (value === undefined) continue;
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new InvalidOptionError(`limits: keys must be one of ${Object.keys(DEFAULT_LIMITS).join(', ')}, got ${key}`, 'limits');
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new InvalidOptionError(`limits: ${key} must be a positive integer, got ${String(value)}`, `limits.${key}`);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Throws when `requested` (bytes or a count; may be huge, NaN or Infinity) is over `limits[key]`.
 * @param where leads the message, e.g. `data.npz[sample.npy]`
 * @param what the thing that asks, e.g. `array`, `ConstantOfShape output [2147483648]`
 * @throws LimitError `<where>: <what> must be at most <limit> <unit> (raise <config key or option>), got <requested>`
 */
export function checkLimit(limits: Limits, key: keyof Limits, requested: number, where: string, what: string): void {
  const allowed = limits[key];
  if (requested <= allowed) return;
  const unit = key === 'maxYamlNodes' || key === 'maxYamlDepth' ? '' : ' bytes';
  throw new LimitError(
    `${where}: ${what} must be at most ${allowed}${unit} (raise ${LIMIT_CONFIG_KEYS[key] ?? `the limits.${key} option`}), got ${formatCount(requested)}${unit}`,
    { limit: key, allowed, requested },
  );
}

/** Integers print in full up to 2^53; beyond that (or NaN) they print as JS prints them. */
function formatCount(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : n.toPrecision(4);
}

/**
 * A running total for one file or one model: each array is checked against `maxTensorBytes`, and the
 * sum of everything reserved so far against `maxTotalBytes`. Reserve before allocating.
 */
export class ByteBudget {
  /**
   * @param limits the limits to check against
   * @param used bytes already held by what the budget extends (e.g. a model's initializers)
   */
  constructor(
    readonly limits: Limits,
    private used = 0,
  ) {}

  /** Bytes reserved so far. */
  get total(): number {
    return this.used;
  }

  /**
   * Checks one array of `bytes` (element count × element size, possibly not a safe integer) and adds
   * it to the total.
   * @throws LimitError naming `where` and `what` when the array or the new total is over its limit
   */
  reserve(bytes: number, where: string, what: string): void {
    checkLimit(this.limits, 'maxTensorBytes', bytes, where, what);
    checkLimit(this.limits, 'maxTotalBytes', this.used + bytes, where, `total size of the arrays with ${what}`);
    this.used += bytes;
  }
}

/**
 * The `limits` of an options object as a spreadable `{ limits }` (nothing when unset), so callers can
 * hand their overrides on to a reader's options.
 */
export function limitsOf(opts: { limits?: Partial<Limits> | undefined }): { limits?: Partial<Limits> } {
  return opts.limits === undefined ? {} : { limits: opts.limits };
}

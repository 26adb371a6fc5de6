/**
 * Option parsing on top of node:util parseArgs (strict: unknown flags, missing values and stray
 * arguments are errors), with every parse error turned into a UsageError, plus typed accessors.
 */
import { parseArgs } from 'node:util';
import { InvalidOptionError, UsageError } from '../errors.js';
import { STDIO_PATH } from '../io/index.js';
import type { ConfigLimits } from '../limits.js';
import { findConfig, type FoundConfig } from '../pipeline/index.js';
import { BACKEND_OPTIONS, type BackendOption, type ThreadsOption } from '../tensor/index.js';
import type { CliIo, Command, OptionSpec, OptionValues } from './command.js';

/** Flags every command accepts. */
export const HELP_OPTION = { name: 'help', type: 'boolean', short: 'h', description: 'show this help and exit' } as const;

/**
 * Parses `args` against the command's options table.
 * @throws UsageError for an unknown flag, a flag without its value, a positional argument (beyond the
 *   one that `cmd.positional` allows) or a missing required flag
 */
export function parseOptions(cmd: Command, args: readonly string[]): OptionValues {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const o of [...cmd.options, HELP_OPTION]) config[o.name] = o.short === undefined ? { type: o.type } : { type: o.type, short: o.short };
  let values: OptionValues;
  let positionals: string[];
  let tokens: readonly { kind: string; name?: string; value?: string | undefined }[];
  try {
    ({ values, positionals, tokens } = parseArgs({ args: joinNegativeValues(args, config), options: config, strict: true, allowPositionals: cmd.positional !== undefined, tokens: true }) as {
      values: OptionValues;
      positionals: string[];
      tokens: { kind: string; name?: string; value?: string }[];
    });
  } catch (err) {
    throw new UsageError(`${usageText(err)}; run dadm ${cmd.name} --help`);
  }
  // parseArgs keeps the last value of a repeated flag and accepts a repeated switch; either is more
  // likely a slip (a pasted flag, a flag meant for another command) than a wish.
  const seen = new Map<string, string[]>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    const list = seen.get(t.name) ?? [];
    list.push(t.value === undefined ? `--${t.name}` : `'${t.value}'`);
    seen.set(t.name, list);
    if (list.length > 1) throw new UsageError(`--${t.name} must be given once, got ${list.join(', ')}; run dadm ${cmd.name} --help`);
  }
  if (positionals.length > 0) {
    const flag = cmd.positional!;
    const given = [...(typeof values[flag] === 'string' ? [values[flag]] : []), ...positionals].map((v) => `'${v}'`);
    if (given.length > 1) throw new UsageError(`--${flag} must be given once (as the flag or one bare argument), got ${given.join(', ')}; run dadm ${cmd.name} --help`);
    values[flag] = positionals[0];
  }
  if (values.help === true) return values;
  refuseStdioPaths(cmd, values);
  for (const o of cmd.options) {
    if (o.required === true && values[o.name] === undefined) {
      throw new UsageError(`--${o.name} must be given, got nothing; run dadm ${cmd.name} --help`);
    }
  }
  return values;
}

/** Path options: their values are file or directory names. */
function isPathOption(o: OptionSpec): boolean {
  return o.type === 'string' && (o.value === 'FILE' || o.value === 'DIR');
}

/**
 * `-` is standard input or output only where the options table says so; elsewhere it is refused
 * rather than read or written as a file named `-`. At most one option reads standard input and one
 * writes standard output.
 * @throws UsageError naming the flag
 */
function refuseStdioPaths(cmd: Command, values: OptionValues): void {
  const takers = cmd.options.filter((o) => o.stdio !== undefined).map((o) => `--${o.name}`);
  const readers: string[] = [];
  const writers: string[] = [];
  for (const o of cmd.options) {
    if (!isPathOption(o) || values[o.name] !== STDIO_PATH) continue;
    if (o.stdio === undefined) {
      const which = o.noStdio ?? (takers.length === 0 ? `dadm ${cmd.name} reads and writes no standard stream` : `only ${takers.join(', ')} take '-'`);
      throw new UsageError(`--${o.name} must name a ${o.value === 'DIR' ? 'directory' : 'file'} (${which}), got '-'; run dadm ${cmd.name} --help`);
    }
    (o.stdio === 'read' ? readers : writers).push(`--${o.name} -`);
  }
  for (const [list, what] of [[readers, 'read standard input'], [writers, 'write standard output']] as const) {
    if (list.length > 1) throw new UsageError(`options must ${what} at most once, got ${list.join(' and ')}`);
  }
}

/**
 * Checks the streams behind `-` once the command line is parsed: binary output is not written to a
 * terminal (it would garble it and helps nobody).
 * @throws UsageError naming the flag
 */
export function checkStdio(cmd: Command, values: OptionValues, io: CliIo): void {
  for (const o of cmd.options) {
    if (o.stdio === 'write' && values[o.name] === STDIO_PATH && io.stdout.isTTY === true) {
      throw new UsageError(`--${o.name} -: standard output must be a file or a pipe for binary data (redirect it: > file, | command), got a terminal`);
    }
  }
}

/**
 * parseArgs refuses `--rows -5` as ambiguous (the value looks like a flag). A number is never a
 * flag here, so `--name -5` becomes `--name=-5` and the option's own check can say what is wrong
 * with the value.
 */
function joinNegativeValues(args: readonly string[], config: Record<string, { type: 'string' | 'boolean' }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (config[name]?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** parseArgs messages, shortened to one line in dadm's shape. */
function usageText(err: unknown): string {
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  const code = (err as { code?: string }).code;
  let m: RegExpMatchArray | null;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && (m = msg.match(/Unknown option '([^']+)'/))) return `options must be known flags, got ${m[1]}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && (m = msg.match(/Unexpected argument '([^']+)'/))) {
    return `arguments must be --flags, got '${m[1]}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && (m = msg.match(/Option '([^']+)'/))) {
    const flag = m[1]!.split(',').pop()!.trim().split(' ')[0]!;
    return msg.includes('argument missing') ? `${flag} must have a value, got nothing` : `${flag} must be a flag without value, got a value`;
  }
  return msg;
}

/** A string option (undefined when absent). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A string option that must be present (the table marks it required). */
export function requiredString(values: OptionValues, name: string): string {
  const v = stringOption(values, name);
  if (v === undefined) throw new UsageError(`--${name} must be given, got nothing`);
  return v;
}

/**
 * An integer option in [min, max] (no upper bound when `max` is left out), written in decimal digits
 * (`1e12` or `2.0` is refused: a count is typed as a count). Range checks belong here, not only in the
 * pipeline, so that an out-of-range value is a usage error (exit 2) naming the flag.
 * @throws UsageError for a value that is not such an integer
 */
export function intOption(values: OptionValues, name: string, min: number, max?: number): number | undefined {
  const v = stringOption(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*[+-]?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new UsageError(`--${name} must be an integer ${max === undefined ? `>= ${min}` : `in [${min}, ${max}]`}, got '${v}'`);
  }
  return n;
}

/**
 * A number option in [min, max].
 * @throws UsageError for a value that is not such a number
 */
export function numberOption(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const v = stringOption(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${v}'`);
  return n;
}

/**
 * One of a fixed set of strings.
 * @throws UsageError for another value
 */
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[]): T | undefined {
  const v = stringOption(values, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

/** Where a command computes: the kernels and the thread count (config keys `backend`, `threads`). */
export const BACKEND_OPTION = { name: 'backend', type: 'string', value: 'NAME', description: `kernels: ${BACKEND_OPTIONS.join(', ')} (default: the config's, else auto)` } as const;
export const THREADS_OPTION = { name: 'threads', type: 'string', value: 'N', description: "threads, the calling one included: 'auto' (every core up to 4) or a count" } as const;

/**
 * The `--backend` and `--threads` values given, as pipeline options.
 * @throws UsageError for a backend not in the list or a thread count other than 'auto' or an integer >= 1
 */
export function computeOptions(values: OptionValues): { backend?: BackendOption; threads?: ThreadsOption } {
  const backend = choiceOption(values, 'backend', BACKEND_OPTIONS);
  const t = stringOption(values, 'threads');
  const threads = t === undefined || t === 'auto' ? t : Number(t);
  if (threads !== undefined && threads !== 'auto' && !(t!.trim() !== '' && Number.isSafeInteger(threads) && threads >= 1)) {
    throw new UsageError(`--threads must be 'auto' or an integer >= 1, got '${t}'`);
  }
  return { ...(backend !== undefined ? { backend } : {}), ...(threads !== undefined ? { threads } : {}) };
}

/** `--config` of a command that reads models or data and uses no other config key: only its `limits` section counts. */
export const LIMITS_CONFIG_OPTION = configOption('whose limits section raises the file limits (docs/limits.md)');

/**
 * The `limits` section of the command's config (found as {@link configFromOptions} finds it), as the
 * pipeline option that hands it to every reader.
 * @throws InvalidOptionError, FormatError, LimitError as loadConfig
 */
export function configLimits(values: OptionValues, io: CliIo): { limits: ConfigLimits } {
  return { limits: configFromOptions(values, io).config.limits };
}

/** Common output flags. */
export const QUIET_OPTION = { name: 'quiet', type: 'boolean', short: 'q', description: 'no progress and no summary on the terminal' } as const;
export const JSON_OPTION = { name: 'json', type: 'boolean', description: 'print a machine-readable JSON summary on stdout' } as const;

/**
 * explain's top-k error as a usage error when the user gave --top-k (its bound, the model's feature
 * count, is known only once the model is loaded); any other error is returned unchanged.
 */
export function topKUsageError(err: unknown, flagGiven: boolean): unknown {
  if (flagGiven && err instanceof InvalidOptionError && err.option === 'topK') return new UsageError(err.message.replace(/^explain: top-k/, '--top-k'));
  return err;
}

/** The `--config` flag of a command with config-driven defaults; `use` says what the command reads from it. */
export function configOption(use: string): OptionSpec {
  return { name: 'config', type: 'string', value: 'FILE', description: `config.yaml ${use}`, default: './config.yaml if present, else the defaults' };
}

/**
 * The config every command with config-driven defaults uses: `--config`, else ./config.yaml when it
 * exists (said on stderr, unless --quiet, since nothing on the command line names it), else the defaults.
 * @throws InvalidOptionError for an unreadable or invalid config file
 */
export function configFromOptions(values: OptionValues, io: CliIo): FoundConfig {
  const found = findConfig(stringOption(values, 'config'));
  if (found.implicit && values.quiet !== true) io.stderr.write(`using ./${found.path}\n`);
  return found;
}

/** Result output on stdout: a JSON document (`--json`) or human lines (unless `--quiet`). */
import type { CliIo, OptionValues } from './command.js';

/**
 * Prints `summary` as JSON when --json was given, else `lines` unless --quiet: on stdout, or on
 * stderr when stdout carries the command's data (`--output -`).
 */
export function printResult(io: CliIo, values: OptionValues, summary: unknown, lines: readonly string[], to: 'stdout' | 'stderr' = 'stdout'): void {
  const stream = to === 'stdout' ? io.stdout : io.stderr;
  if (values.json === true) stream.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (values.quiet !== true) for (const l of lines) stream.write(`${l}\n`);
}

/** A number for humans: 4 significant digits, no exponent for ordinary magnitudes. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** Result output on stdout: a JSON document (`--json`) or human lines (unless `--quiet`). */
import type { CliIo, OptionValues } from './command.js';

/** Prints `summary` as JSON when --json was given, else `lines` unless --quiet. */
export function printResult(io: CliIo, values: OptionValues, summary: unknown, lines: readonly string[]): void {
  if (values.json === true) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (values.quiet !== true) for (const l of lines) io.stdout.write(`${l}\n`);
}

/** A number for humans: 4 significant digits, no exponent for ordinary magnitudes. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/**
 * Shared by the two process entry points (server-main.ts, client-main.ts) until the CLI exposes
 * them as `dadm federated server|client`: read the options file named on the command line, log to
 * stderr, report the result as one JSON line on stdout, exit 0 / 1 / 2 with a one-line error.
 */
import { readFileSync } from 'node:fs';
import { DadmError, UsageError } from '../errors.js';

/** Runs `main` with the parsed options file and exits the process with its outcome. */
export function runMain<T>(name: string, main: (options: T, log: (line: string) => void, signal: AbortSignal) => Promise<unknown>): void {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
    // A part that does not watch the signal still ends, a little later.
    setTimeout(() => process.exit(143), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const start = async (): Promise<unknown> => {
    const file = process.argv[2];
    if (file === undefined || process.argv.length !== 3) throw new UsageError(`${name}: usage must be '${name} OPTIONS.json', got ${process.argv.length - 2} arguments`);
    let options: T;
    try {
      options = JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch (err) {
      throw new UsageError(`${name}: options file ${file} must be readable JSON, got ${(err as Error).message.split('\n')[0]}`);
    }
    return main(options, log, controller.signal);
  };
  start().then(
    (result) => {
      process.stdout.write(`${JSON.stringify({ result })}\n`);
      process.exitCode = 0;
    },
    (err: unknown) => {
      log(`${name}: ${err instanceof DadmError ? err.message : `internal error: ${(err as Error).stack ?? String(err)}`}`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}

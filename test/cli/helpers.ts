/** Shared helpers of the CLI tests: run `dadm` in-process with captured output. */
import { expect } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `dadm <argv...>` in-process; stdout and stderr are captured, the environment is empty. */
export async function run(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The CLI's error contract: exactly one line on stderr, matching `pattern`, and no stack trace. */
export function expectOneLineError(r: { err: string }, pattern: RegExp): void {
  expect(r.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /);
}

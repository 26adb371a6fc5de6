/**
 * The CLI's entry function: dispatches to a command, prints help and version, and turns errors into
 * one line on stderr with exit code 2 (usage) or 1 (anything else). Tests call `main` directly with
 * captured streams.
 */
import { UsageError } from '../errors.js';
import type { CliIo } from './command.js';
import { COMMANDS } from './commands.js';
import { commandHelp, groupHelp, mainHelp } from './help.js';
import { checkStdio, parseOptions } from './options.js';
import { setBackendNotice, setThreadsNotice } from '../tensor/index.js';
import { packageVersion } from '../version.js';

/**
 * The real process streams and environment. Standard input is a getter: touching process.stdin
 * switches a piped fd 0 to non-blocking mode, so only the commands that read text from it do.
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
}

/**
 * Runs `dadm <argv...>`.
 * @returns the exit code: 0 success, 1 failure, 2 bad command line
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(mainHelp(COMMANDS));
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp(COMMANDS));
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  let cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    io.stderr.write(`dadm: command must be one of ${COMMANDS.map((c) => c.name).join(', ')}, got '${name}'; run dadm --help\n`);
    return 2;
  }
  let rest = args;
  if (cmd.subcommands !== undefined) {
    const [subName, ...subArgs] = args;
    if (subName === undefined || subName === '--help' || subName === '-h') {
      (subName === undefined ? io.stderr : io.stdout).write(groupHelp(cmd));
      return subName === undefined ? 2 : 0;
    }
    const sub = cmd.subcommands.find((c) => c.name === `${cmd!.name} ${subName}`);
    if (sub === undefined) {
      const names = cmd.subcommands.map((c) => c.name.slice(cmd!.name.length + 1)).join(', ');
      io.stderr.write(`dadm ${cmd.name}: subcommand must be one of ${names}, got '${subName}'; run dadm ${cmd.name} --help\n`);
      return 2;
    }
    cmd = sub;
    rest = subArgs;
  }
  try {
    const values = parseOptions(cmd, rest);
    if (values.help === true) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    checkStdio(cmd, values, io);
    // Why `auto` chose the js kernels, or why threads run on the calling thread only: said once, on stderr.
    const note = values.quiet === true ? null : (m: string): void => void io.stderr.write(`dadm ${cmd.name}: note: ${m}\n`);
    setBackendNotice(note);
    setThreadsNotice(note);
    return await cmd.run(values, io);
  } catch (err) {
    return reportError(cmd.name, err, io);
  }
}

/**
 * One line `dadm <cmd>: <message>` on stderr (plus the stack with DADM_DEBUG=1). A message that
 * already starts with `<cmd>: ` (thrown by the pipeline step of the same name) keeps one prefix.
 */
function reportError(command: string, err: unknown, io: CliIo): number {
  const raw = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();
  const message = raw.startsWith(`${command}: `) ? raw.slice(command.length + 2) : raw;
  io.stderr.write(`dadm ${command}: ${message}\n`);
  if (io.env.DADM_DEBUG === '1' && err instanceof Error && err.stack !== undefined) io.stderr.write(`${err.stack}\n`);
  return err instanceof UsageError ? 2 : 1;
}

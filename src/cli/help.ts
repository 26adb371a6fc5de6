/** `--help` texts, generated from the command table so they cannot disagree with the parser. */
import type { Command } from './command.js';
import { HELP_OPTION } from './options.js';

/** The help of one command: usage, description, options, examples. */
export function commandHelp(cmd: Command): string {
  const flag = (o: Command['options'][number]): string => {
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    return `${o.short === undefined ? '    ' : `-${o.short}, `}--${o.name}${value}`;
  };
  const usage = cmd.options.map((o) => {
    const f = `--${o.name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    if (o.name === cmd.positional) return `[--${o.name}] ${o.value ?? 'VALUE'}`;
    return o.required === true ? f : `[${f}]`;
  });
  const all = [...cmd.options, HELP_OPTION];
  const width = Math.max(...all.map((o) => flag(o).length)) + 2;
  const lines = all.map((o) => {
    const extra = 'default' in o && o.default !== undefined ? ` (default ${o.default})` : 'required' in o && o.required === true ? ' (required)' : '';
    const stdio = !('stdio' in o) || o.stdio === undefined ? '' : o.stdio === 'read' ? "; '-' = standard input" : "; '-' = standard output";
    return `  ${flag(o).padEnd(width)}${o.description}${stdio}${extra}`;
  });
  return [
    `Usage: dadm ${cmd.name} ${usage.join(' ')}`,
    '',
    cmd.description,
    '',
    'Options:',
    ...lines,
    '',
    cmd.examples.length === 1 ? 'Example:' : 'Examples:',
    ...cmd.examples.map((e) => `  dadm ${e}`),
    '',
  ].join('\n');
}

/** The help of a command group (`dadm federated --help`): its description and subcommands. */
export function groupHelp(cmd: Command): string {
  const subs = cmd.subcommands ?? [];
  const width = Math.max(...subs.map((c) => c.name.length)) + 2;
  return [
    `Usage: dadm ${cmd.name} <subcommand> [options]`,
    `       dadm ${cmd.name} <subcommand> --help     options and an example for one subcommand`,
    '',
    cmd.description,
    '',
    'Subcommands:',
    ...subs.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    `  ${'-h, --help'.padEnd(width)}this help`,
    '',
    cmd.examples.length === 1 ? 'Example:' : 'Examples:',
    ...cmd.examples.map((e) => `  dadm ${e}`),
    '',
  ].join('\n');
}

/** The top-level help: every command with its summary. */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'dadm — train, export and monitor edge anomaly-detection models',
    '',
    'Usage: dadm <command> [options]',
    '       dadm <command> --help     options and an example for one command',
    '       dadm --version',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Errors print one line "dadm <command>: <message>" on stderr; exit code 2 for a bad command line,',
    '1 for any other failure, 3 for `drift --fail-on-drift` when retraining is recommended',
    '(DADM_DEBUG=1 adds the stack trace).',
    '',
  ].join('\n');
}

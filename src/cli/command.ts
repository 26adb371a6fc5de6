/**
 * What a CLI command is: its options table (which drives both parsing and `--help`), its help text
 * and its `run`. A command is one file exporting a {@link Command}, listed once in commands.ts.
 */

/** A stream the CLI writes to (process.stdout / process.stderr, or a capture in tests). */
export interface CliStream {
  /** Writes text or bytes; false when the stream's buffer is full (wait for 'drain' before more). */
  write(chunk: string | Uint8Array): unknown;
  /** True when the stream is a terminal (progress bars are drawn only then). */
  isTTY?: boolean;
  /** Terminal width, if known. */
  columns?: number;
  /** Node streams: 'drain' after a full buffer, 'error' (EPIPE when the reader went away). */
  once?(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  off?(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

/** Standard input as a command reads text from it: chunks as they arrive. */
export type CliInput = AsyncIterable<Uint8Array | string> & { isTTY?: boolean };

/** Everything a command may touch besides the file system. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /**
   * Standard input for commands that read text from it (`score --format ndjson`); .npy data on `-` is
   * read from file descriptor 0 directly. Absent in tests that feed none.
   */
  stdin?: CliInput;
  env: Readonly<Record<string, string | undefined>>;
}

/** One `--flag`. */
export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help, e.g. `N` or `FILE`. */
  value?: string;
  description: string;
  /** Default shown in help (the command applies it). */
  default?: string;
  required?: boolean;
  /**
   * Whether the value `-` means standard input or output: 'read' (an input read once, in order),
   * 'write' (binary output: refused when standard output is a terminal) or 'write-text'. A FILE or
   * DIR option without it refuses `-` with a usage error, so no command creates a file named `-`.
   */
  stdio?: 'read' | 'write' | 'write-text';
  /** Why a FILE option without `stdio` cannot take `-` (it is read twice, ...), for its usage error. */
  noStdio?: string;
}

/** Parsed option values: strings for string options, booleans for flags. */
export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  /** One line for `dadm --help`. */
  summary: string;
  /** A paragraph for `dadm <name> --help`. */
  description: string;
  options: readonly OptionSpec[];
  /** The string option that one bare argument may give instead of its flag (`dadm inspect FILE`). */
  positional?: string;
  /** Example command lines (without the leading `dadm`). */
  examples: readonly string[];
  /**
   * A command group (`dadm federated server …`): the subcommands, each a Command named with the
   * group's name first (`federated server`). A group has no options and its `run` is never called.
   */
  subcommands?: readonly Command[];
  /** Returns the exit code. Throws DadmError (UsageError for bad flags) on failure. */
  run(values: OptionValues, io: CliIo): number | Promise<number>;
}

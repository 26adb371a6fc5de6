#!/usr/bin/env node
/** The `dadm` command line. Only this file (through src/cli/) reads argv, prints or sets the exit code. */
import { main } from './cli/main.js';

// `dadm explain ... | head` closes the pipe early: that is the reader's choice, not a failure, so
// stop quietly instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// Exit once the command is done, whatever handles a library part left open (stdout and stderr
// writes to files and pipes are synchronous on Linux, so nothing printed is lost).
process.exit(await main(process.argv.slice(2)));

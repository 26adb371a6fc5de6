#!/usr/bin/env node
/** The `dadm` command line: parses arguments and calls src/pipeline/. Only this file prints or exits. */
const USAGE = `dadm — train, export and monitor edge anomaly-detection models

Usage: dadm <command> [options]   (dadm <command> --help for details)
`;

function main(argv: string[]): number {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`dadm: unknown command ${argv[0]}; run dadm --help\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));

#!/usr/bin/env node
/** The `dadm` command line. Only this file (through src/cli/) reads argv, prints or sets the exit code. */
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));

/** `dadm kernels`: lists the WebAssembly kernel modules, or dumps one (bytes and listing) for an audit. */
import { backend, dumpKernel, listKernels } from '../tensor/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, stringOption } from './options.js';
import { printResult } from './output.js';

export const kernelsCommand: Command = {
  name: 'kernels',
  summary: 'list the WebAssembly kernels, or print one module\'s bytes and listing',
  description:
    'dadm ships no .wasm file: its SIMD kernels are WebAssembly modules emitted at run time by TypeScript\n' +
    'functions (src/tensor/wasm/, docs/kernels.md). --list names each module, its functions and size;\n' +
    '--dump NAME prints the module\'s exact bytes as hex and the same module as a listing in the\n' +
    'WebAssembly text format, with the emitter\'s comments, so an auditor can see exactly what runs.\n' +
    'DADM_BACKEND=js (or backend: js) runs the plain TypeScript kernels instead.',
  options: [
    { name: 'list', type: 'boolean', description: 'list the kernel modules (the default)' },
    { name: 'dump', type: 'string', value: 'NAME', description: 'print module NAME as hex bytes and a text-format listing' },
    JSON_OPTION,
  ],
  examples: ['kernels --list', 'kernels --dump gemm', 'kernels --dump int8 --json'],
  run(values, io) {
    const name = stringOption(values, 'dump');
    if (name !== undefined) {
      const dump = dumpKernel(name);
      printResult(io, values, dump, [`;; module ${dump.name}: ${dump.hex.length} lines of bytes`, ...dump.hex, '', ...dump.listing]);
      return 0;
    }
    const kernels = listKernels();
    const lines = [`backend: ${backend()} (DADM_BACKEND or the backend option selects js, wasm or auto)`];
    for (const k of kernels) lines.push(`${k.name.padEnd(12)} ${String(k.bytes).padStart(6)} bytes  ${k.functions.join(', ')}`, `${''.padEnd(12)} ${k.summary}`);
    printResult(io, values, { backend: backend(), kernels }, lines);
    return 0;
  },
};

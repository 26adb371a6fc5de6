/**
 * What `dadm kernels` shows an auditor: the table of every kernel module (here, so only this audit
 * loads every emitter; a driver imports the specs it runs), and for one module its exact
 * bytes (hex, as compiled) beside a listing in the WebAssembly text format's names, with the
 * emitter's `;;` notes, so each instruction that runs can be traced to the TypeScript line that
 * wrote it. Both come from the same {@link ModuleBuilder} the kernels are compiled from.
 */
import { UsageError } from '../../errors.js';
import { ATTENTION_MODULE } from './attention-kernel.js';
import type { FunctionBuilder } from './code.js';
import { ELEMENTWISE_MODULE } from './elementwise-kernel.js';
import { FOREST_MODULE } from './forest-kernel.js';
import { GEMM_MODULE, GEMV_MODULE } from './gemm-kernel.js';
import { INT8_MODULE } from './int8-kernel.js';
import { kernelModule, type KernelModuleSpec } from './kernels.js';
import { MEMORY_IMPORT, type ModuleBuilder } from './module.js';
import { LAYER_NORM_GRAD_MODULE } from './layer-norm-grad-kernel.js';
import { NORMALIZE_MODULE } from './normalize-kernel.js';

/** Every kernel module, in listing order. */
export const KERNEL_MODULES: readonly KernelModuleSpec[] = [GEMM_MODULE, GEMV_MODULE, ELEMENTWISE_MODULE, INT8_MODULE, NORMALIZE_MODULE, LAYER_NORM_GRAD_MODULE, FOREST_MODULE, ATTENTION_MODULE];

/** One row of `dadm kernels --list`. */
export interface KernelSummary {
  name: string;
  summary: string;
  /** Exported functions, in module order. */
  functions: string[];
  /** Size of the module's bytes. */
  bytes: number;
}

/** Every kernel module with its functions and size. */
export function listKernels(): KernelSummary[] {
  return KERNEL_MODULES.map((spec) => {
    const mod = kernelModule(spec, true);
    return { name: spec.name, summary: spec.summary, functions: mod.functions.filter((f) => mod.isExported(f)).map((f) => f.name), bytes: mod.bytes().length };
  });
}

/** `dadm kernels --dump NAME`: the module's bytes and its listing. */
export interface KernelDump {
  name: string;
  /** The module's bytes, 16 per line, each line led by its byte offset. */
  hex: string[];
  /** The module in the text format's instruction names, indented by block. */
  listing: string[];
}

/**
 * The dump of module `name` (as emitted for a shared heap, which is what Node uses).
 * @throws UsageError naming the modules when `name` is not one
 */
export function dumpKernel(name: string): KernelDump {
  const spec = KERNEL_MODULES.find((s) => s.name === name);
  if (spec === undefined) {
    throw new UsageError(`kernels: --dump NAME must be one of ${KERNEL_MODULES.map((s) => s.name).join(', ')}, got '${name}'`);
  }
  const mod = kernelModule(spec, true, true);
  return { name, hex: hexLines(mod.bytes()), listing: watListing(mod) };
}

function hexLines(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = Array.from(bytes.subarray(at, at + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${at.toString(16).padStart(6, '0')}  ${row}`);
  }
  return lines;
}

function watListing(mod: ModuleBuilder): string[] {
  const { minPages, maxPages, shared } = mod.memory;
  const from = `"${MEMORY_IMPORT.module}" "${MEMORY_IMPORT.field}"`;
  const lines = [`(module $${mod.name}`, `  (import ${from} (memory ${minPages} ${maxPages}${shared ? ' shared' : ''}))`];
  for (const f of mod.functions) lines.push(...functionListing(f, mod.isExported(f)));
  lines.push(')');
  return lines;
}

function functionListing(f: FunctionBuilder, exported: boolean): string[] {
  const head = [`  (func $${f.name}${exported ? ` (export "${f.name}")` : ''}`];
  for (const p of f.params) head.push(`    (param $${p.name} ${p.type})`);
  if (f.result !== null) head.push(`    (result ${f.result})`);
  for (const l of f.locals) head.push(`    (local $${l.name} ${l.type})`);
  const body = f.code.instructions.map((i) => `${'  '.repeat(i.depth + 2)}${i.text}`);
  return [...head, ...body, '  )'];
}

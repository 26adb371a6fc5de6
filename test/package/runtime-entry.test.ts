/**
 * `dadm/runtime` (issue 19): the subpath export points at the runtime's door, and the module graph
 * reached from src/runtime/index.ts (what dist/runtime/index.js loads once built) stays free of the
 * training, explanation, quantization and pipeline code and of their packages.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Folders of src/ the edge entry must never load (issue 19). */
const FORBIDDEN_FOLDERS = ['nn', 'autograd', 'models', 'pipeline', 'quant', 'explain', 'cli', 'onnx-writer', 'federated', 'config', 'data', 'report', 'iforest', 'ecod'];
/**
 * Files of src/tensor it must never load: the training-only WebAssembly emitters and the data-parallel
 * trainer. V8 parses the whole bundle at import (~50 us per kB cold), so each costs start-up.
 */
const FORBIDDEN_FILES = ['src/tensor/wasm/attention-kernel.ts', 'src/tensor/wasm/elementwise-kernel.ts', 'src/tensor/wasm/layer-norm-grad-kernel.ts', 'src/tensor/wasm/layer-norm-grad.ts', 'src/tensor/wasm/listing.ts', 'src/tensor/threads/data-parallel.ts', 'src/tensor/threads/index.ts'];
/** Packages it must never load: the runtime decodes with src/protobuf, not protobufjs (onnx-proto, long). */
const FORBIDDEN_PACKAGES = ['yaml', 'onnx-proto', 'protobufjs', 'long'];

/**
 * Files and packages an entry reaches at run time: each file is transpiled as tsc would emit it
 * (imports used only as types disappear) and its static and dynamic import specifiers followed.
 */
function moduleGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  return { files: [...files].map((f) => relative(root, f)).sort(), packages: [...packages].sort() };
}

describe('dadm/runtime', () => {
  const graph = moduleGraph(resolve(root, 'src/runtime/index.ts'));

  it("is exported with the runtime door's types and, for import and default, its one-file bundle that the build writes", () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[]; scripts: Record<string, string> };
    expect(pkg.exports['./runtime']).toEqual({ types: './dist/runtime/index.d.ts', import: './dist/runtime/bundle.js', default: './dist/runtime/bundle.js' });
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json && node --import tsx tools\/bundle-runtime\.ts dist$/);
    expect(pkg.files).toContain('dist');
  });

  it('reaches no training, explanation, quantization or pipeline code', () => {
    const bad = graph.files.filter((f) => FORBIDDEN_FOLDERS.some((d) => f.startsWith(`src/${d}/`)));
    expect(bad, `reached from src/runtime/index.ts:\n${graph.files.join('\n')}`).toEqual([]);
    expect(graph.files).toContain('src/runtime/load-onnx.ts');
  });

  it('loads no package but node built-ins', () => {
    expect(graph.packages.filter((p) => FORBIDDEN_PACKAGES.includes(p))).toEqual([]);
    expect(graph.packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(graph.files).toContain('src/protobuf/codec.ts');
  });

  it('imports tensor kernels by file, not through the tensor door (which loads every kernel and backend)', () => {
    expect(graph.files).not.toContain('src/tensor/index.ts');
  });

  it('reaches no training-only WebAssembly emitter, kernel listing or data-parallel trainer', () => {
    expect(graph.files.filter((f) => FORBIDDEN_FILES.includes(f))).toEqual([]);
    // The kernels it does run, so a rename cannot leave the check above looking at nothing.
    expect(graph.files).toEqual(expect.arrayContaining(['src/tensor/wasm/kernels.ts', 'src/tensor/wasm/gemm-kernel.ts', 'src/tensor/threads/parallel-rows.ts']));
  });
});

/**
 * docs/library.md against the package: every `ts` block runs, in order, in one empty folder, with
 * `'dadm'` resolving to src/index.ts; and every name src/index.ts exports is documented on the page.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const page = readFileSync(join(root, 'docs/library.md'), 'utf8');
const blocks = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const work = mkdtempSync(join(tmpdir(), 'dadm-library-docs-'));
const cwd = process.cwd();

beforeAll(() => process.chdir(work));
afterAll(() => {
  process.chdir(cwd);
  rmSync(work, { recursive: true, force: true });
});

/** Every name (values and types) src/index.ts exports, from the compiler's view of the module. */
function exportedNames(): string[] {
  const file = join(root, 'src/index.ts');
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(symbol).map((s) => s.getName());
}

describe('docs/library.md', () => {
  it('has an example for each group of the API', () => {
    for (const heading of ['Estimators in memory', 'The file workflow', 'I/O', 'ONNX: export, runtime, quantization', 'Statistics and drift', 'Explanations', 'Federated training', 'Report']) {
      const section = page.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
      expect(section, heading).toMatch(/```ts\n[\s\S]*from 'dadm';/);
    }
  });

  it('documents every name the package exports', () => {
    const names = exportedNames();
    expect(names.length).toBeGreaterThan(100);
    const missing = names.filter((n) => !new RegExp(`\`${n}(\\(\\))?\``).test(page));
    expect(missing).toEqual([]);
  });

  it.each(blocks.map((code, i) => [i + 1, code] as const))('runs example %i', async (i, code) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const file = join(work, `example-${i}.ts`);
      writeFileSync(file, code.replaceAll("from 'dadm';", `from ${JSON.stringify(join(root, 'src/index.ts'))};`));
      await import(file);
      expect(log).toHaveBeenCalled();
      // What an example prints is never undefined or NaN (a misspelt field or a broken number).
      const bad = (v: unknown): boolean => v === undefined || Number.isNaN(v) || (Array.isArray(v) && v.some(bad));
      for (const call of log.mock.calls) expect(call.some(bad), JSON.stringify(call)).toBe(false);
    } finally {
      log.mockRestore();
    }
  });
});

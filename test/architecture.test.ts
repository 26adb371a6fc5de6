/**
 * The import-layer check: every import in src/ must go down the layers of docs/architecture.md (or
 * stay inside its own part), cross into another part only through its index.ts door, and use a
 * third-party package only where the page's package table allows. The tables are read from the page,
 * so the page is the one statement of the rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const SRC = join(ROOT, 'src');
const DOC = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

/** Level of each part (`tensor`, `errors.ts`, ...), from the "## Layers" table. */
function layers(): Map<string, number> {
  const section = DOC.slice(DOC.indexOf('## Layers'), DOC.indexOf('\n## ', DOC.indexOf('## Layers') + 1));
  const out = new Map<string, number>();
  for (const line of section.split('\n')) {
    const m = /^\| (\d+) \| ([^|]+) \|/.exec(line);
    if (!m) continue;
    for (const part of m[2]!.matchAll(/`([^`]+)`/g)) out.set(part[1]!.replace(/\/$/, ''), Number(m[1]));
  }
  return out;
}

/** Which parts may import each package, from the "## Packages" table. */
function packages(): Map<string, Set<string>> {
  const section = DOC.slice(DOC.indexOf('## Packages'), DOC.indexOf('\n## ', DOC.indexOf('## Packages') + 1));
  const out = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| ([^|]+) \|/.exec(line);
    if (m) out.set(m[1]!, new Set([...m[2]!.matchAll(/`([^`]+)`/g)].map((p) => p[1]!.replace(/\/$/, ''))));
  }
  return out;
}

/** The narrow doors (`tensor/kernels.ts`, …), from the "## Narrow doors" table. */
function narrowDoors(): Set<string> {
  const section = DOC.slice(DOC.indexOf('## Narrow doors'), DOC.indexOf('\n## ', DOC.indexOf('## Narrow doors') + 1));
  return new Set([...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The part a file under src/ belongs to: its top folder, or the file name for a root file (a root
 * file named like a folder, `cli.ts`, belongs to that folder's part).
 */
function partOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  if (rel.length > 1) return rel[0]!;
  const stem = rel[0]!.replace(/\.ts$/, '');
  return isFolder(join(SRC, stem)) ? stem : rel[0]!;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every module specifier a file imports or re-exports (type-only imports count: they are dependencies too). */
function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/\b(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => (m[1] ?? m[2])!);
}

/** Every rule an import of `file` breaks, as readable lines. */
function violations(): string[] {
  const level = layers();
  const allowed = packages();
  const builtins = new Set(builtinModules);
  const narrow = narrowDoors();
  const out: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = partOf(file);
    const name = relative(ROOT, file);
    if (!level.has(from)) {
      out.push(`${name}: part '${from}' must be listed in docs/architecture.md's layer table`);
      continue;
    }
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (spec.startsWith('node:') || builtins.has(pkg)) continue;
        if (!allowed.get(pkg)?.has(from)) out.push(`${name}: package '${spec}' must be imported only by ${[...(allowed.get(pkg) ?? [])].join(', ') || 'no part'}, got an import from ${from}`);
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (!target.startsWith(SRC)) continue;
      const to = partOf(target);
      if (to === from) continue;
      if (!level.has(to)) {
        out.push(`${name}: import '${spec}' must name a part of the layer table, got '${to}'`);
        continue;
      }
      if (!(level.get(to)! < level.get(from)!)) {
        out.push(`${name}: import '${spec}' must go down the layers, got ${from} (level ${level.get(from)}) importing ${to} (level ${level.get(to)})`);
      }
      const isDoor = to.endsWith('.ts') || relative(join(SRC, to), target) === 'index.ts' || narrow.has(relative(SRC, target));
      if (!isDoor) out.push(`${name}: import '${spec}' must go through ${to}/index.ts or a narrow door, got a file inside it`);
    }
  }
  return out;
}

/** Every src file reachable through imports from `entry`, and the packages they import. */
function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const pkgs = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) pkgs.add(spec);
    }
  }
  return { files, packages: pkgs };
}

describe('import layers (docs/architecture.md)', () => {
  it('keeps the ONNX runtime slim: it reaches only errors.ts, endian.ts, limits.ts, tensor/, io/ (the checked open), onnx/, protobuf/ and no package', () => {
    const { files, packages: pkgs } = closure(join(SRC, 'runtime', 'index.ts'));
    const parts = new Set([...files].map(partOf));
    expect([...parts].sort()).toEqual(['endian.ts', 'errors.ts', 'io', 'limits.ts', 'onnx', 'protobuf', 'runtime', 'tensor']);
    expect([...pkgs]).toEqual([]);
    for (const door of ['tensor/index.ts', 'io/index.ts', 'onnx/index.ts']) expect(files.has(join(SRC, door)), door).toBe(false);
  });

  it('reads the narrow doors from the page, and each exists', () => {
    expect([...narrowDoors()].sort()).toEqual(['io/input-file.ts', 'onnx/reader.ts', 'tensor/forest-kernels.ts', 'tensor/kernels.ts', 'tensor/neural-kernels.ts', 'tensor/row-threads.ts', 'tensor/wasm-emitter.ts']);
    for (const door of narrowDoors()) expect(statSync(join(SRC, door)).isFile()).toBe(true);
  });

  it('reads a level for every part and the package table from the page', () => {
    expect(layers().get('limits.ts')).toBe(1);
    expect(layers().get('tensor')).toBe(2);
    expect(layers().get('models')).toBe(5);
    expect(packages().get('yaml')).toEqual(new Set(['config']));
  });

  it('finds no import that runs up or sideways, around a door, or to a package outside its parts', () => {
    expect(violations()).toEqual([]);
  });
});

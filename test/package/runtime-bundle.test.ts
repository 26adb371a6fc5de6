/**
 * tools/bundle-runtime.ts, the one-file `dadm/runtime` (issue 19): on small module graphs written here
 * (what each import and export form becomes, and the forms it refuses), and on the runtime itself,
 * transpiled from src/ into a temporary folder as tsc emits it: the bundle exports what
 * dist/runtime/index.js exports, contains only runtime modules, scores the PyTorch-exported
 * autoencoder as its reference says, and throws the error classes of the separate errors.js.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { EOL, availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { IsolationForest } from '../../src/iforest/index.js';
import { encodeModel } from '../../src/onnx/index.js';
import { exportIsolationForest } from '../../src/onnx-writer/index.js';
import { WARM_UP_CALLS } from '../../src/runtime/ops/types.js';
import { Random } from '../../src/tensor/index.js';
import { RUNTIME_BUNDLE, bundle, type Chunk } from '../../tools/bundle-runtime.js';
import { expectError } from '../tensor/expect-error.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'dadm-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Folders of src/ the edge bundle must not contain (as test/package/runtime-entry.test.ts). */
const FORBIDDEN_FOLDERS = ['nn', 'autograd', 'models', 'pipeline', 'quant', 'explain', 'cli', 'onnx-writer', 'federated', 'config', 'data', 'report', 'iforest', 'ecod', 'yaml'];

/** Writes `files` (path → code) under a new folder and returns it. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [path, code] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), code);
  }
  return dir;
}

/** Bundles `dir`'s main.js into out.js and imports it. */
async function bundled(dir: string, external: string[] = []): Promise<Record<string, unknown>> {
  return (await bundledWith(dir, { external })).module;
}

/** Bundles `dir`'s main.js into out.js with `options`, writes the deferred files beside it and imports it. */
async function bundledWith(dir: string, options: { external?: string[]; deferred?: { entry: string; out: string }[] }): Promise<{ module: Record<string, unknown>; modules: string[]; chunks: Chunk[] }> {
  const { code, modules, chunks } = bundle({ root: dir, entry: 'main.js', out: 'out.js', ...options });
  writeFileSync(join(dir, 'out.js'), code);
  for (const chunk of chunks) writeFileSync(join(dir, chunk.out), chunk.code);
  return { module: (await import(pathToFileURL(join(dir, 'out.js')).href)) as Record<string, unknown>, modules, chunks };
}

describe('bundle: module forms', () => {
  it('keeps equal top-level names of different modules apart and follows renamed imports and re-exports', async () => {
    const dir = project('names', {
      'a.js': 'const x = 1;\nexport function f() { return x; }\n',
      'b.js': "import { f as g } from './a.js';\nconst x = 2;\nexport const h = () => x + g();\nexport { x as bx };\n",
      'main.js': "export { h as total, bx } from './b.js';\nexport { f } from './a.js';\n",
    });
    const m = await bundled(dir);
    expect(Object.keys(m).sort()).toEqual(['bx', 'f', 'total']);
    expect((m.total as () => number)()).toBe(3);
    expect(m.bx).toBe(2);
  });

  it('gives a namespace import every name, those of export * included, and runs each module once, dependencies first', async () => {
    const dir = project('namespace', {
      'log.js': 'export const seen = [];\n',
      'leaf.js': "import { seen } from './log.js';\nseen.push('leaf');\nexport const one = 1;\n",
      'door.js': "import { seen } from './log.js';\nseen.push('door');\nexport * from './leaf.js';\nexport const two = 2;\n",
      'main.js': "import * as d from './door.js';\nimport { seen } from './log.js';\nimport './leaf.js';\nexport const sum = d.one + d.two;\nexport { seen };\n",
    });
    const m = await bundled(dir);
    expect(m.sum).toBe(3);
    expect(m.seen).toEqual(['leaf', 'door']);
  });

  it("replaces import.meta.url by the module's own file URL and imports external modules from their files", async () => {
    const dir = project('meta', {
      'shared.js': 'export class Oops extends Error {}\n',
      'sub/where.js': "import { Oops } from '../shared.js';\nexport const url = import.meta.url;\nexport const make = () => new Oops('x');\n",
      'main.js': "export { url, make } from './sub/where.js';\n",
    });
    const m = await bundled(dir, ['shared.js']);
    expect(m.url).toBe(pathToFileURL(join(dir, 'sub/where.js')).href);
    const shared = (await import(pathToFileURL(join(dir, 'shared.js')).href)) as { Oops: new () => Error };
    expect((m.make as () => Error)()).toBeInstanceOf(shared.Oops);
    expect(readFileSync(join(dir, 'out.js'), 'utf8')).toMatch(/^import \* as __dadm_shared from '\.\/shared\.js';$/m);
  });

  it('loads a node: built-in whose names are only called when first called, and any other at once, without an import', async () => {
    const dir = project('builtins', {
      'cores.js': "import { availableParallelism as cores } from 'node:os';\nimport { Worker } from 'node:worker_threads';\nexport const count = () => cores();\nexport const isWorker = () => typeof Worker;\n",
      'main.js': "import { EOL } from 'node:os';\nexport { count, isWorker } from './cores.js';\nexport const eol = EOL;\n",
    });
    const m = await bundled(dir);
    const code = readFileSync(join(dir, 'out.js'), 'utf8');
    // cores() is a call: a function that loads node:os on first use; typeof Worker and EOL are not.
    expect(code).toMatch(/^function cores\(\.\.\.a\) \{ const f = __dadm_builtin\('node:os'\)\.availableParallelism;/m);
    // Not through an import, whose facade of the built-in reads every export (node:fs's streams): the module object itself.
    expect(code).not.toMatch(/^import /m);
    expect([...code.matchAll(/^const \w+ = process\.getBuiltinModule\('([^']+)'\);$/gm)].map((x) => x[1]!).sort()).toEqual(['node:os', 'node:worker_threads']);
    expect((m.count as () => number)()).toBe(availableParallelism());
    expect((m.isWorker as () => string)()).toBe('function');
    expect(m.eol).toBe(EOL);
  });

  it('constructs a lazily imported class with new', async () => {
    const dir = project('builtin-class', { 'main.js': "import { URL as Address } from 'node:url';\nexport const host = (s) => new Address(s).host;\n" });
    const m = await bundled(dir);
    expect(readFileSync(join(dir, 'out.js'), 'utf8')).not.toMatch(/^import /m);
    expect((m.host as (s: string) => string)('http://example.org:8/x')).toBe('example.org:8');
  });

  it('drops comments and writes every non-ASCII character as its escape, meaning the same', async () => {
    const dir = project('ascii', {
      'main.js': "// a comment \u2264 here\n/** doc */\nexport const le = '\u2264 \u{1F600}';\nexport const t = `\u00b5s ${1}`;\nexport const re = /[\u00b5\u2264]/u;\nexport const \u00e9t\u00e9 = 1;\n",
    });
    const m = await bundled(dir);
    const code = readFileSync(join(dir, 'out.js'), 'utf8');
    expect(code).not.toMatch(/[^\x00-\x7f]/);
    expect(code).not.toMatch(/a comment|doc \*\//);
    expect(m.le).toBe('\u2264 \u{1F600}');
    expect(m.t).toBe('\u00b5s 1');
    expect((m.re as RegExp).test('\u2264')).toBe(true);
    expect(m['\u00e9t\u00e9']).toBe(1);
  });

  it('drops indentation, but not the text of a template literal that spans lines', async () => {
    const dir = project('indent', {
      'main.js': 'export function f(x) {\n    if (x) {\n        return `a\n    b ${x}\n  c ${`\n   d`}`;\n    }\n    return 0;\n}\n',
    });
    const m = await bundled(dir);
    const code = readFileSync(join(dir, 'out.js'), 'utf8');
    expect((m.f as (x: number) => string)(7)).toBe('a\n    b 7\n  c \n   d');
    expect(code).toMatch(/^if \(x\) \{$/m);
    expect(code).toMatch(/^return 0;$/m);
  });

  it("keeps a deferred graph in a script that the first read of its namespace compiles and runs, once, sharing the bundle's modules", async () => {
    const dir = project('deferred', {
      'log.js': 'export const seen = [];\nexport const state = { n: 0 };\n',
      'own.js': "import { seen } from './log.js';\nseen.push('own');\nexport const twice = (x) => 2 * x;\n",
      'heavy.js': "import { seen, state } from './log.js';\nimport { twice } from './own.js';\nseen.push('heavy');\nexport const bump = () => twice(++state.n);\n",
      'main.js': "import * as heavy from './heavy.js';\nimport { seen, state } from './log.js';\nexport const run = () => heavy.bump();\nexport const ns = heavy;\nexport { seen, state };\n",
    });
    const { module, modules, chunks } = await bundledWith(dir, { deferred: [{ entry: 'heavy.js', out: 'heavy-chunk.js' }] });
    expect(modules).toEqual(['log.js', 'main.js']);
    expect(chunks.map((c) => [c.out, c.modules])).toEqual([['heavy-chunk.js', ['own.js', 'heavy.js']]]);
    const m = module as { run: () => number; ns: object; seen: string[]; state: { n: number } };
    expect(m.seen).toEqual([]);
    expect(Object.getOwnPropertyDescriptor(m.ns, 'bump')?.get).toBeTypeOf('function');
    expect([m.run(), m.run()]).toEqual([2, 4]);
    // Loaded once, dependencies first, on the bundle's own copy of log.js.
    expect(m.seen).toEqual(['own', 'heavy']);
    expect(m.state.n).toBe(2);
    // Loaded, the namespace holds the values themselves, and no more getters.
    expect(Object.getOwnPropertyDescriptor(m.ns, 'bump')).toMatchObject({ value: expect.any(Function), enumerable: true, writable: false });
    expect(Object.isFrozen(m.ns)).toBe(true);
  });

  it('puts a module that two deferred graphs reach in the bundle, with what it imports, so that it runs once', async () => {
    const dir = project('deferred-two', {
      'count.js': 'export const runs = { n: 0 };\n',
      'base.js': 'export const one = 1;\n',
      'common.js': "import { runs } from './count.js';\nimport { one } from './base.js';\nruns.n++;\nexport const c = { one };\n",
      'a.js': "import { c } from './common.js';\nexport const a = () => c;\n",
      'b.js': "import { c } from './common.js';\nexport const b = () => c;\n",
      'main.js': "import * as a from './a.js';\nimport * as b from './b.js';\nimport { runs } from './count.js';\nexport const f = () => a.a() === b.b() && a.a().one;\nexport { runs };\n",
    });
    const deferred = [{ entry: 'a.js', out: 'a-chunk.js' }, { entry: 'b.js', out: 'b-chunk.js' }];
    const { module, modules, chunks } = await bundledWith(dir, { deferred });
    expect(modules).toEqual(['count.js', 'main.js', 'base.js', 'common.js']);
    expect(chunks.map((c) => [c.out, c.modules])).toEqual([['a-chunk.js', ['a.js']], ['b-chunk.js', ['b.js']]]);
    const m = module as { f: () => number | false; runs: { n: number } };
    expect(m.f()).toBe(1);
    expect(m.runs.n).toBe(1);
  });

  it("loads a deferred graph that another deferred graph imports from a file of its own, on that graph's first read of it", async () => {
    const dir = project('deferred-nested', {
      'log.js': 'export const seen = [];\n',
      'inner.js': "import { seen } from './log.js';\nseen.push('inner');\nexport const half = (x) => x / 2;\n",
      'outer.js': "import * as inner from './inner.js';\nimport { seen } from './log.js';\nseen.push('outer');\nexport const quarter = (x) => inner.half(inner.half(x));\nexport const twice = (x) => 2 * x;\n",
      'main.js': "import * as outer from './outer.js';\nimport { seen } from './log.js';\nexport const q = (x) => outer.quarter(x);\nexport const t = (x) => outer.twice(x);\nexport { seen };\n",
    });
    const deferred = [{ entry: 'outer.js', out: 'outer-chunk.js' }, { entry: 'inner.js', out: 'inner-chunk.js' }];
    const { module, modules, chunks } = await bundledWith(dir, { deferred });
    expect(modules).toEqual(['log.js', 'main.js']);
    expect(chunks.map((c) => [c.out, c.modules])).toEqual([['outer-chunk.js', ['outer.js']], ['inner-chunk.js', ['inner.js']]]);
    const m = module as { q: (x: number) => number; t: (x: number) => number; seen: string[] };
    expect(m.t(3)).toBe(6);
    expect(m.seen).toEqual(['outer']);
    expect([m.q(8), m.q(4)]).toEqual([2, 1]);
    expect(m.seen).toEqual(['outer', 'inner']);
  });

  it('refuses a named import of a deferred module', () => {
    const named = project('deferred-named', { 'heavy.js': 'export const x = 1;\n', 'main.js': "import { x } from './heavy.js';\nexport const y = x;\n" });
    expect(() => bundle({ root: named, entry: 'main.js', out: 'out.js', deferred: [{ entry: 'heavy.js', out: 'heavy-chunk.js' }] })).toThrow(/main\.js must import the deferred heavy\.js as a namespace \(import \* as\), got named imports/);
  });

  it("gives import.meta.url in a deferred graph the module's own file URL, as in the bundle", async () => {
    const dir = project('deferred-meta', {
      'lib/heavy.js': 'export const u = import.meta.url;\n',
      'lib/near.js': 'export const u = import.meta.url;\n',
      'main.js': "import * as h from './lib/heavy.js';\nimport { u as near } from './lib/near.js';\nexport const y = () => h.u;\nexport { near };\n",
    });
    const m = (await bundledWith(dir, { deferred: [{ entry: 'lib/heavy.js', out: 'heavy-chunk.js' }] })).module as { y: () => string; near: string };
    expect(m.near).toBe(pathToFileURL(join(dir, 'lib/near.js')).href);
    expect(m.y()).toBe(pathToFileURL(join(dir, 'lib/heavy.js')).href);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['a tagged template with non-ASCII text', { 'main.js': 'export const raw = String.raw`\u00b5s`;\n' }, /main\.js must not use a tagged template with non-ASCII text/],
    ['an import cycle', { 'a.js': "import { b } from './b.js';\nexport const a = () => b;\n", 'b.js': "import { a } from './a.js';\nexport const b = () => a;\n", 'main.js': "export { a } from './a.js';\n" }, /import cycle main\.js -> a\.js -> b\.js -> a\.js/],
    ['an exported let (a live binding)', { 'main.js': 'export let n = 1;\nexport function inc() { n++; }\n' }, /main\.js must export only const variables/],
    ['a default import', { 'a.js': 'export default 1;\n', 'main.js': "import one from './a.js';\nexport const two = one + 1;\n" }, /main\.js must not use a default import/],
    ['a package import', { 'main.js': "import { parse } from 'yaml';\nexport const p = parse;\n" }, /must import only node: built-ins and relative files, got 'yaml'/],
    ['import.meta.dirname', { 'main.js': 'export const d = import.meta.dirname;\n' }, /must use only import\.meta\.url/],
    ['a top-level await', { 'main.js': 'export const v = await Promise.resolve(1);\n' }, /must not await at top level/],
  ];
  for (const [what, files, message] of refused) {
    it(`refuses ${what}`, () => {
      const dir = project(what.replace(/\W+/g, '-'), files);
      expect(() => bundle({ root: dir, entry: 'main.js', out: 'out.js' })).toThrow(message);
    });
  }
});

/** The runtime's graph from src/runtime/index.ts, each file transpiled as tsc emits it, under `dir`. */
function transpileRuntime(dir: string): void {
  const todo = [resolve(root, 'src/runtime/index.ts')];
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const out = join(dir, relative(join(root, 'src'), file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
    for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)) todo.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
}

describe('bundle: dadm/runtime', () => {
  const dist = join(tmp, 'dist');
  transpileRuntime(dist);
  const { code, modules, chunks } = bundle({ root: dist, ...RUNTIME_BUNDLE });
  writeFileSync(join(dist, RUNTIME_BUNDLE.out), code);
  for (const chunk of chunks) writeFileSync(join(dist, chunk.out), chunk.code);
  const load = async (path: string): Promise<Record<string, unknown>> => (await import(pathToFileURL(join(dist, path)).href)) as Record<string, unknown>;

  it('contains the runtime modules and none of training, explanation, quantization, pipeline or YAML', () => {
    expect(modules).toContain('runtime/load-onnx.js');
    expect(modules).toContain('protobuf/codec.js');
    // The neural ops and their kernels, their WebAssembly, the forest's planner and loader, and the
    // row thread pool are each in their deferred file, and only there.
    expect(chunks.map((c) => c.out)).toEqual(['runtime/bundle-neural.js', 'runtime/bundle-forest.js', 'runtime/bundle-forest-walk.js', 'runtime/bundle-neural-wasm.js', 'runtime/bundle-emitter.js', 'runtime/bundle-threads.js']);
    const [neural, forest, forestWalk, neuralWasm, emitter, threads] = chunks as [Chunk, Chunk, Chunk, Chunk, Chunk, Chunk];
    expect(emitter.modules).toEqual(expect.arrayContaining(['tensor/wasm/module.js', 'tensor/wasm/code.js', 'tensor/wasm/opcodes.js', 'tensor/wasm/kernels.js', 'tensor/wasm-emitter.js']));
    expect(neural.modules).toEqual(expect.arrayContaining(['runtime/ops/gemm.js', 'runtime/ops/softmax.js', 'tensor/gemm.js', 'tensor/softmax.js', 'tensor/layer-norm.js']));
    expect(neuralWasm.modules).toEqual(expect.arrayContaining(['tensor/wasm/neural.js', 'tensor/wasm/gemm.js', 'tensor/wasm/gemm-kernel.js', 'tensor/wasm/normalize-kernel.js']));
    expect(forest.modules).toEqual(expect.arrayContaining(['runtime/ops/tree-ensemble.js', 'runtime/ops/tree-walk.js', 'runtime/load-wasm.js', 'runtime/load-kernel.js', 'runtime/forest-links-kernel.js']));
    expect(forestWalk.modules).toEqual(['tensor/wasm/forest-kernel.js', 'tensor/wasm/forest.js', 'tensor/forest-kernels.js']);
    expect(threads.modules).toEqual(expect.arrayContaining(['tensor/threads/pool.js', 'tensor/threads/parallel-rows.js', 'tensor/row-threads.js']));
    const deferred = chunks.flatMap((c) => c.modules);
    expect(modules.filter((f) => deferred.includes(f))).toEqual([]);
    expect(new Set(deferred).size).toBe(deferred.length);
    expect(modules).not.toContain('tensor/wasm/gemm-kernel.js');
    expect(modules.filter((f) => FORBIDDEN_FOLDERS.some((d) => f.startsWith(`${d}/`)))).toEqual([]);
    // What it was built from, as the bundle itself records it, and everything it imports.
    const sources = [...code.matchAll(/^\/\/ (\S+\.js)$/gm)].map((m) => m[1]);
    expect(sources).toEqual(modules);
    const imported = [...code.matchAll(/^import \* as \w+ from '([^']+)';$/gm)].map((m) => m[1]!);
    expect(imported).toEqual(['../errors.js']);
    expect(code).not.toMatch(/\bfrom\s+['"](yaml|onnx-proto|protobufjs|long)['"]/);
  });

  it('exports exactly the names of runtime/index.js', async () => {
    const [one, many] = await Promise.all([load(RUNTIME_BUNDLE.out), load(RUNTIME_BUNDLE.entry)]);
    expect(Object.keys(one).sort()).toEqual(Object.keys(many).sort());
  });

  it('scores the PyTorch-exported autoencoder as expected.json says', async () => {
    const { loadOnnx } = (await load(RUNTIME_BUNDLE.out)) as { loadOnnx: (b: Uint8Array) => { score(row: Float32Array): number } };
    const fixtures = join(root, 'test/fixtures/onnx');
    const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as { autoencoder: { cases: { id: string; input: { data: number[] }; score: { data: number[] } }[] } };
    const c = expected.autoencoder.cases.find((x) => x.id === 'single_row')!;
    const model = loadOnnx(new Uint8Array(readFileSync(join(fixtures, 'autoencoder_opset17.onnx'))));
    expect(model.score(Float32Array.from(c.input.data))).toBeAllclose(c.score.data);
  });

  // TurboFan's first use in a process pages ~3 MB of Node's code in (docs/edge.md, "What start-up pays
  // for"): the forest met its 50 MB only without it, and one hot emitter method once cost it 3 MB. V8's
  // own traces say what it optimized; the child waits so that background compilations are reported.
  it('loads and scores the W6 forest (100 trees) and the autoencoder in a fresh process without TurboFan, for JavaScript or WebAssembly', () => {
    const data = new Random(0).normalFill(new Float32Array(10_000 * 12));
    const forest = new IsolationForest({ nEstimators: 100, maxSamples: 256, seed: 0 }).fit({ data, shape: [10_000, 12] });
    const forestPath = join(tmp, 'w6-forest.onnx');
    writeFileSync(forestPath, encodeModel(exportIsolationForest(forest.toArrays(), { dynamicBatch: true })));
    const script = join(dist, 'tiering-child.mjs');
    writeFileSync(script, [
      "import { readFileSync } from 'node:fs';",
      `import { loadOnnx } from './${RUNTIME_BUNDLE.out}';`,
      'const [path, width] = process.argv.slice(2);',
      'const score = loadOnnx(readFileSync(path)).score(new Float32Array(Number(width)).fill(0.5));',
      'setTimeout(() => console.log(`score ${score}`), 300);',
    ].join('\n'));
    const models: [string, number][] = [[forestPath, 12], [join(root, 'test/fixtures/onnx/autoencoder_opset17.onnx'), 64]];
    for (const [path, width] of models) {
      const r = spawnSync(process.execPath, ['--trace-opt', '--trace-wasm-compilation-times', script, path, String(width)], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^score \d/m);
      // The traces are read: the forest's loader is compiled, by Liftoff.
      if (path === forestPath) expect(r.stdout).toMatch(/using Liftoff/);
      expect(r.stdout.split('\n').filter((l) => /TURBOFAN|TurboFan/.test(l))).toEqual([]);
    }
  });

  // A deferred file costs its parse only where it is read (docs/edge.md, "Six files loaded on first use").
  it('reads only the deferred files a model needs: for loading and the first score, and at the 64th', () => {
    const script = join(dist, 'reads-child.mjs');
    writeFileSync(script, [
      "import fs from 'node:fs';",
      'const opened = [];',
      'const open = fs.openSync;',
      "fs.openSync = (path, ...rest) => { if (/bundle-[\\w-]+\\.js$/.test(String(path))) opened.push(String(path).split('/').pop()); return open(path, ...rest); };",
      `const { loadOnnx } = await import('./${RUNTIME_BUNDLE.out}');`,
      'const [path, width, calls] = process.argv.slice(2);',
      'const model = loadOnnx(path);',
      'for (let i = 0; i < Number(calls); i++) model.score(new Float32Array(Number(width)).fill(0.5));',
      'console.log(opened.join(" "));',
    ].join('\n'));
    const data = new Random(2).normalFill(new Float32Array(1_000 * 4));
    const forestPath = join(tmp, 'reads-forest.onnx');
    writeFileSync(forestPath, encodeModel(exportIsolationForest(new IsolationForest({ nEstimators: 10, maxSamples: 256, seed: 2 }).fit({ data, shape: [1_000, 4] }).toArrays(), { dynamicBatch: true })));
    const autoencoder = join(root, 'test/fixtures/onnx/autoencoder_opset17.onnx');
    const reads = (path: string, width: number, calls: number): string => {
      const r = spawnSync(process.execPath, [script, path, String(width), String(calls)], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DADM_BACKEND: 'wasm' } });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    expect(reads(autoencoder, 64, 1)).toBe('bundle-neural.js');
    expect(reads(autoencoder, 64, WARM_UP_CALLS)).toBe('bundle-neural.js bundle-emitter.js bundle-neural-wasm.js');
    expect(reads(forestPath, 4, 1)).toBe('bundle-forest.js bundle-emitter.js');
    expect(reads(forestPath, 4, WARM_UP_CALLS)).toBe('bundle-forest.js bundle-emitter.js bundle-forest-walk.js');
  });

  it("switches a forest to its fast walk, from that walk's own file, at the 64th score, scoring rows as before", async () => {
    const data = new Random(1).normalFill(new Float32Array(2_000 * 4));
    const forest = new IsolationForest({ nEstimators: 20, maxSamples: 64, seed: 1 }).fit({ data, shape: [2_000, 4] });
    const { loadOnnx } = (await load(RUNTIME_BUNDLE.out)) as { loadOnnx: (b: Uint8Array) => { score(row: Float32Array): number } };
    const model = loadOnnx(encodeModel(exportIsolationForest(forest.toArrays(), { dynamicBatch: true })));
    const rows = Array.from({ length: 8 }, (_, r) => data.slice(4 * r, 4 * r + 4));
    const before = rows.map((row) => model.score(row));
    for (let i = rows.length; i < WARM_UP_CALLS; i++) model.score(rows[0]!);
    const after = rows.map((row) => model.score(row));
    expect(after).toEqual(before);
  });

  // The row plan's first calls run the JavaScript kernels (src/runtime/onnx-model.ts): V8 reports every
  // WebAssembly function it compiles, so a process that scores WARM_UP_CALLS - 1 rows compiles none and
  // the next call compiles the backend's kernels.
  it("scores an autoencoder's first rows without compiling WebAssembly, and compiles its kernels at the switch", () => {
    const script = join(dist, 'warm-up-child.mjs');
    writeFileSync(script, [
      "import { readFileSync } from 'node:fs';",
      `import { loadOnnx } from './${RUNTIME_BUNDLE.out}';`,
      'const [path, calls] = process.argv.slice(2);',
      'const model = loadOnnx(readFileSync(path));',
      'const row = new Float32Array(64).fill(0.5);',
      'let score = 0;',
      'for (let i = 0; i < Number(calls); i++) score = model.score(row);',
      'console.log(`score ${score}`);',
    ].join('\n'));
    const scores: number[] = [];
    const compiled = (calls: number): number => {
      const path = join(root, 'test/fixtures/onnx/autoencoder_opset17.onnx');
      const r = spawnSync(process.execPath, ['--trace-wasm-compilation-times', script, path, String(calls)], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DADM_BACKEND: 'wasm' } });
      expect(r.status, r.stderr).toBe(0);
      scores.push(Number(/^score (\S+)$/m.exec(r.stdout)![1]));
      return r.stdout.split('\n').filter((l) => /^Compiled function/.test(l)).length;
    };
    expect(compiled(1)).toBe(0);
    expect(compiled(WARM_UP_CALLS - 1)).toBe(0);
    // The switch loads the kernels' WebAssembly from its own file; it scores as the JavaScript did.
    expect(compiled(WARM_UP_CALLS)).toBeGreaterThan(0);
    expect(scores[0]).toBeGreaterThan(0);
    expect(scores[2]).toBeCloseTo(scores[0]!, 5);
    // The neural ops' file is compiled with vm.Script, which a hardened agent's flag against eval and
    // new Function does not refuse.
    const path = join(root, 'test/fixtures/onnx/autoencoder_opset17.onnx');
    const hardened = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', script, path, '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(hardened.status, hardened.stderr).toBe(0);
    expect(hardened.stdout).toMatch(/^score 0\.\d+$/m);
  });

  it('says which file is missing when a deferred file was not installed', () => {
    const script = join(dist, 'missing-child.mjs');
    writeFileSync(script, [
      "import { readFileSync } from 'node:fs';",
      `import { loadOnnx } from './${RUNTIME_BUNDLE.out}';`,
      'loadOnnx(readFileSync(process.argv[2]));',
    ].join('\n'));
    const neural = join(dist, 'runtime/bundle-neural.js');
    renameSync(neural, `${neural}.away`);
    try {
      const r = spawnSync(process.execPath, [script, join(root, 'test/fixtures/onnx/autoencoder_opset17.onnx')], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).not.toBe(0);
      // dadm's own error, which the plan passes through, not a FormatError blaming the model.
      expect(r.stderr, r.stderr).toMatch(/^DadmError: dadm\/runtime: \S+bundle-neural\.js must be readable, as it is installed beside bundle\.js, got ENOENT$/m);
      // A file past the limit is refused from its size, before the read allocates (a sparse file: no data written).
      writeFileSync(neural, '');
      truncateSync(neural, (1 << 24) + 1);
      const big = spawnSync(process.execPath, [script, join(root, 'test/fixtures/onnx/autoencoder_opset17.onnx')], { encoding: 'utf8', timeout: 60_000 });
      expect(big.stderr, big.stderr).toMatch(/^DadmError: dadm\/runtime: \S+bundle-neural\.js must be at most 16777216 bytes, got 16777217$/m);
    } finally {
      renameSync(`${neural}.away`, neural);
    }
  });

  it('throws the error classes of the separate errors.js, the ones the main entry exports', async () => {
    const { loadOnnx } = (await load(RUNTIME_BUNDLE.out)) as { loadOnnx: (b: Uint8Array) => unknown };
    const { FormatError } = (await load('errors.js')) as { FormatError: new () => Error };
    expectError(() => loadOnnx(new Uint8Array([0xff])), FormatError, /^onnx: bytes must be a valid ONNX ModelProto protobuf/);
  });
});

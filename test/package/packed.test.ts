/**
 * The package as a user gets it (issue 14 part 3): built once into a temporary folder, packed once
 * with `npm pack`, installed once offline into a consumer project (its dependencies copied from this
 * repository's node_modules, so nothing is fetched), then: what the tarball ships, `require('dadm')`
 * and `import('dadm')`, a consumer typechecked with `skipLibCheck: false` and `"types": ["node"]`,
 * and the warnings of the install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; license: string; files: string[]; dependencies: Record<string, string> };
const tmp = mkdtempSync(join(tmpdir(), 'dadm-packed-'));
const stage = join(tmp, 'stage');
const consumer = join(tmp, 'consumer');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs npm without a registry: every npm call here must work offline. */
function npm(args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync('npm', [...args, '--offline', '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_loglevel: 'warn' } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/**
 * Copies the packages `names` need at run time from this repository's node_modules into the consumer's,
 * following Node's resolution (a nested node_modules comes along with its parent).
 */
function copyDependencies(names: string[]): void {
  const seen = new Set<string>();
  const todo = names.map((name) => ({ name, from: root }));
  while (todo.length > 0) {
    const { name, from } = todo.pop()!;
    // Node looks in <dir>/node_modules for each package dir enclosing the requiring one, up to the root.
    let dir = from;
    while (!existsSync(join(dir, 'node_modules', name, 'package.json'))) {
      if (dir === root) throw new Error(`dependency ${name} of ${from} not found`);
      dir = dir.slice(0, dir.lastIndexOf('/node_modules/'));
    }
    const found = join(dir, 'node_modules', name);
    if (seen.has(found)) continue;
    seen.add(found);
    if (dir === root) cpSync(found, join(consumer, 'node_modules', name), { recursive: true, dereference: true });
    const deps = (JSON.parse(readFileSync(join(found, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const dep of Object.keys(deps)) todo.push({ name: dep, from: found });
  }
}

/** Files of a folder, relative, with '/' separators. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

let packed: string[] = [];
let fromRepo: string[] = [];
let installOutput = '';

beforeAll(() => {
  // Build into the stage (not the repository's dist), then copy what package.json's `files` names.
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: root, timeout: 300_000 });
  // The build's second step (package.json `build`): dadm/runtime as one file.
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'tools/bundle-runtime.ts'), join(stage, 'dist')], { cwd: root, timeout: 300_000 });
  writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2));
  for (const f of pkg.files.filter((f) => f !== 'dist')) cpSync(join(root, f), join(stage, f), { recursive: true });
  const out = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], stage).stdout) as { filename: string; files: { path: string }[] }[];
  packed = out[0]!.files.map((f) => f.path).sort();
  // What `npm pack` in the repository itself would ship besides dist (the `files` field at work).
  fromRepo = (JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root).stdout) as { files: { path: string }[] }[])[0]!.files
    .map((f) => f.path)
    .filter((f) => !f.startsWith('dist/'));

  mkdirSync(join(consumer, 'node_modules'), { recursive: true });
  // The consumer's own dev dependency (its tsconfig names "node"), then the package's dependencies.
  const typesNode = JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string };
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', devDependencies: { '@types/node': typesNode.version } }));
  copyDependencies(['@types/node', ...Object.keys(pkg.dependencies)]);
  const r = npm(['install', join(tmp, out[0]!.filename)], consumer);
  installOutput = `${r.stdout}\n${r.stderr}`;
}, 900_000);

/** Where a shipped path may live. */
const SHIPPED = /^(dist\/.+\.(js|d\.ts)|docs\/.+|README\.md|LICENSE|package\.json)$/;

describe('the packed tarball', () => {
  it('ships the built code, docs, README, LICENSE and package.json, and no tests, fixtures or benchmarks', () => {
    for (const list of [packed, fromRepo]) {
      expect(list.filter((f) => !SHIPPED.test(f))).toEqual([]);
      expect(list.filter((f) => /(^|\/)(test|tests|fixtures|bench)\/|\.test\.|\.tsbuildinfo$/.test(f))).toEqual([]);
      expect(list).toContain('LICENSE');
    }
    expect(packed).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/runtime/index.js', 'dist/runtime/bundle.js', 'dist/runtime/bundle-neural.js', 'dist/runtime/bundle-forest.js', 'dist/runtime/bundle-forest-walk.js', 'dist/runtime/bundle-neural-wasm.js', 'dist/runtime/bundle-emitter.js', 'dist/runtime/bundle-threads.js', 'dist/runtime/index.d.ts', 'dist/cli.js', 'package.json', 'README.md']));
  });

  it('has no source map that points at a file it does not ship', () => {
    const shipped = new Set(packed);
    for (const f of packed.filter((p) => p.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(stage, f), 'utf8'))?.[1];
      if (url === undefined) continue;
      const map = join(dirname(f), url).replaceAll('\\', '/');
      expect(shipped.has(map), `${f} maps to ${map}`).toBe(true);
      const sources = (JSON.parse(readFileSync(join(stage, map), 'utf8')) as { sources: string[] }).sources;
      for (const s of sources) expect(shipped.has(join(dirname(map), s).replaceAll('\\', '/')), `${map} names ${s}`).toBe(true);
    }
    expect(listFiles(join(stage, 'dist')).filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('has a LICENSE file whose text is the license package.json names', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
  });

  it('loads with require() and import() on this Node (>= 20.19: require of ESM), the runtime subpath too', () => {
    const script = [
      "const d = require('dadm');",
      "const r = require('dadm/runtime');",
      "import('dadm').then((m) => console.log(JSON.stringify([typeof d.Autoencoder, typeof d.readNpyFile, typeof r.loadOnnx, m.Autoencoder === d.Autoencoder])));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['-e', script], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out)).toEqual(['function', 'function', 'function', true]);
  });

  it("dadm/runtime's one file scores on worker threads and throws the error classes the main entry exports", () => {
    // ParallelScorer's workers load their task modules from the compiled files beside the bundle.
    const script = [
      "import { IForest, FormatError } from 'dadm';",
      "import { ParallelScorer, loadOnnx } from 'dadm/runtime';",
      'const rows = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(i)]);',
      'const onnx = new IForest({ nEstimators: 5 }).fit(rows).toOnnx({ dynamicBatch: true });',
      'const x = Float32Array.from(rows.flat());',
      'const scorer = new ParallelScorer(onnx, { threads: 2 });',
      'const parallel = Array.from(scorer.score(x, 64));',
      'scorer.close();',
      'const model = loadOnnx(onnx);',
      "const single = rows.map((r) => model.score(Float32Array.from(r)));",
      'let sameClass = false;',
      'try { loadOnnx(new Uint8Array([0xff])); } catch (e) { sameClass = e instanceof FormatError; }',
      'console.log(JSON.stringify({ threads: scorer.threads, equal: parallel.every((v, i) => v === single[i]), sameClass }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out)).toEqual({ threads: 2, equal: true, sameClass: true });
  });

  it("exposes the curated API by name, not the engine's internals", () => {
    const out = execFileSync(process.execPath, ['-e', "console.log(JSON.stringify(Object.keys(require('dadm'))))"], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    const names = JSON.parse(out) as string[];
    expect(names).toEqual(expect.arrayContaining(['Autoencoder', 'IForest', 'IsolationForest', 'ECOD', 'train', 'score', 'loadOnnx', 'quantizeDynamic', 'shapleyValues', 'stats', 'federated']));
    for (const internal of ['nextDownFloat32', 'removeCreatedDirs', 'attrFloat', 'gemm', 'Var', 'tensor', 'autograd', 'modelKind', 'checkpointParts']) expect(names).not.toContain(internal);
  });

  let typechecked: { status: number | null; output: string } | undefined;
  /** tsc on a consumer that uses the API, strictly: its lib checks included (run once, shared by two tests). */
  function typecheckConsumer(): { status: number | null; output: string } {
    typechecked ??= runConsumerTsc();
    return typechecked;
  }

  function runConsumerTsc(): { status: number | null; output: string } {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, include: ['index.ts'] }),
    );
    writeFileSync(
      join(consumer, 'index.ts'),
      [
        "import { Autoencoder, IForest, readNpyFile, type NpyCast } from 'dadm';",
        "import { loadOnnx } from 'dadm/runtime';",
        'const rows: number[][] = [[0, 1], [1, 0], [0.5, 0.5], [9, 9]];',
        'const ae = new Autoencoder({ hiddenDims: [2, 1], training: { epochs: 1 } }).fit(rows);',
        'const flags: Int8Array = ae.predict(rows);',
        'const forest = new IForest({ nEstimators: 5 }).fit(rows);',
        'const onnx = loadOnnx(forest.toOnnx());',
        "const cast: NpyCast = readNpyFile('x.npy').cast;",
        'console.log(flags, onnx, cast);',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer], { cwd: consumer, encoding: 'utf8', timeout: 300_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  it('typechecks a strict consumer (skipLibCheck false, types ["node"]) with no error: no onnx-proto, no `Long` typings', () => {
    const { status, output } = typecheckConsumer();
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 600_000);

  it('installs with no warning at all (no protobufjs, so no install script)', () => {
    expect(installOutput).not.toMatch(/npm warn/i);
  });
});

/**
 * Joins the compiled runtime (dist/runtime/index.js and every module it imports) into one ES module,
 * dist/runtime/bundle.js, the file `dadm/runtime` points at (docs/edge.md "## Memory and start-up").
 * Node resolves, reads and links each module of a graph on its own; for the runtime's ~80 modules that
 * work alone cost an edge agent 5.8 MB of peak RSS and half of its start-up CPU time (autoencoder,
 * load + one score: 53.5 → 47.7 MB, 0.36 → 0.18 s user + sys; docs/edge.md).
 *
 * How: modules are emitted dependency first, each inside its own arrow function, so their top-level
 * names never collide and nothing needs renaming:
 *
 *   // tensor/shape.js
 *   const __dadm_tensor_shape = (() => {
 *     const { ShapeError } = __dadm_errors;     // was: import { ShapeError } from '../errors.js';
 *     ...the module's code, `export` keywords removed...
 *     return { broadcastShapes, fmtShape };      // its exports
 *   })();
 *
 * The compiled code uses only static imports and exports of names (checked here: anything else fails
 * the build, so the bundle never silently changes meaning). An exported binding is read once when the
 * module's function returns, so an exported `let` (a live binding) fails the build, and so does an
 * import cycle. `import.meta.url` becomes the URL of the module's own compiled file, which still ships
 * beside the bundle: worker threads load their task modules from there. Modules named `external` stay
 * separate files that the bundle imports, so a process that imports both `dadm` and `dadm/runtime` has
 * one copy of them: the error classes, whose `instanceof` must hold across both entries.
 *
 * What start-up pays for is cut too: comments are dropped and the text is ASCII (see compact), a
 * node: built-in whose imported names are only called is loaded on the first call (see calledOnly),
 * and any other is taken with `process.getBuiltinModule`, not imported: for `import`, Node builds an
 * ES module facade of the built-in, which reads every export, and node:fs's streams are loaded by
 * that read (~3.4 ms of an edge agent's start-up that never uses them). Each `deferred` graph (the
 * neural ops, the forest's, their WebAssembly, the emitter, the row thread pool) goes into a file of
 * its own that the bundle loads on first use (see DEFER_HELPER).
 *
 * Usage: node --import tsx tools/bundle-runtime.ts [distDir]   (default: dist; run by `npm run build`)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** What to bundle: paths relative to `root`, the compiled package's folder. */
export interface BundleOptions {
  /** The compiled package's folder (dist). */
  root: string;
  /** The module whose graph is bundled and whose exports the bundle exports. */
  entry: string;
  /** Where the bundle will be written: its imports and URLs are relative to it. */
  out: string;
  /** Modules kept as separate files that the bundle imports. */
  external?: readonly string[];
  /**
   * Graphs loaded on first use: each `entry` (imported only as a namespace, `import * as ns`, by the
   * bundle's modules or another deferred graph's) and the modules only it reaches go into a file
   * `out` of their own, a script that the bundle compiles and runs, once, when a property of the
   * namespace is first read (see {@link DEFER_HELPER}). Its modules share the bundle's copies of
   * everything else; a module that two deferred graphs reach goes in the bundle.
   */
  deferred?: readonly { entry: string; out: string }[];
  /**
   * The error class a deferred file that cannot be read is reported with: an export of an `external`
   * module (a plain Error without it).
   */
  deferredError?: { module: string; name: string };
}

/** A file the build writes besides the bundle: a deferred graph (see {@link BundleOptions.deferred}). */
export interface Chunk {
  out: string;
  code: string;
  modules: string[];
}

/** dadm/runtime's bundle, relative to the compiled package (dist): the one the build writes. */
export const RUNTIME_BUNDLE = Object.freeze({
  entry: 'runtime/index.js',
  out: 'runtime/bundle.js',
  external: ['errors.js'],
  // A missing file is dadm's error, not the model's (a plan passes DadmErrors through).
  deferredError: { module: 'errors.js', name: 'DadmError' },
  deferred: [
    // The neural ops and their kernels: a forest's start-up never parses them (docs/edge.md).
    { entry: 'runtime/ops/neural.js', out: 'runtime/bundle-neural.js' },
    // The forest's planner and loader: a neural model's start-up never parses them.
    { entry: 'runtime/ops/forest.js', out: 'runtime/bundle-forest.js' },
    // The forest's fast walk in WebAssembly, which the forest's file loads on a model's 64th score.
    { entry: 'tensor/forest-kernels.js', out: 'runtime/bundle-forest-walk.js' },
    // The neural kernels' WebAssembly, which the neural file loads on a model's 64th score: the
    // first scores run the JavaScript kernels (docs/edge.md, "What start-up pays for").
    { entry: 'tensor/wasm/neural.js', out: 'runtime/bundle-neural-wasm.js' },
    // WebAssembly's emitter and the kernels' compile step, read when a module is first emitted: a
    // forest's load, a neural model's 64th score.
    { entry: 'tensor/wasm-emitter.js', out: 'runtime/bundle-emitter.js' },
    // The row thread pool of ParallelScorer: an agent that scores with OnnxModel never parses it.
    { entry: 'tensor/row-threads.js', out: 'runtime/bundle-threads.js' },
  ],
});

type Edit = [start: number, end: number, replacement: string];
/** `lazy`: names of a node: built-in that the module only calls (see {@link calledOnly}), as [imported, local]. */
type Import = { from: string; namespace: string } | { from: string; names: string[] } | { from: string; lazy: [string, string][] };

interface Module {
  /** The module's code without its import and export syntax. */
  code: string;
  imports: Import[];
  /** [exported name, local name] pairs. */
  exports: [string, string][];
  /** Modules re-exported whole (`export * from`). */
  reexportAll: string[];
  /** Resolved paths of the modules it imports. */
  deps: string[];
  /** The node: built-ins it imports. */
  packages: string[];
  /** Every name the module exports, those of `export *` included, sorted. */
  exportNames(all: ReadonlyMap<string, Module>): string[];
}

/** Module variables' prefix; a source that already uses it fails the build. */
const PREFIX = '__dadm_';
/** The bundle's loader of built-ins imported lazily ({@link calledOnly}). */
const BUILTIN = `${PREFIX}builtin`;
/** A deferred file's name for the bundle's `import.meta.url`, which its modules' own URLs are resolved against. */
const BUNDLE_URL = `${PREFIX}bundle_url`;

/**
 * Bundles the module graph of `options.entry` into one ES module text.
 * @returns the bundle and the modules it contains (relative to root, '/'-separated, dependencies first)
 * @throws Error naming the module and construct when the graph uses something this bundler does not
 *   reproduce (default imports or exports, exported `let`, import cycles, `import.meta` other than url,
 *   top-level await, a package import other than node: built-ins)
 */
export function bundle(options: BundleOptions): { code: string; modules: string[]; chunks: Chunk[] } {
  const root = resolve(options.root);
  const entry = resolve(root, options.entry);
  const out = resolve(root, options.out);
  const kept = new Set((options.external ?? []).map((f) => resolve(root, f)));
  const deferred = new Map((options.deferred ?? []).map((d) => [resolve(root, d.entry), resolve(root, d.out)]));
  const parsed = new Map<string, Module>();
  // Dependencies first; a deferred entry and what only it reaches are not followed from the bundle.
  const walk = (from: string, order: string[], skip: (file: string) => boolean): string[] => {
    const visit = (file: string, path: string[]): void => {
      if (order.includes(file)) return;
      if (path.includes(file)) fail(`import cycle ${[...path, file].map((f) => relative(root, f)).join(' -> ')}`);
      let module = parsed.get(file);
      if (module === undefined) parsed.set(file, (module = parseModule(file, root)));
      for (const dep of module.deps) if (!kept.has(dep) && !skip(dep)) visit(dep, [...path, file]);
      order.push(file);
    };
    visit(from, []);
    return order;
  };
  const order = walk(entry, [], (dep) => deferred.has(dep));
  // A deferred graph: its entry and what it reaches, up to the bundle's modules and other deferred
  // entries (each of which has a file of its own, which this one loads on first use as well).
  const graphOf = (from: string): string[] => walk(from, [], (dep) => order.includes(dep) || (dep !== from && deferred.has(dep)));
  // The deferred graphs in use: those the bundle imports, and those their graphs import in turn.
  const used = new Set<string>();
  const use = (files: readonly string[]): void => {
    for (const file of files) {
      for (const dep of parsed.get(file)!.deps) {
        if (!deferred.has(dep) || used.has(dep)) continue;
        used.add(dep);
        use(graphOf(dep));
      }
    }
  };
  use(order);
  // A module that two deferred graphs reach would run twice, with two copies of its state, if each
  // file had its own: it goes in the bundle, after the bundle's own modules, with what it imports.
  const reached = new Map<string, number>();
  for (const from of used) for (const file of graphOf(from)) reached.set(file, (reached.get(file) ?? 0) + 1);
  for (const [file, graphs] of reached) if (graphs > 1) walk(file, order, (dep) => deferred.has(dep));
  const graphs = [...deferred.keys()].filter((from) => used.has(from)).map((from) => ({ from, own: graphOf(from) }));
  for (const file of [...order, ...graphs.flatMap((g) => g.own)]) {
    for (const i of parsed.get(file)!.imports) {
      if (deferred.has(i.from) && !('namespace' in i)) fail(`${relative(root, file)} must import the deferred ${relative(root, i.from)} as a namespace (import * as), got named imports`);
    }
  }

  const varOf = (file: string): string => PREFIX + relative(root, file).replace(/\.js$/, '').replace(/[^A-Za-z0-9]/g, '_');
  // A node: built-in's variable, and the line that takes it (the bundle's header, a deferred file's).
  const builtinVar = (spec: string): string => `${PREFIX}${spec.replace(/[^A-Za-z0-9]/g, '_')}`;
  const takeBuiltin = (spec: string): string => `const ${builtinVar(spec)} = process.getBuiltinModule('${spec}');`;
  const urlFrom = (file: string): string => {
    const path = relative(dirname(out), file).split(sep).join('/');
    return path.startsWith('../') ? path : `./${path}`;
  };
  const header = new Map<string, string>();
  const builtins = new Map<string, string>();
  for (const module of parsed.values()) {
    for (const spec of module.packages) builtins.set(spec, takeBuiltin(spec));
    for (const dep of module.deps) if (kept.has(dep)) header.set(dep, `import * as ${varOf(dep)} from '${urlFrom(dep)}';`);
  }
  const body = (file: string, inChunk: boolean): string => {
    const m = parsed.get(file)!;
    const source = (target: string): string => (target.startsWith('node:') ? builtinVar(target) : varOf(target));
    const imports = m.imports.map((i) =>
      'namespace' in i ? `const ${i.namespace} = ${source(i.from)};`
      : 'names' in i ? `const { ${i.names.join(', ')} } = ${source(i.from)};`
      : i.lazy.map(([name, local]) => `function ${local}(...a) { const f = ${BUILTIN}('${i.from}').${name}; return new.target ? new f(...a) : f(...a); }`).join('\n'),
    );
    const exports = [...m.reexportAll.map((from) => `...${varOf(from)}`), ...m.exports.map(([name, local]) => (name === local ? name : `${name}: ${local}`))];
    // A deferred file is a script, without import.meta: it is given the bundle's URL (BUNDLE_URL).
    const code = m.code.replaceAll(`${PREFIX}own_url`, `new URL('${urlFrom(file)}', ${inChunk ? BUNDLE_URL : 'import.meta.url'}).href`);
    return `// ${relative(root, file)}\nconst ${varOf(file)} = (() => {\n${[...imports, code.trim()].join('\n')}\nreturn { ${exports.join(', ')} };\n})();\n`;
  };
  const bodies = order.map((file) => body(file, false));
  // Each deferred graph: its file, and in the bundle an object whose first property read loads it.
  const chunks: Chunk[] = [];
  const lazyObjects: string[] = [];
  const placed = new Map<string, string>();
  const errorModule = options.deferredError && resolve(root, options.deferredError.module);
  if (errorModule !== undefined && !header.has(errorModule)) fail(`deferredError must name an external module the bundle imports, got ${options.deferredError!.module}`);
  const failure = errorModule === undefined ? 'Error' : `${varOf(errorModule)}.${options.deferredError!.name}`;
  for (const { from, own } of graphs) {
    const chunkOut = deferred.get(from)!;
    for (const file of own) {
      const other = placed.get(file);
      if (other !== undefined) fail(`${relative(root, file)} must be in one deferred file only, got ${other} and ${relative(root, from)}`);
      placed.set(file, relative(root, from));
    }
    const shared = new Set<string>();
    for (const file of own) for (const dep of parsed.get(file)!.deps) if (!own.includes(dep) && !dep.startsWith('node:')) shared.add(varOf(dep));
    const provided = new Set([...order, ...used, ...[...kept].filter((k) => header.has(k))].map(varOf));
    for (const name of shared) if (!provided.has(name)) fail(`${relative(root, from)}'s graph imports ${name.slice(PREFIX.length)}, which the bundle neither contains nor imports`);
    const ownUrl = own.some((file) => parsed.get(file)!.code.includes(`${PREFIX}own_url`));
    const names = [...shared].sort();
    const received = [...names, ...(ownUrl ? [BUNDLE_URL] : [])].join(', ');
    const given = [...names, ...(ownUrl ? [`${BUNDLE_URL}: import.meta.url`] : [])].join(', ');
    const packages = new Set(own.flatMap((file) => parsed.get(file)!.packages));
    const lazy = own.some((file) => parsed.get(file)!.imports.some((i) => 'lazy' in i));
    chunks.push({
      out: relative(root, chunkOut).split(sep).join('/'),
      modules: own.map((f) => relative(root, f).split(sep).join('/')),
      // A parenthesized function, the script's value: V8 compiles it with the script, in one pass.
      code: ascii([
        `// ${relative(root, from)} and the modules only it reaches: a script that dadm/runtime's bundle compiles and runs on first use (tools/bundle-runtime.ts).`,
        `(function (core) {`,
        `'use strict';`,
        `const { ${received} } = core;`,
        ...[...packages].map(takeBuiltin),
        ...(lazy ? [`const ${BUILTIN} = (id) => process.getBuiltinModule(id);`] : []),
        '',
        ...own.map((file) => body(file, true)),
        `return ${varOf(from)};`,
        `})`,
        '',
      ].join('\n')),
    });
    const exported = parsed.get(from)!.exportNames(parsed);
    lazyObjects.push(`const ${varOf(from)} = ${PREFIX}defer('${urlFrom(chunkOut)}', () => ({ ${given} }), ${JSON.stringify(exported)}, ${failure});`);
  }
  const names = parsed.get(entry)!.exportNames(parsed);
  const lazy = [...parsed.values()].some((m) => m.imports.some((i) => 'lazy' in i));
  const code = [
    `// dadm/runtime as one module, built by tools/bundle-runtime.mjs from the compiled files beside it.`,
    ...header.values(),
    ...builtins.values(),
    ...(lazy ? [`const ${BUILTIN} = (id) => process.getBuiltinModule(id);`] : []),
    ...(lazyObjects.length > 0 ? [DEFER_HELPER, ...lazyObjects] : []),
    '',
    ...bodies,
    `export const { ${names.join(', ')} } = ${varOf(entry)};`,
    '',
  ].join('\n');
  return { code: ascii(code), modules: order.map((f) => relative(root, f).split(sep).join('/')), chunks };
}

/**
 * The bundle's loader of deferred graphs: an object with a getter per exported name that, on the
 * first read, reads the graph's file (shipped beside the bundle, ASCII; with the descriptor calls
 * the model's own read has run, not `readFileSync`, whose first call took ~0.4 ms more), compiles it with
 * `vm.Script` in this context, as Node compiles a CommonJS file, runs it (its value is a function)
 * and hands that the bundle's modules it shares; the getters then give way to the values (a
 * WebAssembly driver read per kernel call stays a property load). Synchronous, like the plan that
 * reads it.
 *
 * Not Node's `require`: its resolution and wrapper cost an autoencoder's start-up ~4 ms, and the
 * wrapper's function is compiled lazily, so V8 parses the graph twice (measured: the forest's
 * import, load and first score 3.8 ms less than with the graph in the bundle, the autoencoder's and
 * the transformer's unchanged, where `require` cost the autoencoder 3.7 ms).
 */
const DEFER_HELPER = [
  // The package's own file, but its size is still checked before the read allocates it.
  `const ${PREFIX}deferred_max_bytes = ${1 << 24};`,
  `const ${PREFIX}defer = (file, core, names, Failure) => {`,
  `let loaded = null;`,
  `const lazy = {};`,
  `const load = () => {`,
  `if (loaded === null) {`,
  `const fs = process.getBuiltinModule('node:fs');`,
  `const path = process.getBuiltinModule('node:path').join(import.meta.dirname, file);`,
  `let fd;`,
  `try {`,
  `fd = fs.openSync(path, 'r');`,
  `} catch (e) {`,
  `throw new Failure(\`dadm/runtime: \${path} must be readable, as it is installed beside bundle.js, got \${e.code ?? e.message}\`);`,
  `}`,
  `let text;`,
  `try {`,
  `const size = fs.fstatSync(fd).size;`,
  `if (size > ${PREFIX}deferred_max_bytes) throw new Failure(\`dadm/runtime: \${path} must be at most \${${PREFIX}deferred_max_bytes} bytes, got \${size}\`);`,
  `const bytes = Buffer.allocUnsafe(size);`,
  `let n = 0;`,
  `for (let k = 1; n < size && k > 0; n += k) k = fs.readSync(fd, bytes, n, size - n, n);`,
  `text = bytes.toString('latin1', 0, n);`,
  `} finally {`,
  `fs.closeSync(fd);`,
  `}`,
  `loaded = new (process.getBuiltinModule('node:vm').Script)(text, { filename: path }).runInThisContext()(core());`,
  // Loaded, the names become plain properties: a kernel that reads one per call pays no getter.
  `for (const name of names) Object.defineProperty(lazy, name, { value: loaded[name] });`,
  `Object.freeze(lazy);`,
  `}`,
  `return loaded;`,
  `};`,
  `for (const name of names) Object.defineProperty(lazy, name, { enumerable: true, configurable: true, get: () => load()[name] });`,
  `return lazy;`,
  `};`,
].join('\n');

function fail(what: string): never {
  throw new Error(`bundle-runtime: ${what}`);
}

/**
 * One compiled module: its code with import and export syntax taken out, what it imports (resolved
 * paths), what it exports, and the node: built-ins it uses.
 */
function parseModule(file: string, root: string): Module {
  const text = readFileSync(file, 'utf8');
  const where = relative(root, file);
  if (text.includes(PREFIX)) fail(`${where} must not use the prefix ${PREFIX}, got it in its code`);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const imports: Import[] = [];
  const exports: [string, string][] = [];
  const reexportAll: string[] = [];
  const deps = new Set<string>();
  const packages = new Set<string>();
  const target = (spec: string): string => {
    if (spec.startsWith('node:')) {
      packages.add(spec);
      return spec;
    }
    if (!spec.startsWith('.')) fail(`${where} must import only node: built-ins and relative files, got '${spec}'`);
    const dep = resolve(dirname(file), spec);
    deps.add(dep);
    return dep;
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as ts.StringLiteral).text;
      const clause = st.importClause;
      if (clause?.name) fail(`${where} must not use a default import, got ${st.getText()}`);
      const bindings = clause?.namedBindings;
      edits.push([st.getStart(), st.end, '']);
      if (spec.startsWith('node:') && bindings && ts.isNamedImports(bindings) && bindings.elements.every((e) => calledOnly(sf, e.name.text, st))) {
        imports.push({ from: spec, lazy: bindings.elements.map((e) => [(e.propertyName ?? e.name).text, e.name.text]) });
        continue;
      }
      const from = target(spec);
      if (bindings && ts.isNamespaceImport(bindings)) imports.push({ from, namespace: bindings.name.text });
      else if (bindings) imports.push({ from, names: bindings.elements.map((e) => (e.propertyName ? `${e.propertyName.text}: ${e.name.text}` : e.name.text)) });
    } else if (ts.isExportDeclaration(st)) {
      const from = st.moduleSpecifier ? target((st.moduleSpecifier as ts.StringLiteral).text) : null;
      if (!st.exportClause) {
        if (!from) fail(`${where}: an export * must name a module`);
        reexportAll.push(from);
      } else if (ts.isNamedExports(st.exportClause)) {
        for (const e of st.exportClause.elements) {
          const local = e.propertyName?.text ?? e.name.text;
          if (from) imports.push({ from, names: [`${local}: ${PREFIX}re_${e.name.text}`] });
          exports.push([e.name.text, from ? `${PREFIX}re_${e.name.text}` : local]);
        }
      } else fail(`${where} must not use export * as, got ${st.getText()}`);
      edits.push([st.getStart(), st.end, '']);
    } else if (ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const modifiers = ts.getModifiers(st)!;
      if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) fail(`${where} must not use export default`);
      const word = modifiers.find((m) => m.kind === ts.SyntaxKind.ExportKeyword)!;
      edits.push([word.getStart(), word.end + 1, '']);
      if (ts.isVariableStatement(st)) {
        if (!(st.declarationList.flags & ts.NodeFlags.Const)) fail(`${where} must export only const variables (a bundle copies bindings once), got ${st.getText().slice(0, 60)}`);
        for (const d of st.declarationList.declarations) {
          if (!ts.isIdentifier(d.name)) fail(`${where} must export variables by name, got ${d.name.getText()}`);
          exports.push([d.name.text, d.name.text]);
        }
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
        exports.push([st.name.text, st.name.text]);
      } else fail(`${where}: cannot bundle the export ${st.getText().slice(0, 60)}`);
    }
  }
  edits.push(...ownUrls(sf, where));
  edits.sort((a, b) => b[0] - a[0]);
  let code = text;
  for (const [start, end, replacement] of edits) code = code.slice(0, start) + replacement + code.slice(end);
  return {
    code: compact(code, file, where),
    imports,
    exports,
    reexportAll,
    deps: [...deps],
    packages: [...packages],
    /** Every name the module exports, those of `export *` included, in a stable order. */
    exportNames(all) {
      const names = new Set(exports.map(([name]) => name));
      for (const from of reexportAll) for (const n of all.get(from)!.exportNames(all)) names.add(n);
      return [...names].sort();
    },
  };
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The module's code as the engine should read it: without comments (a quarter of the compiled
 * runtime's text) and indentation (see {@link unindented}), and then ({@link ascii}) the whole bundle in ASCII, every other character as its
 * `\uXXXX` escape, which means the same in string, template and regular-expression literals and in
 * identifiers. Node decodes a module's file to a string and V8 then scans it: a smaller file is read
 * faster, and an ASCII one is decoded on the fast path and kept by V8 at one byte per character
 * instead of two. Tagged templates with non-ASCII text are refused: an escape would change their raw
 * strings.
 */
function compact(code: string, file: string, where: string): string {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const tagged = (node: ts.Node): boolean => (ts.isTaggedTemplateExpression(node) && NON_ASCII.test(node.getText())) || (ts.forEachChild(node, tagged) ?? false);
  if (tagged(sf)) fail(`${where} must not use a tagged template with non-ASCII text (an escape would change its raw strings), got one`);
  return unindented(ts.createPrinter({ removeComments: true }).printFile(sf), file);
}

/**
 * `code` with the leading spaces of its lines dropped, except on a line that starts inside a
 * template literal, whose spaces are its text. The printer indents by four spaces a level: an eighth
 * of the runtime's text, which Node reads and decodes and V8 scans at every start (~0.8 ms of an
 * edge agent's start-up, measured).
 */
function unindented(code: string, file: string): string {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const literal: [number, number][] = [];
  const walk = (node: ts.Node): void => {
    if (ts.isTemplateLiteralToken(node)) literal.push([node.getStart(), node.end]);
    ts.forEachChild(node, walk);
  };
  walk(sf);
  let at = 0;
  return code.split('\n').map((line) => {
    const start = at;
    at += line.length + 1;
    return literal.some(([a, b]) => a < start && start < b) ? line : line.trimStart();
  }).join('\n');
}

/** `code` with every non-ASCII UTF-16 unit as its `\uXXXX` escape (see {@link compact}). */
function ascii(code: string): string {
  return code.replace(new RegExp(NON_ASCII, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * True when every use of `name` outside its import declaration `decl` is the callee of a call or a
 * `new`. Such a name of a node: built-in is imported lazily: the bundle declares a function of that
 * name that loads the built-in on its first call (`process.getBuiltinModule`). Loading `node:os` and
 * `node:worker_threads` costs ~8 ms of an edge agent's start-up, for a thread pool it never starts.
 */
function calledOnly(sf: ts.SourceFile, name: string, decl: ts.Node): boolean {
  let ok = true;
  const walk = (node: ts.Node): void => {
    if (node === decl || !ok) return;
    if (ts.isIdentifier(node) && node.text === name) {
      const p = node.parent;
      ok = (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === node;
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return ok;
}

/**
 * Edits that mark each `import.meta.url` (bundle() puts the module's own file URL there), after checking
 * what a function wrapper would change: `import.meta` other than `.url`, a top-level await, or an
 * import() of a relative path (which would resolve from the bundle, not from the module).
 */
function ownUrls(sf: ts.SourceFile, where: string): Edit[] {
  const edits: Edit[] = [];
  const walk = (node: ts.Node, inFunction: boolean): void => {
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      if (!(ts.isPropertyAccessExpression(node.parent) && node.parent.name.text === 'url')) fail(`${where} must use only import.meta.url, got ${node.parent.getText()}`);
      edits.push([node.parent.getStart(), node.parent.end, `${PREFIX}own_url`]);
    }
    if (ts.isAwaitExpression(node) && !inFunction) fail(`${where} must not await at top level`);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg) && arg.text.startsWith('.')) fail(`${where} must not import() a relative path, got ${node.getText()}`);
    }
    ts.forEachChild(node, (child) => walk(child, inFunction || ts.isFunctionLike(node)));
  };
  walk(sf, false);
  return edits;
}

/** `node --import tsx tools/bundle-runtime.ts [distDir]`: writes distDir/runtime/bundle.js. */
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? 'dist');
  const { code, modules, chunks } = bundle({ root, ...RUNTIME_BUNDLE });
  writeFileSync(resolve(root, RUNTIME_BUNDLE.out), code);
  console.log(`bundle-runtime: ${modules.length} modules, ${code.length} bytes -> ${relative(process.cwd(), resolve(root, RUNTIME_BUNDLE.out))}`);
  for (const chunk of chunks) {
    writeFileSync(resolve(root, chunk.out), chunk.code);
    console.log(`bundle-runtime: ${chunk.modules.length} deferred modules, ${chunk.code.length} bytes -> ${relative(process.cwd(), resolve(root, chunk.out))}`);
  }
}

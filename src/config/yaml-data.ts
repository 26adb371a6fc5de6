/**
 * YAML as data, not a program: plain mappings, lists and scalars, with aliases allowed only when they
 * do not form a cycle. Tags (`!!omap`, `!!set`, `!!binary`, `!custom`, ...) and merge keys (`<<`) are
 * refused with a FormatError naming the line, and the size, node count and nesting depth are bounded
 * (docs/limits.md): the text's length before anything is parsed, the nodes, tokens and flow nesting while
 * it is tokenized (so a 100,000-element list is refused in milliseconds rather than composed in seconds), and
 * the nodes with every alias expanded, and the depth, before it becomes a JavaScript value.
 * Parser errors and warnings become one error line; nothing is printed.
 */
import { CST, Lexer, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { FormatError, LimitError } from '../errors.js';
import { checkLimit, resolveLimits, type Limits } from '../limits.js';

/** Options of {@link parseYamlData}. */
export interface YamlDataOptions {
  /** Overrides of `maxYamlBytes`, `maxYamlNodes` and `maxYamlDepth` (src/limits.ts). */
  limits?: Partial<Limits>;
}

/** Explicit tags that only restate what a plain node is. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'seq', 'map'].map((t) => `tag:yaml.org,2002:${t}`));
/** Lexer tokens that start a value (and so a node): scalars, flow collections, aliases. */
const VALUE_TOKENS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'block-scalar-header', 'flow-seq-start', 'flow-map-start', 'alias']);
/** Lexer marker tokens that stand for no source text. */
const MARKERS = new Set(['\x02', '\x18', '\x1f']);
/**
 * Tokens (indentation, punctuation, comments, line breaks included) allowed per allowed node: real
 * configs have 3-4 per node, and the yaml package takes microseconds per token, so a megabyte of
 * blank lines or comments would otherwise take seconds.
 */
const TOKENS_PER_NODE = 8;

/**
 * Parses YAML text into plain JavaScript data (objects, arrays, strings, numbers, booleans, null).
 * @param source file name that leads every message, as `<source>:<line>: ...`
 * @returns the document's value; `null` for empty text
 * @throws FormatError naming the line for invalid YAML, a tag, a merge key or an alias cycle
 * @throws LimitError when the text, its nodes (aliases expanded) or its nesting exceed the limits
 */
export function parseYamlData(text: string, source = '<yaml>', options: YamlDataOptions = {}): unknown {
  const limits = resolveLimits(options.limits);
  checkLimit(limits, 'maxYamlBytes', Buffer.byteLength(text, 'utf8'), source, 'YAML text');
  scanTokens(text, source, limits);
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, logLevel: 'silent', merge: false, uniqueKeys: true });
  const at = (offset: number): string => `${source}:${lineCounter.linePos(offset).line}`;
  if (docs.length === 0) return null;
  if (docs.length > 1) {
    throw new FormatError(`${at(docs[1]!.range[0])}: text must hold one YAML document, got ${docs.length} (a second '---')`, source);
  }
  const doc = docs[0]!;
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    throw new FormatError(`${at(problem.pos[0])}: text must be valid YAML data, got ${oneLine(problem.message)}`, source);
  }
  new TreeChecker(doc, limits, { source, at }).check();
  return doc.toJS({ maxAliasCount: -1 });
}

function oneLine(message: string): string {
  return message.split('\n')[0]!.replace(/[\s:]+$/, '');
}

/**
 * Counts value tokens and flow nesting while tokenizing, stopping at the first token past a limit.
 * The count is a lower bound of the nodes {@link TreeChecker} counts, so it never refuses what the
 * exact check would accept.
 */
function scanTokens(text: string, source: string, limits: Limits): void {
  let offset = 0;
  let values = 0;
  let depth = 0;
  let tokens = 0;
  const maxTokens = TOKENS_PER_NODE * limits.maxYamlNodes;
  const lineAt = (): string => `${source}:${text.slice(0, offset).split('\n').length}`;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > maxTokens) {
      throw new LimitError(`${lineAt()}: YAML text must have at most ${maxTokens} tokens (${TOKENS_PER_NODE} per allowed node; raise the limits.maxYamlNodes option), got more`, { limit: 'maxYamlNodes', allowed: maxTokens, requested: tokens });
    }
    const type = CST.tokenType(token);
    if (type !== null && VALUE_TOKENS.has(type)) {
      values++;
      if (values > limits.maxYamlNodes) checkLimit(limits, 'maxYamlNodes', values, lineAt(), 'YAML node count');
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      depth++;
      if (depth > limits.maxYamlDepth) checkLimit(limits, 'maxYamlDepth', depth, lineAt(), 'YAML nesting depth');
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      depth = Math.max(0, depth - 1);
    }
    if (!(token.length === 1 && MARKERS.has(token))) offset += token.length;
  }
}

/** Walks the composed document once: refuses tags, merge keys and alias cycles; bounds nodes and depth. */
class TreeChecker {
  /** Nodes under each node with aliases expanded, and its depth; filled once per node. */
  private readonly measured = new Map<Node, { nodes: number; depth: number }>();
  private readonly onPath = new Set<Node>();

  private readonly source: string;
  private readonly at: (offset: number) => string;

  constructor(
    private readonly doc: Document,
    private readonly limits: Limits,
    naming: { source: string; at: (offset: number) => string },
  ) {
    this.source = naming.source;
    this.at = naming.at;
  }

  check(): void {
    const root = this.doc.contents;
    if (root === null) return;
    const { nodes, depth } = this.measure(root as Node, 1);
    checkLimit(this.limits, 'maxYamlNodes', nodes, this.at(0), 'YAML node count (aliases expanded)');
    checkLimit(this.limits, 'maxYamlDepth', depth, this.at(0), 'YAML nesting depth (aliases expanded)');
  }

  private fail(message: string): never {
    throw new FormatError(message, this.source);
  }

  private measure(node: Node, level: number): { nodes: number; depth: number } {
    const known = this.measured.get(node);
    if (known !== undefined) return known;
    const where = this.at(node.range?.[0] ?? 0);
    if (level > this.limits.maxYamlDepth) checkLimit(this.limits, 'maxYamlDepth', level, where, 'YAML nesting depth');
    if (isAlias(node)) {
      const target = node.resolve(this.doc) as Node | undefined;
      if (target === undefined) this.fail(`${where}: alias *${node.source} must refer to an anchor defined before it, got none`);
      if (this.onPath.has(target)) this.fail(`${where}: alias *${node.source} must not refer to a node that contains it, got a cycle`);
      return this.remember(node, this.measure(target, level));
    }
    if (node.tag !== undefined && !PLAIN_TAGS.has(node.tag)) {
      this.fail(`${where}: nodes must be plain YAML data without tags, got tag ${shortTag(node.tag)}`);
    }
    if (isScalar(node)) return this.remember(node, { nodes: 1, depth: 1 });
    this.onPath.add(node);
    let nodes = 1;
    let depth = 1;
    const children: Node[] = [];
    if (isSeq(node)) children.push(...(node.items as Node[]));
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (isScalar(key) && key.value === '<<' && key.type === 'PLAIN') {
          this.fail(`${this.at(key.range?.[0] ?? 0)}: keys must not be the merge key <<, got << (write the keys out, or quote '<<' to use it as a key)`);
        }
        if (key !== null) children.push(key);
        if (pair.value !== null) children.push(pair.value as Node);
      }
    }
    for (const child of children) {
      const m = this.measure(child, level + 1);
      nodes += m.nodes;
      depth = Math.max(depth, m.depth + 1);
      if (nodes > this.limits.maxYamlNodes) checkLimit(this.limits, 'maxYamlNodes', nodes, where, 'YAML node count (aliases expanded)');
    }
    this.onPath.delete(node);
    return this.remember(node, { nodes, depth });
  }

  private remember(node: Node, m: { nodes: number; depth: number }): { nodes: number; depth: number } {
    this.measured.set(node, m);
    return m;
  }
}

/** `tag:yaml.org,2002:omap` → `!!omap`; other tags as they are. */
function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

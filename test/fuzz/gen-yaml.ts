/**
 * YAML inputs for the config fuzz target: random documents built from config.yaml's own keys, with
 * the constructs that make YAML a program — anchors and aliases (also to an enclosing node, i.e.
 * cycles, and nested "billion laughs" chains), tags (`!!omap`, `!!set`, `!!binary`, `!custom`,
 * verbatim), merge keys, directives, several documents, deep nesting, long lists — and line-level
 * edits of a valid config.yaml.
 */
import type { Rng } from './mutate-bytes.js';

const TAGS = ['!!omap', '!!set', '!!binary', '!!str', '!!int', '!!float', '!!map', '!!seq', '!!pairs', '!!timestamp', '!custom', '!<tag:yaml.org,2002:str>', '!!python/object', '!'];
const SCALARS = ['0', '1', '2', '16', '0.5', '-3', '1e400', '.inf', '-.nan', '0x10', '0o7', 'true', 'no', 'null', '~', 'relu', 'adam', 'autoencoder', 'iforest', 'none', 'auto', "'quoted'", '"dq\\u0000"', '2147483648', '9007199254740993', '""'];
/** Scalars that are only valid in some positions; used rarely, so most documents still parse. */
const ODD_SCALARS = ['? x', '|', '>-', '- x', '@x', '`x', '{', '"unterminated'];

/** Keys of a config.yaml, so generated documents reach the config checks. */
export function yamlKeys(seed: string): string[] {
  return [...new Set([...seed.matchAll(/^\s*([a-z_]+):/gm)].map((m) => m[1]!)), '<<', '__proto__', 'unknown_key'];
}

class YamlWriter {
  private anchors: string[] = [];
  private open: string[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly keys: readonly string[],
  ) {}

  /** A node at `depth`, flow style (one line), with optional anchor, tag or alias. */
  flow(depth: number): string {
    const rng = this.rng;
    if (this.anchors.length > 0 && rng.chance(0.15)) {
      // Aliases to still-open anchors are cycles.
      return `*${rng.chance(0.5) && this.open.length > 0 ? rng.pick(this.open) : rng.pick(this.anchors)}`;
    }
    const prefix = (rng.chance(0.12) ? `${rng.pick(TAGS)} ` : '');
    const anchor = rng.chance(0.15) ? `a${this.anchors.length}` : undefined;
    const mark = anchor ? `&${anchor} ` : '';
    if (depth > 6 || rng.chance(0.45)) {
      if (anchor) this.anchors.push(anchor);
      return `${mark}${prefix}${rng.chance(0.03) ? rng.pick(ODD_SCALARS) : rng.pick(SCALARS)}`;
    }
    if (anchor) this.open.push(anchor);
    const seq = rng.chance(0.5);
    // Now and then a long flat list; nested collections stay short so the text stays small.
    const long = depth < 2 && seq && rng.chance(0.02);
    const items = long
      ? Array.from({ length: 200 + rng.below(1000) }, () => rng.pick(SCALARS))
      : Array.from({ length: rng.below(5) }, () => (seq ? this.flow(depth + 1) : `${rng.pick(this.keys)}: ${this.flow(depth + 1)}`));
    if (anchor) {
      this.open.pop();
      this.anchors.push(anchor);
    }
    return `${mark}${prefix}${seq ? '[' : '{'}${items.join(', ')}${seq ? ']' : '}'}`;
  }

  /** A block mapping of config keys at indentation `indent`. */
  block(indent: number, depth: number): string {
    const rng = this.rng;
    const lines: string[] = [];
    for (let i = 1 + rng.below(5); i > 0; i--) {
      const key = rng.pick(this.keys);
      const pad = ' '.repeat(indent);
      if (depth < 4 && rng.chance(0.35)) lines.push(`${pad}${key}:\n${this.block(indent + 2, depth + 1)}`);
      else if (rng.chance(0.2)) lines.push(`${pad}${key}:\n${Array.from({ length: 1 + rng.below(4) }, () => `${pad}  - ${this.flow(depth + 1)}`).join('\n')}`);
      else lines.push(`${pad}${key}: ${this.flow(depth + 1)}`);
    }
    return lines.join('\n');
  }
}

/** A random YAML document (sometimes with a directive, a second document, or extreme nesting). */
export function generateYaml(rng: Rng, keys: readonly string[]): string {
  const w = new YamlWriter(rng, keys);
  let text = w.block(0, 0);
  if (rng.chance(0.05)) text = `%TAG !! tag:evil.example,2000:\n---\n${text}`;
  if (rng.chance(0.05)) text += `\n---\n${w.block(0, 0)}`;
  if (rng.chance(0.03)) text = `a: ${'['.repeat(100 + rng.below(900))}${']'.repeat(rng.below(1000))}`;
  if (rng.chance(0.003)) text = `hidden_dims:\n${Array.from({ length: 20_000 + rng.below(100_000) }, (_, i) => `  - ${i}`).join('\n')}\n`;
  return `${text}\n`;
}

/** Line-level edits of a valid config: a line replaced, deleted, duplicated, re-indented, or tagged. */
export function mutateYaml(rng: Rng, seed: string, keys: readonly string[]): string {
  const lines = seed.split('\n');
  for (let e = 1 + rng.below(3); e > 0; e--) {
    const i = rng.below(lines.length);
    const line = lines[i] ?? '';
    const indent = /^\s*/.exec(line)![0];
    switch (rng.below(6)) {
      case 0: lines.splice(i, 1); break;
      case 1: lines.splice(i, 0, line); break;
      case 2: lines[i] = `${indent}${rng.pick(keys)}: ${new YamlWriter(rng, keys).flow(1)}`; break;
      case 3: lines[i] = line.replace(/: (.*)$/, `: ${rng.pick(TAGS)} $1`); break;
      case 4: lines[i] = `${rng.pick(['', ' ', '\t', '    '])}${line.trimStart()}`; break;
      default: lines[i] = line.replace(/: (.*)$/, `: ${rng.pick(['&x $1', '*x', '[*x]', '&y [*y]', '{<<: *x}'])}`);
    }
  }
  return lines.join('\n');
}

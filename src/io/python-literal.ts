/**
 * A parser for the small subset of Python literal syntax that .npy headers use:
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
 * The text is parsed, never evaluated. Supported: dicts, tuples, lists, quoted strings (with simple
 * escapes), integers, True, False, None. Anything else is a FormatError.
 */
import { FormatError } from '../errors.js';
import { FORMAT_LIMITS } from '../limits.js';

/** A parsed Python literal. Tuples and lists are kept apart because numpy requires `shape` to be a tuple. */
export type PyLiteral =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'tuple' | 'list'; readonly items: readonly PyLiteral[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyMap<string, PyLiteral> };

const MAX_DEPTH = FORMAT_LIMITS.npyHeaderDepth;
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };

/**
 * Parses `text` as one Python literal followed only by whitespace.
 * @throws FormatError naming `where` and the offending position.
 */
export function parsePythonLiteral(text: string, where: string): PyLiteral {
  const p = new LiteralParser(text, where);
  const value = p.value(0);
  p.skipSpace();
  if (p.pos !== text.length) p.fail('end of literal');
  return value;
}

class LiteralParser {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  fail(expected: string): never {
    const near = JSON.stringify(this.text.slice(this.pos, this.pos + 20));
    throw new FormatError(
      `${this.where}: header must be a Python literal with ${expected} at offset ${this.pos}, got ${near}`,
      this.where,
    );
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail(`nesting depth <= ${MAX_DEPTH}`);
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.sequence(depth);
    if (c === "'" || c === '"') return { kind: 'str', value: this.string() };
    if (c !== undefined && /[-+0-9]/.test(c)) return { kind: 'int', value: this.integer() };
    for (const [word, lit] of WORDS) {
      if (this.text.startsWith(word, this.pos) && !/\w/.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return lit;
      }
    }
    return this.fail('a value');
  }

  private dict(depth: number): PyLiteral {
    this.pos++; // '{'
    const entries = new Map<string, PyLiteral>();
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      const key = this.value(depth + 1);
      if (key.kind !== 'str') this.fail('string dict keys');
      if (entries.has(key.value)) this.fail(`no duplicate key '${key.value}'`);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("':' after a dict key");
      this.pos++;
      entries.set(key.value, this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail("',' or '}' in a dict");
    }
    this.pos++;
    return { kind: 'dict', entries };
  }

  private sequence(depth: number): PyLiteral {
    const close = this.text[this.pos] === '(' ? ')' : ']';
    this.pos++;
    const items: PyLiteral[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.text[this.pos] !== close) this.fail(`',' or '${close}'`);
    }
    this.pos++;
    // `(3)` is a parenthesised int in Python, not a tuple.
    if (close === ')' && items.length === 1 && !sawComma) return items[0]!;
    return { kind: close === ')' ? 'tuple' : 'list', items };
  }

  private string(): string {
    const quote = this.text[this.pos++]!;
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c === '\n') {
        this.pos--;
        this.fail(`a closing ${quote}`);
      }
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++] ?? '';
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(this.text.slice(this.pos, this.pos + 2))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + 2), 16));
        this.pos += 2;
      } else if (ESCAPES[e] !== undefined) out += ESCAPES[e];
      else this.fail('a supported string escape');
    }
  }

  private integer(): number {
    const m = /^[-+]?[0-9]+/.exec(this.text.slice(this.pos, this.pos + 40));
    if (!m) return this.fail('an integer');
    const value = Number(m[0]);
    if (!Number.isSafeInteger(value) || (m[0].replace(/^[-+]/, '').length > 1 && /^[-+]?0/.test(m[0]))) {
      this.fail('a safe decimal integer');
    }
    this.pos += m[0].length;
    if (/[.eEjJ_xXoObB]/.test(this.text[this.pos] ?? '')) this.fail('an integer (floats are not allowed)');
    return value;
  }
}

const WORDS: readonly (readonly [string, PyLiteral])[] = [
  ['True', { kind: 'bool', value: true }],
  ['False', { kind: 'bool', value: false }],
  ['None', { kind: 'none' }],
];

import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { parsePythonLiteral, type PyLiteral } from '../../src/io/python-literal.js';
import { expectError } from '../tensor/expect-error.js';

/** Converts a parsed literal to plain JSON-like values so expectations read like Python. */
function plain(v: PyLiteral): unknown {
  switch (v.kind) {
    case 'str':
    case 'int':
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'tuple':
      return { tuple: v.items.map(plain) };
    case 'list':
      return v.items.map(plain);
    case 'dict':
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, plain(x)]));
  }
}

const parse = (text: string) => plain(parsePythonLiteral(text, 'h.npy'));

describe('parsePythonLiteral', () => {
  it('parses the numpy header shapes of tuples: (), (3,), (2, 3), and a parenthesised int', () => {
    expect(parse('()')).toEqual({ tuple: [] });
    expect(parse('(3,)')).toEqual({ tuple: [3] });
    expect(parse('(2, 3)')).toEqual({ tuple: [2, 3] });
    expect(parse('(3)')).toBe(3);
  });

  it('parses dicts with trailing commas, True/False/None, lists and escapes', () => {
    expect(parse(`{'a': True, "b": [None, -4], 'c': 'x\\'y\\x41', }`)).toEqual({ a: true, b: [null, -4], c: "x'yA" });
  });

  it('throws FormatError naming the source and offset for malformed text', () => {
    const cases: [string, RegExp][] = [
      ["{'a' 1}", /h\.npy: header must be a Python literal with ':' after a dict key at offset 5, got "1}"/],
      ["{'a': 1", /',' or '}' in a dict at offset 7/],
      ["'abc", /a closing ' at offset 4/],
      ['{1: 2}', /string dict keys/],
      ['007', /a safe decimal integer/],
      ['99999999999999999999', /a safe decimal integer/],
      ['Truex', /a value at offset 0/],
      ['(1,) x', /end of literal at offset 5/],
      ["'\\q'", /a supported string escape/],
    ];
    for (const [text, pattern] of cases) {
      expectError(() => parsePythonLiteral(text, 'h.npy'), FormatError, pattern);
    }
  });
});

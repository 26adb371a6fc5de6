import { describe, expect, it } from 'vitest';
import { FormatError, LimitError } from '../../src/errors.js';
import { parseConfig, parseYamlData } from '../../src/config/index.js';
import { expectError } from '../tensor/expect-error.js';

describe('parseYamlData: YAML is data', () => {
  it('reads plain mappings, lists, scalars and acyclic aliases', () => {
    expect(parseYamlData('a: !!str 3\nb: [1, {c: d}]\nn: ~\n', 'c.yaml')).toEqual({ a: '3', b: [1, { c: 'd' }], n: null });
    expect(parseYamlData('a: &x [1, 2]\nb: *x\n', 'c.yaml')).toEqual({ a: [1, 2], b: [1, 2] });
    expect(parseYamlData("'<<': 3\n", 'c.yaml')).toEqual({ '<<': 3 });
    expect(parseYamlData('', 'c.yaml')).toBeNull();
    expect(parseYamlData('# only a comment\n', 'c.yaml')).toBeNull();
  });

  it('refuses an alias cycle naming the line (was a TypeError: circular structure)', () => {
    expectError(() => parseYamlData('model: autoencoder\nhidden_dims: &h [*h]\n', 'c.yaml'), FormatError, /^c\.yaml:2: alias \*h must not refer to a node that contains it, got a cycle$/);
    expectError(() => parseYamlData('a: &m {b: [x, {c: *m}]}\n', 'c.yaml'), FormatError, /^c\.yaml:1: alias \*m must not refer to a node that contains it, got a cycle$/);
  });

  it('refuses !!omap, !!set, !!binary and custom tags naming the line, in one line', () => {
    expectError(() => parseYamlData('model: iforest\ntraining: !!omap [{epochs: 0}]\n', 'c.yaml'), FormatError, /^c\.yaml:2: nodes must be plain YAML data without tags, got tag !!omap$/);
    expectError(() => parseYamlData('s: !!set {a, b}\n', 'c.yaml'), FormatError, /^c\.yaml:1: nodes must be plain YAML data without tags, got tag !!set$/);
    expectError(() => parseYamlData('s: !!binary aGVsbG8=\n', 'c.yaml'), FormatError, /^c\.yaml:1: nodes must be plain YAML data without tags, got tag !!binary$/);
    expectError(() => parseYamlData('a: 1\nb: !custom 3\n', 'c.yaml'), FormatError, /^c\.yaml:2: text must be valid YAML data, got Unresolved tag: !custom$/);
    expectError(() => parseYamlData('%TAG !! tag:evil.com,2000:\n---\na: !!str x\n', 'c.yaml'), FormatError, /^c\.yaml:3: text must be valid YAML data, got Unresolved tag: tag:evil\.com,2000:str$/);
  });

  it('refuses merge keys and a second document naming the line', () => {
    expectError(() => parseYamlData('a: &a {x: 1}\nb:\n  <<: *a\n', 'c.yaml'), FormatError, /^c\.yaml:3: keys must not be the merge key <<, got << /);
    expectError(() => parseYamlData('a: 1\n---\nb: 2\n', 'c.yaml'), FormatError, /^c\.yaml:2: text must hold one YAML document, got 2/);
  });

  it('folds parser errors into one line', () => {
    const err = expectError(() => parseYamlData('a: [1, 2\n', 'c.yaml'), FormatError, /^c\.yaml:2: text must be valid YAML data, got Flow sequence/);
    expect(err.message).not.toContain('\n');
  });

  it('refuses a 100,000-element list while tokenizing, at the first node past the limit', () => {
    const flow = `hidden_dims: [${Array.from({ length: 100_000 }, (_, i) => i).join(', ')}]\n`;
    expectError(() => parseYamlData(flow, 'big.yaml'), LimitError, /^big\.yaml:1: YAML node count must be at most 10000 \(raise the limits\.maxYamlNodes option\), got 10001$/);
    const block = `hidden_dims:\n${Array.from({ length: 100_000 }, (_, i) => `  - ${i}`).join('\n')}\n`;
    expectError(() => parseYamlData(block, 'big.yaml'), LimitError, /^big\.yaml:10001: YAML node count must be at most 10000/);
    const list = parseYamlData(`a: [${Array.from({ length: 2000 }, (_, i) => i).join(', ')}]\n`, 'ok.yaml', { limits: { maxYamlNodes: 2003 } });
    expect((list as { a: number[] }).a.length).toBe(2000);
  });

  it('counts alias expansions (a billion laughs stops at the node limit)', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) laughs.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    expectError(() => parseYamlData(laughs.join('\n'), 'lol.yaml'), LimitError, /^lol\.yaml:\d+: YAML node count \(aliases expanded\) must be at most 10000/);
  });

  it('bounds the tokens, so a megabyte of blank lines or comments is refused while tokenizing', () => {
    expectError(() => parseYamlData(`a: 1${'\n'.repeat(100_000)}`, 'blank.yaml'), LimitError, /^blank\.yaml:\d+: YAML text must have at most 80000 tokens \(8 per allowed node; raise the limits\.maxYamlNodes option\), got more$/);
    expectError(() => parseYamlData('# x\n'.repeat(50_000), 'notes.yaml'), LimitError, /^notes\.yaml:40001: YAML text must have at most 80000 tokens/);
  });

  it('bounds the size and the nesting depth', () => {
    expectError(() => parseYamlData('a: 1\n', 'c.yaml', { limits: { maxYamlBytes: 4 } }), LimitError, /^c\.yaml: YAML text must be at most 4 bytes \(raise the limits\.maxYamlBytes option\), got 5 bytes$/);
    expectError(() => parseYamlData(`${'['.repeat(1000)}${']'.repeat(1000)}`, 'deep.yaml'), LimitError, /^deep\.yaml:1: YAML nesting depth must be at most 64 \(raise the limits\.maxYamlDepth option\), got 65$/);
    const block = `a:\n${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`;
    expectError(() => parseYamlData(block, 'deep.yaml'), LimitError, /^deep\.yaml:\d+: YAML nesting depth must be at most 64/);
  });
});

describe('parseConfig reads config.yaml through parseYamlData', () => {
  it('refuses !!omap instead of silently ignoring it (it trained 20 epochs)', () => {
    expectError(() => parseConfig('training: !!omap [{epochs: 0}]\n', 'config.yaml'), FormatError, /^config\.yaml:1: nodes must be plain YAML data without tags, got tag !!omap$/);
  });
});

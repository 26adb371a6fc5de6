/**
 * Repeated bytes fields decoded with `compactLists` (the runtime's decode): one ByteList instead of a
 * view per element, the same elements as the plain decode, re-encoded to the same bytes, and enum
 * codes by byte comparison.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DadmError } from '../../src/errors.js';
import { mutate, mutationsOf } from './mutations.js';
import { ATTRIBUTE_PROTO, ByteList, NO_CODE, decodeMessage, decodeModel, encodeMessage, encodeModel } from '../../src/protobuf/index.js';

const SEED = 20261205;
const utf8 = new TextEncoder();
const text = new TextDecoder();

describe('ByteList (compactLists)', () => {
  const modes = ['BRANCH_LEQ', 'LEAF', '', 'BRANCH_LEQ', 'LEAFY', 'leaf'];
  const bytes = encodeMessage(ATTRIBUTE_PROTO, { name: 'nodes_modes', type: 8, strings: modes.map((m) => utf8.encode(m)) });

  it('decodes a repeated bytes field into one ByteList holding the same elements as the plain decode', () => {
    const compact = decodeMessage(ATTRIBUTE_PROTO, bytes, { compactLists: true }).strings;
    const plain = decodeMessage(ATTRIBUTE_PROTO, bytes).strings;
    expect(compact).toBeInstanceOf(ByteList);
    expect(Array.isArray(plain)).toBe(true);
    expect(compact!.length).toBe(modes.length);
    expect(Array.from(compact!, (s) => text.decode(s))).toEqual(modes);
    expect(Array.from(compact!)).toEqual(plain);
  });

  it('re-encodes to the bytes it was decoded from', () => {
    expect(encodeMessage(ATTRIBUTE_PROTO, decodeMessage(ATTRIBUTE_PROTO, bytes, { compactLists: true }))).toEqual(bytes);
  });

  it('codes() gives each element its index in the names, 255 for any other value (case and length matter)', () => {
    const list = decodeMessage(ATTRIBUTE_PROTO, bytes, { compactLists: true }).strings as ByteList;
    expect(Array.from(list.codes(['LEAF', 'BRANCH_LEQ']))).toEqual([1, 0, NO_CODE, 1, NO_CODE, NO_CODE]);
    expect(NO_CODE).toBe(255);
  });

  it('agrees with the plain decode on random string lists', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 40 }), (strings) => {
        const encoded = encodeMessage(ATTRIBUTE_PROTO, { name: 'a', strings: strings.map((s) => utf8.encode(s)) });
        const compact = decodeMessage(ATTRIBUTE_PROTO, encoded, { compactLists: true }).strings!;
        expect(Array.from(compact, (s) => text.decode(s))).toEqual(strings);
        expect(encodeMessage(ATTRIBUTE_PROTO, decodeMessage(ATTRIBUTE_PROTO, encoded, { compactLists: true }))).toEqual(encoded);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it('returns a model or throws a DadmError on mutated bytes, as the plain decode does', () => {
    const model = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: 'ai.onnx.ml', version: 3 }],
      graph: { name: 'g', node: [{ opType: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', attribute: [{ name: 'nodes_modes', type: 8, strings: modes.map((m) => utf8.encode(m)) }] }] },
    });
    fc.assert(
      fc.property(mutationsOf(model.length), (muts) => {
        const mutated = mutate(model, muts);
        let plain: unknown;
        try {
          plain = decodeModel(mutated);
        } catch (e) {
          if (!(e instanceof DadmError)) throw e;
          expect(() => decodeModel(mutated, { compactLists: true })).toThrow(DadmError);
          return;
        }
        // Same bytes out as the plain decode: same fields, same elements.
        expect(encodeModel(decodeModel(mutated, { compactLists: true }))).toEqual(encodeModel(plain as ReturnType<typeof decodeModel>));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

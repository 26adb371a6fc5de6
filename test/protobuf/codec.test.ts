/**
 * Property tests over every message of the ONNX schema: random messages generated from the schema
 * tables round-trip through the codec, and agree with onnx-proto (protobufjs) in both directions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DadmError } from '../../src/errors.js';
import { decodeMessage, decodeModel, encodeMessage, type Field, type MessageSpec } from '../../src/protobuf/index.js';
import * as schema from '../../src/protobuf/onnx-schema.js';
import { mutate, mutationsOf } from './mutations.js';
import { decodeWithProtobufjs, encodeWithProtobufjs, plain, protobufjsKnows, untyped } from './onnx-proto-reference.js';

const SEED = 20240607;
const specs = (Object.values(schema) as unknown[]).filter((v): v is MessageSpec<unknown> => typeof v === 'object' && v !== null && 'byNumber' in v);

function scalar(kind: Field['kind']): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'int64':
      return fc.oneof(fc.integer({ min: -300, max: 300 }), fc.maxSafeInteger());
    case 'int64Value':
      return fc.oneof(fc.integer({ min: -300, max: 300 }), fc.maxSafeInteger(), fc.constantFrom(2 ** 60, -(2 ** 62) - 2 ** 11));
    case 'uint64':
      return fc.oneof(fc.nat(300), fc.maxSafeNat());
    case 'float':
      return fc.float();
    case 'double':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 6 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 6 });
    default:
      throw new Error(`no scalar arbitrary for ${kind}`);
  }
}

/**
 * Random messages of `spec`: each field present or not, repeated fields with 1–2 elements (an empty
 * one is not written, so it would not come back), sub-messages down to `depth`, at most one member
 * of a oneof. `keep` selects the fields to generate.
 */
function message(spec: MessageSpec<unknown>, depth: number, keep: (spec: MessageSpec<unknown>, f: Field) => boolean): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of spec.fields) {
    if (!keep(spec, f) || (f.kind === 'message' && depth === 0)) continue;
    const element = f.kind === 'message' ? message(f.message!(), depth - 1, keep) : scalar(f.kind);
    fields[f.name] = f.repeated ? fc.array(element, { minLength: 1, maxLength: 2 }) : element;
  }
  return fc.record(fields, { requiredKeys: [] }).map((m) => {
    const present = spec.oneof.filter((name) => name in m);
    for (const extra of present.slice(1)) delete m[extra];
    return m;
  });
}

const everyField = () => true;
const knownToProtobufjs = (spec: MessageSpec<unknown>, f: Field) => protobufjsKnows(spec, f.name);

describe.each(specs.map((s) => [s.name, s] as const))('%s', (_name, spec) => {
  it('decode(encode(m)) equals m', () => {
    fc.assert(
      fc.property(message(spec, 3, everyField), (m) => {
        expect(untyped(decodeMessage(spec, encodeMessage(spec, m)))).toEqual(m);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('agrees with onnx-proto both ways on the fields onnx 1.10.2 has', () => {
    fc.assert(
      fc.property(message(spec, 3, knownToProtobufjs), (m) => {
        expect(decodeWithProtobufjs(spec, encodeMessage(spec, m))).toEqual(plain(m));
        expect(untyped(decodeMessage(spec, encodeWithProtobufjs(spec, m)))).toEqual(m);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('writes the bytes protobufjs writes (same field order, packing and encodings)', () => {
    fc.assert(
      fc.property(message(spec, 3, knownToProtobufjs), (m) => {
        expect(encodeMessage(spec, m)).toEqual(encodeWithProtobufjs(spec, m));
      }),
      { seed: SEED, numRuns: 20 },
    );
  });
});

describe('decodeModel on mutated bytes', () => {
  const model = encodeMessage(schema.MODEL_PROTO, {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Gemm', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'transB', type: 2, i: 1 }, { name: 'alpha', type: 1, f: 0.5 }] }],
      initializer: [{ name: 'w', dataType: 1, dims: [2, 2], floatData: [1, 2, 3, 4] }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 2 }] } } } }],
      output: [{ name: 'y' }],
    },
  });

  it('returns a model or throws a DadmError (FormatError), nothing else', () => {
    fc.assert(
      fc.property(mutationsOf(model.length), (muts) => {
        const bytes = mutate(model, muts);
        try {
          decodeModel(bytes);
        } catch (e) {
          if (!(e instanceof DadmError)) throw e;
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

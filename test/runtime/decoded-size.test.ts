/**
 * estimateDecodedBytes reads the protobuf wire format; here the estimate is checked against what
 * protobufjs actually builds, counted by walking the decoded object graph (messages, Longs, numbers,
 * strings), on hand-made hostile files and on fuzzed models.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitError } from '../../src/errors.js';
import { decodedBytesBound, estimateDecodedBytes } from '../../src/runtime/decoded-size.js';
import { decodeModel } from '../../src/runtime/index.js';
import { mutateOnnx } from '../fuzz/mutate-onnx.js';
import { Rng } from '../fuzz/mutate-bytes.js';
import { expectError } from '../tensor/expect-error.js';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

const AE = new Uint8Array(readFileSync(new URL('../fixtures/onnx/autoencoder_opset17.onnx', import.meta.url)));
const TRANSFORMER = new Uint8Array(readFileSync(new URL('../fixtures/onnx/transformer_encoder_layer_opset17.onnx', import.meta.url)));

/** Objects protobufjs made, by kind, found by walking the decoded message (independent of the wire). */
function countDecoded(root: unknown): { messages: number; longs: number; numbers: number } {
  const out = { messages: 0, longs: 0, numbers: 0 };
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') out.numbers++;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if ('low' in v && 'high' in v && 'unsigned' in v) {
      out.longs++;
      continue;
    }
    if (Array.isArray(v)) stack.push(...v);
    else {
      out.messages++;
      stack.push(...Object.values(v));
    }
  }
  return out;
}

/** The heap a decoded model takes at least: the costs measured on Node 20, rounded down. */
function lowerBound(bytes: Uint8Array): number {
  const c = countDecoded(onnx.ModelProto.decode(bytes));
  return 250 * c.messages + 50 * c.longs + 8 * c.numbers;
}

/** A ModelProto whose graph's first node has `n` empty attributes: 2 bytes each on disk. */
function emptyAttributes(n: number): Uint8Array {
  const node = new Uint8Array(2 * n).fill(0).map((_, i) => (i % 2 === 0 ? (5 << 3) | 2 : 0));
  const wrap = (field: number, body: Uint8Array): Uint8Array => {
    const len: number[] = [];
    for (let x = body.length; ; x = Math.floor(x / 128)) {
      len.push(x >= 128 ? (x % 128) | 128 : x);
      if (x < 128) break;
    }
    return Uint8Array.from([(field << 3) | 2, ...len, ...body]);
  };
  return wrap(7, wrap(1, node));
}

describe('estimateDecodedBytes', () => {
  it('bounds what protobufjs builds for real models and for hostile ones', () => {
    for (const bytes of [AE, TRANSFORMER, emptyAttributes(10_000)]) expect(estimateDecodedBytes(bytes)).toBeGreaterThanOrEqual(lowerBound(bytes));
    const ints = onnx.ModelProto.encode({ graph: { node: [{ attribute: [{ name: 'a', ints: new Array(50_000).fill(1) }] }] } }).finish();
    expect(estimateDecodedBytes(ints)).toBeGreaterThanOrEqual(lowerBound(ints));
  });

  it('charges every string of a run of one repeated field as much as a lone one', () => {
    // One attribute holding n strings 'LEAF' (one run of field 9): the estimate grows by the same amount per string.
    const leaves = (n: number): number => estimateDecodedBytes(onnx.ModelProto.encode({ graph: { node: [{ attribute: [{ name: 'm', strings: Array.from({ length: n }, () => new TextEncoder().encode('LEAF')) }] }] } }).finish());
    const one = leaves(1) - leaves(0);
    expect(one).toBeGreaterThanOrEqual(16);
    for (const n of [2, 3, 1000]) expect(leaves(n) - leaves(0)).toBe(n * one);
  });

  it('is not fooled by unknown fields, groups, or nesting deeper than it follows', () => {
    const attrs = emptyAttributes(1000);
    // Unknown ModelProto field 9 as a group holding a varint and a nested group (field numbers < 16: one-byte tags).
    const group = Uint8Array.from([(9 << 3) | 3, (10 << 3) | 0, 5, (11 << 3) | 3, (11 << 3) | 4, (9 << 3) | 4]);
    const withGroup = Uint8Array.from([...group, ...attrs]);
    expect(estimateDecodedBytes(withGroup)).toBeGreaterThanOrEqual(lowerBound(withGroup));
    // TypeProto → sequence_type → elem_type → ... 300 levels deep (600 messages) in a graph input.
    let type: object = { tensorType: { elemType: 1 } };
    for (let d = 0; d < 300; d++) type = { sequenceType: { elemType: type } };
    const deep = onnx.ModelProto.encode({ graph: { input: [{ name: 'x', type }] } }).finish();
    expect(estimateDecodedBytes(deep)).toBeGreaterThanOrEqual(lowerBound(deep));
  });

  it('never exceeds decodedBytesBound, which the worst case (empty messages, deep nesting) reaches', () => {
    for (const bytes of [AE, TRANSFORMER, emptyAttributes(1), emptyAttributes(10_000)]) expect(estimateDecodedBytes(bytes)).toBeLessThanOrEqual(decodedBytesBound(bytes.length));
    // 10,000 empty attributes: 20,000 bytes plus 3 messages' headers, charged within 1% of the bound.
    const worst = emptyAttributes(10_000);
    expect(estimateDecodedBytes(worst)).toBeGreaterThan(0.99 * decodedBytesBound(worst.length));
    let type: object = { tensorType: {} };
    for (let d = 0; d < 300; d++) type = { sequenceType: { elemType: type } };
    const deep = onnx.ModelProto.encode({ graph: { input: [{ type }] } }).finish();
    expect(estimateDecodedBytes(deep)).toBeLessThanOrEqual(decodedBytesBound(deep.length));
  });

  it('is skipped by decodeModel only when the bound is within the limit: a file just over it is scanned and refused', () => {
    const bytes = emptyAttributes(20_000);
    const estimate = estimateDecodedBytes(bytes);
    expect(decodeModel(AE, { limits: { maxTotalBytes: decodedBytesBound(AE.length) } }).graph).toBeDefined();
    expectError(() => decodeModel(bytes, { limits: { maxTotalBytes: estimate - 1 } }), LimitError, /^onnx: memory for the decoded protobuf messages \(estimated\) must be at most \d+ bytes/);
  });

  it('refuses a small file that would decode into gigabytes, before decoding it', () => {
    const bytes = emptyAttributes(200_000); // 400 KB on disk, ~128 MB estimated
    expect(bytes.length).toBeLessThan(500_000);
    expectError(() => decodeModel(bytes, { limits: { maxTotalBytes: 100_000_000 } }), LimitError, /^onnx: memory for the decoded protobuf messages \(estimated\) must be at most 100000000 bytes \(raise limits\.max_total_bytes\), got \d+ bytes$/);
  });

  it('bounds fuzzed models too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (n, transformer) => {
        const bytes = mutateOnnx(new Rng(n), transformer ? TRANSFORMER : AE);
        let bound: number;
        try {
          bound = lowerBound(bytes);
        } catch {
          return; // not decodable: nothing is built
        }
        expect(estimateDecodedBytes(bytes)).toBeGreaterThanOrEqual(bound);
        expect(estimateDecodedBytes(bytes)).toBeLessThanOrEqual(decodedBytesBound(bytes.length));
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});

/** Random damage to valid protobuf bytes for the decoders' "typed error or a model" properties. */
import fc from 'fast-check';

export interface Mutation {
  at: number;
  value: number;
  cut: boolean;
}

/** 1–4 mutations of a message of `length` bytes: a byte overwritten, or the bytes cut at a position. */
export function mutationsOf(length: number): fc.Arbitrary<Mutation[]> {
  const mutation = fc.record({ at: fc.nat(length - 1), value: fc.integer({ min: 0, max: 255 }), cut: fc.boolean() });
  return fc.array(mutation, { minLength: 1, maxLength: 4 });
}

/** A copy of `bytes` with the mutations applied in order. */
export function mutate(bytes: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of muts) {
    if (m.cut) out = out.slice(0, Math.min(m.at, out.length));
    else if (m.at < out.length) out[m.at] = m.value;
  }
  return out;
}

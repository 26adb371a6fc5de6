/** Protobuf wire bytes written by hand for the codec's tests, from BigInts (independent of src/protobuf). */

/** The varint of a 64-bit two's complement value, with `pad` extra 0x80 bytes (still at most 10 bytes). */
export function varint(value: bigint, pad = 0): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  } while (v > 0n);
  for (let p = 0; p < pad && out.length < 10; p++) out.push(0x80);
  out[out.length - 1]! &= 0x7f;
  return out;
}

/** A length-delimited field: one-byte tag, varint length, body. */
export const delimited = (tag: number, body: number[]): number[] => [tag, ...varint(BigInt(body.length)), ...body];


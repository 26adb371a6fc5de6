/**
 * Format-aware mutations of .npy, .npz (zip) and safetensors files: they rewrite the fields a parser
 * sizes its allocations from (shape tuples, dtypes, header lengths, zip sizes and offsets, zip64
 * extras, deflate bombs, safetensors shapes/offsets/metadata) and leave the rest intact, so the
 * input gets past the first checks and reaches the size arithmetic.
 */
import { readNpyTyped, writeNpy, type NpyTypedArray } from '../../src/io/index.js';
import { extractZipEntry, listZipEntries } from '../../src/io/zip.js';
import { forgeZip, zip64Extra, type ForgedMember } from '../io/zip-forge.js';
import { concatBytes as concat } from '../../src/io/zip.js';
import { mutateBytes, type Rng } from './mutate-bytes.js';
import { mutateJson } from './mutate-json.js';

const DESCRS = ['<f4', '<f8', '>f4', '<f2', '|b1', '|u1', '|i1', '<i8', '>u8', '<i4', '|O', '<U8', '<c8', '<f16', '|V4', '<M8', 'f4', '=f8', '<f3', ''];

/** A shape of interesting dims (huge, zero, negative-looking) of rank 0..5. */
function randomShape(rng: Rng): number[] {
  return Array.from({ length: rng.below(6) }, () => (rng.chance(0.5) ? rng.below(5) : Math.abs(rng.interesting())));
}

/** Values that break numeric checks: non-finite, huge, negative, zero. */
const HOSTILE_VALUES = [NaN, Infinity, -Infinity, 1e308, -1e308, -1, 0, 1, 2 ** 31, 2 ** 53 + 1, 1e-310];

/**
 * A valid .npy holding what `seed` holds, changed the way a consistent but hostile writer would:
 * another shape (same or another element count), another dtype, or hostile values.
 */
export function mutateArray(rng: Rng, seed: Uint8Array): Uint8Array {
  let array: { data: NpyTypedArray; shape: number[] };
  try {
    array = readNpyTyped(seed);
  } catch {
    return mutateBytes(rng, seed);
  }
  const values = Array.from(array.data as ArrayLike<number | bigint>, Number);
  let shape = array.shape;
  switch (rng.below(4)) {
    case 0: {
      const n = rng.pick([0, 1, values.length - 1, values.length + 1, 2 * values.length, values.length]);
      values.length = Math.max(0, n);
      values.fill(0.5, Math.min(n, array.data.length));
      shape = rng.chance(0.5) ? [values.length] : [1, values.length];
      break;
    }
    case 1:
      shape = rng.chance(0.5) ? [...shape, 1] : [values.length];
      break;
    case 2:
      for (let k = 1 + rng.below(3); k > 0 && values.length > 0; k--) values[rng.below(values.length)] = rng.pick(HOSTILE_VALUES);
      break;
    default:
      break;
  }
  const kind = rng.below(5);
  const data: NpyTypedArray =
    kind === 0 ? Float64Array.from(values) : kind === 1 ? Float32Array.from(values) : kind === 2 ? BigInt64Array.from(values, (v) => (Number.isFinite(v) ? BigInt(Math.trunc(Math.max(Math.min(v, 2 ** 62), -(2 ** 62)))) : 0n)) : kind === 3 ? Uint8Array.from(values, (v) => (v ? 1 : 0)) : Int32Array.from(values);
  return writeNpy({ data, shape, ...(kind === 3 && rng.chance(0.5) ? { dtype: '|b1' } : {}) });
}

/** Rewrites the header dict of an .npy file (shape, descr, fortran_order, length field, version). */
export function mutateNpy(rng: Rng, seed: Uint8Array): Uint8Array {
  if (rng.chance(0.25)) return mutateArray(rng, seed);
  if (seed.length < 12 || rng.chance(0.3)) return mutateBytes(rng, seed);
  const major = seed[6]!;
  const start = major === 1 ? 10 : 12;
  const view = new DataView(seed.buffer, seed.byteOffset, seed.length);
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  let text = new TextDecoder('latin1').decode(seed.subarray(start, Math.min(seed.length, start + length)));
  const data = seed.subarray(Math.min(seed.length, start + length));
  const edits = 1 + rng.below(3);
  for (let e = 0; e < edits; e++) {
    const kind = rng.below(5);
    if (kind === 0) text = text.replace(/'shape': \([^)]*\)/, `'shape': (${randomShape(rng).join(', ')}${rng.chance(0.5) ? ',' : ''})`);
    else if (kind === 1) text = text.replace(/'descr': '[^']*'/, `'descr': '${rng.pick(DESCRS)}'`);
    else if (kind === 2) text = text.replace(/'fortran_order': \w+/, `'fortran_order': ${rng.pick(['True', 'False', '1', 'None'])}`);
    else if (kind === 3) text = text.replace(/\{/, rng.pick(['{', '{{', '[', "{'x': 1, ", '{' + '('.repeat(40)]));
    else text = text.slice(0, rng.below(text.length + 1)) + text.slice(rng.below(text.length + 1));
  }
  const header = new TextEncoder().encode(text);
  const prefix = seed.slice(0, start);
  const declared = rng.chance(0.2) ? Math.abs(rng.interesting()) : header.length;
  const pv = new DataView(prefix.buffer);
  if (major === 1) pv.setUint16(8, declared & 0xffff, true);
  else if (prefix.length >= 12) pv.setUint32(8, declared >>> 0, true);
  const body = rng.chance(0.3) ? data.subarray(0, rng.below(data.length + 1)) : data;
  return concat([prefix, header, body]);
}

/** The members of a valid seed archive, decompressed. */
function membersOf(seed: Uint8Array): ForgedMember[] {
  return listZipEntries(seed, 'seed').map((e) => ({ name: e.name, data: extractZipEntry(seed, e, 'seed'), method: e.method }));
}

/**
 * Rewrites an .npz archive: a member's .npy header or data, the central directory's sizes, offsets,
 * CRC and method, zip64 extras (honest, short, overrunning), deflate bombs, duplicate or odd names.
 * @param mutateMember the mutation applied to a member's .npy bytes
 */
export function mutateNpz(rng: Rng, seed: Uint8Array, mutateMember: (rng: Rng, npy: Uint8Array, name: string) => Uint8Array = mutateNpy): Uint8Array {
  if (rng.chance(0.15)) return mutateBytes(rng, seed);
  const members = membersOf(seed);
  if (rng.chance(0.4)) {
    // Only the contents: one or two members rewritten, the archive itself honest.
    for (let e = 1 + rng.below(2); e > 0 && members.length > 0; e--) {
      const i = rng.below(members.length);
      members[i] = { ...members[i]!, data: mutateMember(rng, members[i]!.data, members[i]!.name.replace(/\.npy$/, '')) };
    }
    return forgeZip(members.map((m) => ({ name: m.name, data: m.data, method: m.method })));
  }
  const edits = 1 + rng.below(2);
  for (let e = 0; e < edits && members.length > 0; e++) {
    const i = rng.below(members.length);
    const m = members[i]!;
    switch (rng.below(6)) {
      case 0:
      case 1:
        members[i] = { ...m, data: mutateMember(rng, m.data, m.name.replace(/\.npy$/, '')) };
        break;
      case 2: {
        const field = rng.pick(['uncompressedSize', 'compressedSize', 'localOffset', 'crc', 'method'] as const);
        members[i] = { ...m, [field]: field === 'method' ? rng.pick([1, 8, 12, 14, 99]) : rng.chance(0.5) ? 0xffffffff : Math.abs(rng.interesting()) % 2 ** 32 };
        break;
      }
      case 3: {
        const values = Array.from({ length: rng.below(4) }, () => BigInt(Math.abs(rng.interesting())) % 2n ** 64n);
        const extra = zip64Extra(values, rng.chance(0.6) ? values.length * 8 : rng.below(0x10000));
        members[i] = { ...m, extra: rng.chance(0.3) ? extra.subarray(0, rng.below(extra.length + 1)) : extra, uncompressedSize: 0xffffffff, compressedSize: rng.chance(0.5) ? 0xffffffff : undefined, localOffset: rng.chance(0.3) ? 0xffffffff : undefined };
        break;
      }
      case 4: {
        // A deflate bomb: up to 256 KiB of zeros (a few hundred bytes deflated), declared as anything.
        const count = 1 << rng.below(19);
        const zeros = writeNpy({ data: new Uint8Array(count), shape: [count] });
        const bomb: ForgedMember = { name: `bomb${rng.below(3)}.npy`, data: zeros, method: 8, uncompressedSize: rng.chance(0.5) ? Math.abs(rng.interesting()) % 2 ** 32 : undefined };
        members.splice(rng.below(members.length + 1), 0, bomb);
        break;
      }
      default:
        members.splice(rng.below(members.length + 1), 0, { ...m, name: rng.pick([m.name, 'x.txt', '', '../a.npy', `${m.name}${m.name}`]) });
    }
  }
  const bytes = forgeZip(members);
  return rng.chance(0.2) ? mutateBytes(rng, bytes, [], 2) : bytes;
}

const ST_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'F8_E4M3', 'f32', ''];

/**
 * Rewrites a safetensors file: tensor shapes, dtypes and data_offsets, the header length prefix,
 * metadata values (JSON-aware, or through `mutateMetadata` for known keys), the data buffer's length.
 */
export function mutateSafetensors(rng: Rng, seed: Uint8Array, mutateMetadata?: (rng: Rng, key: string, value: string) => string): Uint8Array {
  if (rng.chance(0.15)) return mutateBytes(rng, seed);
  const n = Number(new DataView(seed.buffer, seed.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(seed.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
  let data = seed.subarray(8 + n);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const meta = header.__metadata__ as Record<string, string> | undefined;
  const edits = 1 + rng.below(2);
  for (let e = 0; e < edits; e++) {
    const kind = rng.below(meta && mutateMetadata ? 6 : 5);
    const t = names.length > 0 ? header[rng.pick(names)]! : undefined;
    if (kind === 0 && t) t.shape = randomShape(rng);
    else if (kind === 1 && t) t.dtype = rng.pick(ST_DTYPES);
    else if (kind === 2 && t) t.data_offsets = [rng.chance(0.5) ? 0 : rng.interesting(), rng.interesting()];
    else if (kind === 3) header[rng.pick(['__metadata__', names[0] ?? 'x', 'extra'])] = mutateJson(rng, header[rng.pick(names.length > 0 ? names : ['x'])] ?? {}) as Record<string, unknown>;
    else if (kind === 4) data = data.subarray(0, rng.below(data.length + 1));
    else if (meta && mutateMetadata) {
      const key = rng.pick(Object.keys(meta));
      meta[key] = mutateMetadata(rng, key, meta[key]!);
    }
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(8);
  const length = rng.chance(0.1) ? BigInt(Math.abs(rng.interesting())) % 2n ** 64n : BigInt(text.length);
  new DataView(prefix.buffer).setBigUint64(0, length, true);
  return concat([prefix, text, data]);
}

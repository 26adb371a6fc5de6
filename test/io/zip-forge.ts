/**
 * Test helper: builds zip archives byte by byte from the PKWARE APPNOTE layout, independent of
 * src/io/zip.ts (only its byte concatenation is shared), with every field open to forging: declared sizes, CRC, method, central-directory
 * extras (zip64), so tests and the fuzzer can write the hostile archives a real zip tool never would.
 */
import { deflateRawSync } from 'node:zlib';
import { concatBytes } from '../../src/io/zip.js';

/** One member; any field left out gets its honest value. */
export interface ForgedMember {
  name: string;
  data: Uint8Array;
  /** 0 stored, 8 deflate. Default 0. */
  method?: number;
  /** The central directory's uncompressed size (0xFFFFFFFF asks for a zip64 extra). */
  uncompressedSize?: number;
  /** The central directory's compressed size. */
  compressedSize?: number;
  /** The central directory's local-header offset. */
  localOffset?: number;
  crc?: number;
  /** The central directory entry's extra field bytes. */
  extra?: Uint8Array;
}

/** CRC-32 (IEEE), bit by bit: slow and obviously right, unlike the table-driven one under test. */
export function crc32Reference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip64 extended-information extra field (id 0x0001) holding the given 64-bit values. */
export function zip64Extra(values: readonly bigint[], declaredSize = values.length * 8): Uint8Array {
  const out = new Uint8Array(4 + values.length * 8);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0x0001, true);
  v.setUint16(2, declaredSize, true);
  values.forEach((x, i) => v.setBigUint64(4 + 8 * i, x, true));
  return out;
}

/** The archive's bytes: local headers and data, the central directory, the end record. */
export function forgeZip(members: readonly ForgedMember[]): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = enc.encode(m.name);
    const method = m.method ?? 0;
    const body = method === 8 ? new Uint8Array(deflateRawSync(m.data)) : m.data;
    const crc = m.crc ?? crc32Reference(m.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, m.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const extra = m.extra ?? new Uint8Array(0);
    const central = new Uint8Array(46 + name.length + extra.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, m.compressedSize ?? body.length, true);
    cv.setUint32(24, m.uncompressedSize ?? m.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint32(42, m.localOffset ?? offset, true);
    central.set(name, 46);
    central.set(extra, 46 + name.length);
    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  }
  const cdSize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concatBytes([...locals, ...centrals, end]);
}

/**
 * The part of the zip format (PKWARE APPNOTE 6.3) that .npz files use: stored (0) and deflated (8)
 * members, read through the central directory, CRC-32 checked. Zip64 size fields in central-directory
 * extras are understood (numpy writes members with `force_zip64`); archives that need a zip64 end record
 * (> 65535 members or > 4 GiB) are refused. Writing is deterministic: fixed 1980-01-01 timestamps.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DataError, FormatError } from '../errors.js';
import { crc32 } from './crc32.js';

/** One member as listed in the central directory, with where its (compressed) bytes start. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly dataStart: number;
}

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const DOS_DATE_1980_01_01 = (1 << 5) | 1;
const U32_MAX = 0xffffffff;

/**
 * Lists the members of a zip archive held in memory, checking every offset against its length.
 * @throws FormatError when the bytes are not a readable zip archive.
 */
export function listZipEntries(bytes: Uint8Array, where: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const eocd = findEndRecord(view, where);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) {
    throw new FormatError(`${where}: zip archive must be on a single disk, got a multi-disk archive`, where);
  }
  if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
    throw new FormatError(`${where}: zip archive must need no zip64 end record (<= 65534 members, < 4 GiB), got a zip64 archive`, where);
  }
  if (cdOffset + cdSize > eocd) {
    throw new FormatError(`${where}: zip central directory must lie before its end record (${eocd}), got bytes ${cdOffset}..${cdOffset + cdSize}`, where);
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL_SIG) {
      throw new FormatError(`${where}: zip central directory entry ${i} must start with signature PK\\1\\2 at byte ${p}, got something else`, where);
    }
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const next = p + 46 + nameLen + extraLen + view.getUint16(p + 32, true);
    if (next > cdOffset + cdSize) throw new FormatError(`${where}: zip central directory entry ${i} must fit in the directory, got one ending at ${next}`, where);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    if (view.getUint16(p + 8, true) & 1) throw new FormatError(`${where}: zip member '${name}' must not be encrypted, got encrypted`, where);
    const sizes = [view.getUint32(p + 24, true), view.getUint32(p + 20, true), view.getUint32(p + 42, true)];
    readZip64Extra(view, { start: p + 46 + nameLen, length: extraLen }, sizes, where, name);
    const [uncompressedSize, compressedSize, localOffset] = sizes as [number, number, number];
    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_SIG) {
      throw new FormatError(`${where}: zip member '${name}' must have a local header at byte ${localOffset}, got none`, where);
    }
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + compressedSize > bytes.length) {
      throw new FormatError(`${where}: zip member '${name}' must end within the archive (${bytes.length} bytes), got an end at ${dataStart + compressedSize}`, where);
    }
    entries.push({ name, method: view.getUint16(p + 10, true), crc: view.getUint32(p + 16, true), compressedSize, uncompressedSize, dataStart });
    p = next;
  }
  return entries;
}

/** The end-of-central-directory record is the last `PK\5\6` within the final 22 + 65535 bytes. */
function findEndRecord(view: DataView, where: string): number {
  const last = view.byteLength - 22;
  for (let p = last; p >= 0 && p >= last - 0xffff; p--) {
    if (view.getUint32(p, true) === EOCD_SIG && p + 22 + view.getUint16(p + 20, true) <= view.byteLength) return p;
  }
  throw new FormatError(`${where}: a zip archive must end with an end-of-central-directory record, got none (not a zip/npz file?)`, where);
}

/**
 * Replaces 0xFFFFFFFF placeholders in `sizes` ([uncompressed, compressed, offset]) from a zip64 extra
 * field. Every extra field must fit in the entry's extra area, and a zip64 field must hold a value
 * for each placeholder.
 * @throws FormatError naming the member when a field overruns its area
 */
function readZip64Extra(view: DataView, area: { start: number; length: number }, sizes: number[], where: string, name: string): void {
  const end = area.start + area.length;
  for (let p = area.start; p + 4 <= end; ) {
    const id = view.getUint16(p, true);
    const size = view.getUint16(p + 2, true);
    const fieldEnd = p + 4 + size;
    if (fieldEnd > end) {
      throw new FormatError(`${where}: zip member '${name}' extra field 0x${id.toString(16).padStart(4, '0')} must fit in the ${area.length}-byte extra area, got ${size} bytes at offset ${p - area.start}`, where);
    }
    if (id === 0x0001) {
      let q = p + 4;
      for (let k = 0; k < 3; k++) {
        if (sizes[k] !== U32_MAX) continue;
        if (q + 8 > fieldEnd) {
          throw new FormatError(`${where}: zip member '${name}' zip64 extra field must hold a 64-bit value for each 0xFFFFFFFF size or offset, got ${size} bytes`, where);
        }
        sizes[k] = Number(view.getBigUint64(q, true));
        q += 8;
      }
    }
    p = fieldEnd;
  }
}

/**
 * Returns a member's uncompressed bytes, checking size and CRC-32.
 * @throws FormatError for an unsupported compression method, corrupt deflate data or a CRC mismatch.
 */
export function extractZipEntry(bytes: Uint8Array, entry: ZipEntry, where: string): Uint8Array {
  const raw = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (err) {
      throw new FormatError(`${where}: zip member '${entry.name}' must hold valid deflate data of ${entry.uncompressedSize} bytes, got ${(err as Error).message}`, where);
    }
  } else {
    throw new FormatError(`${where}: zip member '${entry.name}' compression must be stored (0) or deflate (8), got method ${entry.method}`, where);
  }
  if (data.length !== entry.uncompressedSize) {
    throw new FormatError(`${where}: zip member '${entry.name}' must be ${entry.uncompressedSize} bytes uncompressed, got ${data.length}`, where);
  }
  const crc = crc32(data);
  if (crc !== entry.crc) {
    throw new FormatError(`${where}: zip member '${entry.name}' CRC-32 must be ${hex(entry.crc)}, got ${hex(crc)} (corrupted data)`, where);
  }
  return data;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Builds a zip archive; identical input gives identical bytes (fixed timestamps, no extras).
 * @param compress deflate every member (method 8) instead of storing it (method 0).
 * @throws DataError when the archive would need zip64 (> 65534 members or >= 4 GiB).
 */
export function writeZip(members: readonly { name: string; data: Uint8Array }[], compress: boolean): Uint8Array {
  if (members.length >= 0xffff) throw new DataError(`writeZip: member count must be < 65535, got ${members.length}`);
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = encoder.encode(m.name);
    const body = compress ? new Uint8Array(deflateRawSync(m.data)) : m.data;
    const fields = {
      flags: /^[\x20-\x7e]*$/.test(m.name) ? 0 : 0x0800, // bit 11: UTF-8 name
      method: compress ? 8 : 0,
      crc: crc32(m.data),
      compressedSize: body.length,
      uncompressedSize: m.data.length,
    };
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL_SIG, true);
    setCommonFields(lv, 4, fields);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, CENTRAL_SIG, true);
    cv.setUint16(4, 20, true); // made by: MS-DOS, spec 2.0
    setCommonFields(cv, 6, fields);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    offset += local.length + body.length;
    if (offset >= U32_MAX) throw new DataError(`writeZip: archive size must be < 4 GiB, got more at member '${m.name}'`);
    locals.push(local, body);
    centrals.push(central);
  }
  const cdSize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, EOCD_SIG, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concatBytes([...locals, ...centrals, end]);
}

/** Writes version-needed, flags, method, time, date, crc and sizes (shared layout of local and central headers). */
function setCommonFields(
  v: DataView,
  at: number,
  f: { flags: number; method: number; crc: number; compressedSize: number; uncompressedSize: number },
): void {
  v.setUint16(at, 20, true); // version needed: 2.0 (deflate)
  v.setUint16(at + 2, f.flags, true);
  v.setUint16(at + 4, f.method, true);
  v.setUint16(at + 6, 0, true); // 00:00:00
  v.setUint16(at + 8, DOS_DATE_1980_01_01, true);
  v.setUint32(at + 10, f.crc, true);
  v.setUint32(at + 14, f.compressedSize, true);
  v.setUint32(at + 18, f.uncompressedSize, true);
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

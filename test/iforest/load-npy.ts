/**
 * A minimal .npy reader for the test fixtures only (little-endian '<f4' and '|i1', C order,
 * format 1.0); the library's own reader lives in src/io.
 */
import { readFileSync } from 'node:fs';

export interface NpyArray {
  data: Float32Array | Int8Array;
  shape: number[];
}

export function loadNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  if (buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY' || buf.readUInt8(6) !== 1) {
    throw new Error(`loadNpy: ${path} must be a version 1 .npy file`);
  }
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header) || shapeText === undefined) throw new Error(`loadNpy: ${path}: unsupported header ${header}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLen;
  const bytes = buf.subarray(start);
  if (descr === '<f4') {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(i * 4);
    return { data, shape };
  }
  if (descr === '|i1') {
    const data = new Int8Array(count);
    for (let i = 0; i < count; i++) data[i] = bytes.readInt8(i);
    return { data, shape };
  }
  throw new Error(`loadNpy: ${path}: unsupported dtype ${descr}`);
}

/**
 * Deterministic pseudo-random streams from a 32-byte seed, for masks and noise that both sides must
 * regenerate exactly: HKDF-SHA256 derives an AES-256 key per (seed, label), and AES-256-CTR from a
 * zero counter encrypts zeros into the keystream (NIST SP 800-38A; all through node:crypto). Each
 * (seed, label) gets its own key, so the fixed IV never repeats under one key.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { domain } from './bytes.js';

/** `bytes` bytes of keystream for (seed, label). */
export function keystream(seed: Uint8Array, label: string, bytes: number): Uint8Array {
  const key = new Uint8Array(hkdfSync('sha256', seed, new Uint8Array(0), domain(`prg/${label}`), 32));
  const cipher = createCipheriv('aes-256-ctr', key, new Uint8Array(16));
  return new Uint8Array(Buffer.concat([cipher.update(new Uint8Array(bytes)), cipher.final()]));
}

/** `count` uniform 32-bit words (little-endian) for (seed, label): a mask modulo 2^32. */
export function maskWords(seed: Uint8Array, label: string, count: number): Uint32Array {
  const bytes = keystream(seed, label, count * 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/**
 * `count` standard normal values for (seed, label): Box–Muller on 53-bit uniforms taken from the
 * keystream (both values of each pair used, in order).
 */
export function normalStream(seed: Uint8Array, label: string, count: number): Float64Array {
  const pairs = Math.ceil(count / 2);
  const words = maskWords(seed, label, pairs * 4);
  const out = new Float64Array(count);
  for (let k = 0; k < pairs; k++) {
    // u in (0, 1] so the log is finite; v in [0, 1).
    const u = 1 - ((words[4 * k]! >>> 5) * 67108864 + (words[4 * k + 1]! >>> 6)) / 9007199254740992;
    const v = ((words[4 * k + 2]! >>> 5) * 67108864 + (words[4 * k + 3]! >>> 6)) / 9007199254740992;
    const r = Math.sqrt(-2 * Math.log(u));
    out[2 * k] = r * Math.cos(2 * Math.PI * v);
    if (2 * k + 1 < count) out[2 * k + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Small byte helpers shared by the federated protocol: base64url text for keys and nonces in JSON,
 * SHA-256 digests, and domain-separated message prefixes so that a signature made for one purpose
 * can never be replayed as another.
 */
import { createHash } from 'node:crypto';
import { FormatError } from '../errors.js';

/** Protocol name and version, part of every signed or encrypted message. */
export const PROTOCOL = 'dadm-fl/1';

/** Bytes of `text` as UTF-8. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * A JSON payload (strict UTF-8) as an object whose keys the caller checks.
 * @throws FormatError `<where>: payload must be JSON, got bytes that do not parse`
 */
export function parseJsonPayload(bytes: Uint8Array, where: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    return doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : {};
  } catch {
    throw new FormatError(`${where}: payload must be JSON, got bytes that do not parse`, where);
  }
}

/** base64url (RFC 4648 §5, no padding) of `bytes`. */
export function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes base64url text that must hold exactly `length` bytes (any length when omitted).
 * @throws FormatError `<where>: <what> must be base64url of N bytes, got ...`
 */
export function fromB64(text: unknown, where: string, what: string, length?: number): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new FormatError(`${where}: ${what} must be base64url text, got ${describe(text)}`, where);
  }
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (length !== undefined && bytes.length !== length) {
    throw new FormatError(`${where}: ${what} must be base64url of ${length} bytes, got ${bytes.length} bytes`, where);
  }
  return bytes;
}

/** Lowercase hex SHA-256 of the concatenation of `parts`. */
export function sha256Hex(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** SHA-256 of the concatenation of `parts`, as bytes. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** `PROTOCOL/purpose\0` followed by the parts: what is signed, hashed into keys or bound as AAD. */
export function domain(purpose: string, ...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat([utf8(`${PROTOCOL}/${purpose}\0`), ...parts]);
}

/** A short, safe rendering of an unexpected value for an error message (never the value of a secret). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

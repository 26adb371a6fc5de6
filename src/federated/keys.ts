/**
 * Keys of the federated protocol, all through node:crypto. Each party (the server and every client)
 * holds an Ed25519 key pair (signatures: the server signs global models and round views, a client
 * signs its uploads) and an X25519 key pair (key agreement: clients encrypt updates to the server's
 * X25519 key; clients agree pairwise keys for secure aggregation). Formats are in docs/federated.md.
 * Private keys live only in KeyObjects and key files written 0600; nothing here logs or prints them.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { statSync } from 'node:fs';
import { FormatError, InvalidOptionError } from '../errors.js';
import { readInputText } from '../io/index.js';
import { describe, fromB64, sha256Hex, toB64, utf8 } from './bytes.js';

export const KEY_FORMAT = 'dadm-federated-key';
export const PUBLIC_KEY_FORMAT = 'dadm-federated-public-key';
/** Largest key, public-key or enrollment file read, checked before reading (an enrollment of 10^4 clients is ~1.5 MB). */
export const MAX_KEY_FILE_BYTES = 8 << 20;

export type Role = 'server' | 'client';

/** A party's public keys: what the server's enrollment list holds per client, and what clients pin for the server. */
export interface PublicKeys {
  role: Role;
  /** Client id (`[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`), or 'server'. */
  id: string;
  sign: KeyObject;
  kex: KeyObject;
  /** Raw 32-byte public keys, base64url. */
  ed25519: string;
  x25519: string;
}

/** A party's key pairs. */
export interface KeyPairs {
  public: PublicKeys;
  signPrivate: KeyObject;
  kexPrivate: KeyObject;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Checks a client id: it names journal files and appears in logs, so it is restricted to a safe set.
 * @throws InvalidOptionError `<where>: client id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, got ...`
 */
export function checkClientId(id: unknown, where: string): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || id === 'server') {
    throw new InvalidOptionError(`${where}: client id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63} and not be 'server', got ${describe(id)}`, 'id');
  }
  return id;
}

/** Fresh Ed25519 and X25519 key pairs for the server (`id` 'server') or a client. */
export function generateKeyPairs(role: Role, id = 'server'): KeyPairs {
  if (role === 'client') checkClientId(id, 'generateKeyPairs');
  const sign = generateKeyPairSync('ed25519');
  const kex = generateKeyPairSync('x25519');
  return { public: publicKeys(role, role === 'server' ? 'server' : id, sign.publicKey, kex.publicKey), signPrivate: sign.privateKey, kexPrivate: kex.privateKey };
}

function rawPublic(key: KeyObject): string {
  return (key.export({ format: 'jwk' }) as { x: string }).x;
}

function publicKeys(role: Role, id: string, sign: KeyObject, kex: KeyObject): PublicKeys {
  return { role, id, sign, kex, ed25519: rawPublic(sign), x25519: rawPublic(kex) };
}

/** Short fingerprint of a party's public keys (first 16 hex digits of SHA-256 over both), for logs. */
export function fingerprint(keys: PublicKeys): string {
  return sha256Hex(utf8(`${keys.ed25519}.${keys.x25519}`)).slice(0, 16);
}

/** The JSON text of a private key file (written 0600 by the caller). */
export function privateKeyJson(keys: KeyPairs): string {
  const part = (k: KeyObject): { private: string; public: string } => {
    const jwk = k.export({ format: 'jwk' }) as { d: string; x: string };
    return { private: jwk.d, public: jwk.x };
  };
  const doc = { format: KEY_FORMAT, version: 1, role: keys.public.role, id: keys.public.id, ed25519: part(keys.signPrivate), x25519: part(keys.kexPrivate) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The JSON object of a public key (a `.pub.json` file, or one entry of an enrollment list without `format`). */
export function publicKeyRecord(keys: PublicKeys): { role: Role; id: string; ed25519: string; x25519: string } {
  return { role: keys.role, id: keys.id, ed25519: keys.ed25519, x25519: keys.x25519 };
}

/** Reads a small JSON file after checking its size against {@link MAX_KEY_FILE_BYTES}. @throws FormatError / InvalidOptionError naming the file */
export function readSmallJson(path: string, what: string): unknown {
  const text = readInputText(path, { what, sizeLimit: null, maxBytes: MAX_KEY_FILE_BYTES });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FormatError(`${path}: ${what} must be JSON (format '${what === 'public key file' ? PUBLIC_KEY_FORMAT : KEY_FORMAT}'), got text that does not parse`, path);
  }
}

/**
 * Reads a private key file written by {@link privateKeyJson}. Refuses a file others can read, as ssh does.
 * @throws FormatError naming the file when it is not a dadm key file of the expected role or its keys
 *   are malformed; InvalidOptionError when it cannot be read or is readable by group or others
 */
export function readKeyFile(path: string, role: Role): KeyPairs {
  const doc = readSmallJson(path, 'key file');
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new InvalidOptionError(`${path}: private key file permissions must be 0600 (owner only), got 0${mode.toString(8)} (run chmod 600 ${path})`, 'key');
    }
  }
  const d = doc as Record<string, unknown> | null;
  if (d === null || typeof d !== 'object' || d.format !== KEY_FORMAT || d.version !== 1) {
    throw new FormatError(`${path}: key file must be a '${KEY_FORMAT}' version 1 JSON file, got ${d !== null && typeof d === 'object' ? `format ${describe(d.format)}` : describe(d)}`, path);
  }
  if (d.role !== role) throw new FormatError(`${path}: key file role must be '${role}', got ${describe(d.role)}`, path);
  const id = role === 'server' ? 'server' : checkClientId(d.id, path);
  const signPrivate = importPrivate(path, 'Ed25519', d.ed25519);
  const kexPrivate = importPrivate(path, 'X25519', d.x25519);
  return { public: publicKeys(role, id, createPublicKey(signPrivate), createPublicKey(kexPrivate)), signPrivate, kexPrivate };
}

function importPrivate(path: string, crv: 'Ed25519' | 'X25519', part: unknown): KeyObject {
  const p = part as { private?: unknown; public?: unknown } | null;
  const field = crv.toLowerCase();
  if (p === null || typeof p !== 'object') throw new FormatError(`${path}: ${field} must be an object with private and public keys, got ${describe(p)}`, path);
  const d = fromB64(p.private, path, `${field}.private`, 32);
  const x = fromB64(p.public, path, `${field}.public`, 32);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: { kty: 'OKP', crv, d: toB64(d), x: toB64(x) }, format: 'jwk' });
  } catch {
    throw new FormatError(`${path}: ${field} must be a valid ${crv} key pair, got keys node:crypto refuses`, path);
  }
  if (rawPublic(createPublicKey(key)) !== toB64(x)) throw new FormatError(`${path}: ${field}.public must belong to ${field}.private, got a different public key`, path);
  return key;
}

/**
 * Public keys from a `.pub.json` object or one enrollment entry.
 * @throws FormatError naming `source` for a missing field or a malformed key
 */
export function parsePublicKeys(value: unknown, source: string, role: Role): PublicKeys {
  const v = value as Record<string, unknown> | null;
  if (v === null || typeof v !== 'object') throw new FormatError(`${source}: public key must be an object, got ${describe(v)}`, source);
  if (v.role !== undefined && v.role !== role) throw new FormatError(`${source}: public key role must be '${role}', got ${describe(v.role)}`, source);
  const id = role === 'server' ? 'server' : checkClientId(v.id, source);
  const sign = importPublic(source, 'Ed25519', fromB64(v.ed25519, source, 'ed25519', 32));
  const kex = importPublic(source, 'X25519', fromB64(v.x25519, source, 'x25519', 32));
  return publicKeys(role, id, sign, kex);
}

/** Imports a raw 32-byte public key. @throws FormatError when node:crypto refuses it */
export function importPublic(source: string, crv: 'Ed25519' | 'X25519', raw: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv, x: toB64(raw) }, format: 'jwk' });
  } catch {
    throw new FormatError(`${source}: ${crv.toLowerCase()} must be a valid ${crv} public key, got bytes node:crypto refuses`, source);
  }
}

/**
 * Reads the server's public key file (the `server.pub.json` clients pin).
 * @throws FormatError / InvalidOptionError naming the file
 */
export function readPublicKeyFile(path: string, role: Role): PublicKeys {
  const doc = readSmallJson(path, 'public key file') as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || doc.format !== PUBLIC_KEY_FORMAT) {
    throw new FormatError(`${path}: public key file must be a '${PUBLIC_KEY_FORMAT}' JSON file, got ${doc !== null && typeof doc === 'object' ? `format ${describe(doc.format)}` : describe(doc)}`, path);
  }
  return parsePublicKeys(doc, path, role);
}

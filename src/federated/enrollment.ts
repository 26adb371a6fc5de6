/**
 * Key generation on disk and the server's enrollment list (the clients allowed to take part, by
 * public key). Private key files are created 0600 and never overwritten unless asked.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, InvalidOptionError } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import { describe, utf8 } from './bytes.js';
import { PUBLIC_KEY_FORMAT, checkClientId, fingerprint, generateKeyPairs, parsePublicKeys, privateKeyJson, publicKeyRecord, readPublicKeyFile, readSmallJson, type PublicKeys } from './keys.js';

export const ENROLLMENT_FORMAT = 'dadm-federated-enrollment';

/** Options of {@link keygen}. */
export interface KeygenOptions {
  /** Output directory (created if missing). */
  outDir: string;
  /** Write `server.key` and `server.pub.json`. Default false. */
  server?: boolean;
  /** Client ids to create `<id>.key` and `<id>.pub.json` for; a number n means `client-001..client-n`. */
  clients?: readonly string[] | number;
  /** Also write `enrollment.json` listing the new clients (replacing an existing one). Default: when clients are made. */
  enrollment?: boolean;
  /** Replace existing key files. Default false: an existing key file is an error. */
  force?: boolean;
}

/** What {@link keygen} wrote: paths and public-key fingerprints (never private material). */
export interface KeygenResult {
  server?: { key: string; publicKey: string; fingerprint: string };
  clients: { id: string; key: string; publicKey: string; fingerprint: string }[];
  enrollment?: string;
}

/** Ids `client-001` … for a count. */
export function clientIds(count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 100_000) {
    throw new InvalidOptionError(`keygen: clients must be an integer in [1, 100000] or a list of ids, got ${count}`, 'clients');
  }
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `client-${String(i + 1).padStart(width, '0')}`);
}

/**
 * Generates key pairs and writes them: private keys 0600 (`*.key`), public keys as
 * `*.pub.json`, and an enrollment list of the clients made.
 * @throws InvalidOptionError for an existing key file without `force`, a bad id, or an unwritable directory
 */
export function keygen(opts: KeygenOptions): KeygenResult {
  const ids = opts.clients === undefined ? [] : typeof opts.clients === 'number' ? clientIds(opts.clients) : opts.clients.map((id) => checkClientId(id, 'keygen'));
  if (new Set(ids).size !== ids.length) throw new InvalidOptionError(`keygen: client ids must be distinct, got ${ids.length} ids with duplicates`, 'clients');
  if (!opts.server && ids.length === 0) throw new InvalidOptionError('keygen: server or clients must be given, got neither', 'clients');
  mkdirSync(opts.outDir, { recursive: true });
  const names = [...(opts.server ? ['server'] : []), ...ids];
  if (!opts.force) {
    for (const name of names) {
      const path = join(opts.outDir, `${name}.key`);
      if (existsSync(path)) throw new InvalidOptionError(`keygen: key file ${path} must not exist (pass force to replace it), got an existing file`, 'force');
    }
  }
  const result: KeygenResult = { clients: [] };
  if (opts.server) {
    const keys = generateKeyPairs('server');
    result.server = writePair(opts.outDir, 'server', keys.public, privateKeyJson(keys));
  }
  const publics: PublicKeys[] = [];
  for (const id of ids) {
    const keys = generateKeyPairs('client', id);
    publics.push(keys.public);
    result.clients.push({ id, ...writePair(opts.outDir, id, keys.public, privateKeyJson(keys)) });
  }
  if ((opts.enrollment ?? ids.length > 0) && ids.length > 0) {
    result.enrollment = join(opts.outDir, 'enrollment.json');
    writeEnrollment(result.enrollment, publics);
  }
  return result;
}

function writePair(dir: string, name: string, pub: PublicKeys, privateText: string): { key: string; publicKey: string; fingerprint: string } {
  const key = join(dir, `${name}.key`);
  const publicKey = join(dir, `${name}.pub.json`);
  writeFileAtomic(key, utf8(privateText), { mode: 0o600 });
  writeFileAtomic(publicKey, utf8(`${JSON.stringify({ format: PUBLIC_KEY_FORMAT, version: 1, ...publicKeyRecord(pub) }, null, 2)}\n`));
  return { key, publicKey, fingerprint: fingerprint(pub) };
}

/** Writes an enrollment list (atomic). */
export function writeEnrollment(path: string, clients: readonly PublicKeys[]): void {
  const doc = { format: ENROLLMENT_FORMAT, version: 1, clients: clients.map((c) => ({ id: c.id, ed25519: c.ed25519, x25519: c.x25519 })) };
  writeFileAtomic(path, utf8(`${JSON.stringify(doc, null, 2)}\n`));
}

/**
 * Reads an enrollment list.
 * @param maxClients refuse a list longer than this (the server's `max_clients`)
 * @throws FormatError naming the file for a foreign file, a malformed entry, or a duplicate id or key;
 *   InvalidOptionError for a list over `maxClients` or an unreadable file
 */
export function readEnrollment(path: string, maxClients = Number.MAX_SAFE_INTEGER): Map<string, PublicKeys> {
  const doc = readSmallJson(path, 'enrollment file') as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || doc.format !== ENROLLMENT_FORMAT || !Array.isArray(doc.clients)) {
    throw new FormatError(`${path}: enrollment file must be a '${ENROLLMENT_FORMAT}' JSON file with a clients list, got ${doc !== null && typeof doc === 'object' ? `format ${describe(doc.format)}` : describe(doc)}`, path);
  }
  if (doc.clients.length > maxClients) {
    throw new InvalidOptionError(`${path}: enrolled clients must be at most max_clients = ${maxClients}, got ${doc.clients.length}`, 'max_clients');
  }
  const out = new Map<string, PublicKeys>();
  const seenKeys = new Set<string>();
  doc.clients.forEach((entry, i) => {
    const keys = parsePublicKeys(entry, `${path} clients[${i}]`, 'client');
    if (out.has(keys.id)) throw new FormatError(`${path}: client ids must be unique, got ${keys.id} twice`, path);
    for (const k of [keys.ed25519, keys.x25519]) {
      if (seenKeys.has(k)) throw new FormatError(`${path}: public keys must be unique, got a key of ${keys.id} twice`, path);
      seenKeys.add(k);
    }
    out.set(keys.id, keys);
  });
  return out;
}

/**
 * Adds client public key files to an enrollment list (created if missing); an id already enrolled
 * with the same keys is kept, with other keys it is an error (remove it first).
 * @returns the ids added
 * @throws FormatError / InvalidOptionError naming the file at fault
 */
export function enroll(enrollmentPath: string, publicKeyFiles: readonly string[]): string[] {
  const list = existsSync(enrollmentPath) ? readEnrollment(enrollmentPath) : new Map<string, PublicKeys>();
  const added: string[] = [];
  for (const file of publicKeyFiles) {
    const keys = readPublicKeyFile(file, 'client');
    const known = list.get(keys.id);
    if (known !== undefined) {
      if (known.ed25519 !== keys.ed25519 || known.x25519 !== keys.x25519) {
        throw new InvalidOptionError(`${file}: client ${keys.id} must not be enrolled with other keys, got a second key set for an enrolled id`, 'enroll');
      }
      continue;
    }
    list.set(keys.id, keys);
    added.push(keys.id);
  }
  writeEnrollment(enrollmentPath, [...list.values()]);
  return added;
}

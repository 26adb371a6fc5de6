/**
 * The upload envelope: every client-to-server message (update, secure-aggregation steps) is
 * encrypted to the server and signed by the client.
 *
 * Encryption (ECIES-style): a fresh ephemeral X25519 key pair per message, shared secret with the
 * server's X25519 key, HKDF-SHA256 to a 256-bit key, AES-256-GCM with a random 96-bit nonce. The
 * plaintext header (kind, round, client id, global-model hash, ephemeral key, nonce) is the GCM
 * additional data, so a header edited in transit fails decryption. The client's Ed25519 signature
 * covers header and ciphertext, so any bit flip fails the signature first.
 *
 * Layout: `"DFL1"` | header length (u32 LE) | header JSON | ciphertext + 16-byte tag | 64-byte signature.
 */
import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { FormatError, InvalidOptionError } from '../errors.js';
import { describe, domain, fromB64, sha256, toB64, utf8 } from './bytes.js';
import { checkClientId, importPublic, type KeyPairs, type PublicKeys } from './keys.js';

export const UPLOAD_KINDS = ['update', 'advertise', 'shares', 'masked', 'unmask', 'statistics', 'scores'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

/** The plaintext header, bound to the ciphertext as additional data. */
export interface EnvelopeHeader {
  kind: UploadKind;
  round: number;
  client: string;
  /** Hex SHA-256 of the global model file the upload answers. */
  model: string;
  /** Ephemeral X25519 public key, base64url of 32 bytes. */
  epk: string;
  /** GCM nonce, base64url of 12 bytes. */
  nonce: string;
}

/** An envelope split into its parts (signature not yet checked, payload still encrypted). */
export interface ParsedEnvelope {
  header: EnvelopeHeader;
  headerBytes: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
  /** Everything the signature covers. */
  signed: Uint8Array;
}

const MAGIC = utf8('DFL1');
const TAG_BYTES = 16;
const SIGNATURE_BYTES = 64;
const MAX_HEADER_BYTES = 1024;
const HEADER_KEYS = ['client', 'epk', 'kind', 'model', 'nonce', 'round'];

/** Options of {@link sealEnvelope}. */
export interface SealOptions {
  kind: UploadKind;
  round: number;
  modelSha256: string;
  payload: Uint8Array;
  client: KeyPairs;
  server: PublicKeys;
}

/** Encrypts `payload` to the server and signs the result with the client's Ed25519 key. */
export function sealEnvelope(opts: SealOptions): Uint8Array {
  const eph = generateKeyPairSync('x25519');
  const epk = (eph.publicKey.export({ format: 'jwk' }) as { x: string }).x;
  const nonce = randomBytes(12);
  const header: EnvelopeHeader = { kind: opts.kind, round: opts.round, client: opts.client.public.id, model: opts.modelSha256, epk, nonce: toB64(nonce) };
  const headerBytes = utf8(JSON.stringify(header));
  const key = uploadKey(diffieHellman({ privateKey: eph.privateKey, publicKey: opts.server.kex }), epk, opts.server.x25519);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(domain('upload-aad', headerBytes));
  const ciphertext = Buffer.concat([cipher.update(opts.payload), cipher.final(), cipher.getAuthTag()]);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, headerBytes.length, true);
  const signed = Buffer.concat([MAGIC, length, headerBytes, ciphertext]);
  const signature = sign(null, domain('upload-signature', signed), opts.client.signPrivate);
  return new Uint8Array(Buffer.concat([signed, signature]));
}

function uploadKey(shared: Uint8Array, epk: string, serverKex: string): Uint8Array {
  const salt = sha256(utf8(epk), utf8(serverKex));
  return new Uint8Array(hkdfSync('sha256', shared, salt, domain('upload-key'), 32));
}

/**
 * Splits an envelope and checks its header fields (no cryptography yet).
 * @throws FormatError naming what is malformed
 */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  const where = 'upload';
  if (bytes.length < 8 + TAG_BYTES + SIGNATURE_BYTES || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new FormatError(`${where}: body must start with "DFL1" and hold a signed envelope, got ${bytes.length} bytes`, where);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
  const headerEnd = 8 + headerLength;
  if (headerLength > MAX_HEADER_BYTES || headerEnd + TAG_BYTES + SIGNATURE_BYTES > bytes.length) {
    throw new FormatError(`${where}: header length must be at most ${MAX_HEADER_BYTES} and fit the ${bytes.length}-byte body, got ${headerLength}`, where);
  }
  const headerBytes = bytes.subarray(8, headerEnd);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    throw new FormatError(`${where}: header must be UTF-8 JSON, got bytes that do not parse`, where);
  }
  const header = checkHeader(raw);
  const sigStart = bytes.length - SIGNATURE_BYTES;
  return {
    header,
    headerBytes,
    ciphertext: bytes.subarray(headerEnd, sigStart),
    signature: bytes.subarray(sigStart),
    signed: bytes.subarray(0, sigStart),
  };
}

function checkHeader(raw: unknown): EnvelopeHeader {
  const where = 'upload header';
  const h = raw as Record<string, unknown> | null;
  if (h === null || typeof h !== 'object' || Array.isArray(h)) throw new FormatError(`${where}: must be a JSON object, got ${describe(h)}`, where);
  const keys = Object.keys(h).sort();
  if (keys.join(',') !== HEADER_KEYS.join(',')) throw new FormatError(`${where}: keys must be exactly ${HEADER_KEYS.join(', ')}, got ${keys.join(', ')}`, where);
  if (!(UPLOAD_KINDS as readonly unknown[]).includes(h.kind)) throw new FormatError(`${where}: kind must be one of ${UPLOAD_KINDS.join(', ')}, got ${describe(h.kind)}`, where);
  if (!Number.isSafeInteger(h.round) || (h.round as number) < 1) throw new FormatError(`${where}: round must be a positive integer, got ${describe(h.round)}`, where);
  try {
    checkClientId(h.client, where);
  } catch (err) {
    if (err instanceof InvalidOptionError) throw new FormatError(err.message, where);
    throw err;
  }
  if (typeof h.model !== 'string' || !/^[0-9a-f]{64}$/.test(h.model)) throw new FormatError(`${where}: model must be a hex SHA-256, got ${describe(h.model)}`, where);
  fromB64(h.epk, where, 'epk', 32);
  fromB64(h.nonce, where, 'nonce', 12);
  return h as unknown as EnvelopeHeader;
}

/** Whether the envelope carries a valid Ed25519 signature by `signKey`. */
export function verifyEnvelope(env: ParsedEnvelope, signKey: KeyObject): boolean {
  try {
    return verify(null, domain('upload-signature', env.signed), signKey, env.signature);
  } catch {
    return false;
  }
}

/**
 * Decrypts the payload with the server's X25519 key.
 * @throws FormatError when GCM authentication fails (tampered ciphertext or header, or a key that is not the server's)
 */
export function openEnvelope(env: ParsedEnvelope, server: KeyPairs): Uint8Array {
  const epkRaw = fromB64(env.header.epk, 'upload header', 'epk', 32);
  let shared: Uint8Array;
  try {
    shared = diffieHellman({ privateKey: server.kexPrivate, publicKey: importPublic('upload', 'X25519', epkRaw) });
  } catch {
    // A low-order point makes the agreement fail: the envelope is forged.
    throw new FormatError('upload: epk must be a valid X25519 public key, got one node:crypto refuses', 'upload');
  }
  const key = uploadKey(shared, env.header.epk, server.public.x25519);
  const body = env.ciphertext;
  const decipher = createDecipheriv('aes-256-gcm', key, fromB64(env.header.nonce, 'upload header', 'nonce', 12), { authTagLength: TAG_BYTES });
  decipher.setAAD(domain('upload-aad', env.headerBytes));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]));
  } catch {
    throw new FormatError('upload: ciphertext must authenticate under the server key (AES-256-GCM), got a tag mismatch', 'upload');
  }
}

/**
 * Ed25519 signatures over JSON messages: the signature covers the canonical JSON (sorted keys, see
 * schema's canonicalJson) of the message without its `signature` field, prefixed by a purpose, so a
 * signed round view can never pass as an advertisement or the other way round.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../schema/index.js';
import { domain, fromB64, toB64, utf8 } from './bytes.js';

/** Returns `message` with a `signature` field added. */
export function signJson<T extends object>(message: T, purpose: string, key: KeyObject): T & { signature: string } {
  const signature = toB64(sign(null, domain(purpose, utf8(canonicalJson(message))), key));
  return { ...message, signature };
}

/** Whether `message.signature` is a valid signature by `key` over the rest of the message. */
export function verifyJson(message: Record<string, unknown>, purpose: string, key: KeyObject): boolean {
  const { signature, ...rest } = message;
  try {
    return verify(null, domain(purpose, utf8(canonicalJson(rest))), key, fromB64(signature, 'signed message', 'signature', 64));
  } catch {
    return false;
  }
}

/**
 * Key derivations and the neighbour graph of secure aggregation, shared by client and server
 * (Bonawitz et al. 2017, "Practical secure aggregation for privacy-preserving machine learning",
 * https://eprint.iacr.org/2017/281; the sparse graph of Bell et al. 2020, SecAgg+,
 * https://eprint.iacr.org/2020/704). Every secret is a 32-byte HKDF-SHA256 output bound to the
 * round, the global model and the two client ids; masks are AES-256-CTR streams (prg.ts).
 */
import { hkdfSync } from 'node:crypto';
import { domain, sha256, sha256Hex, utf8 } from './bytes.js';
import { maskWords } from './prg.js';

function context(round: number, model: string): Uint8Array {
  return sha256(domain('secagg-context', utf8(`${round}\n${model}`)));
}

function pairLabel(a: string, b: string): Uint8Array {
  return utf8(a < b ? `${a}\n${b}` : `${b}\n${a}`);
}

/** The pairwise mask seed of clients `a` and `b` from their mask-key agreement (symmetric in a, b). */
export function pairwiseSeed(shared: Uint8Array, round: number, model: string, a: string, b: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', shared, context(round, model), domain('pairwise-mask', pairLabel(a, b)), 32));
}

/**
 * The key that encrypts shares between `a` and `b`: both the round's ephemeral share keys
 * (forward secrecy) and the enrolled X25519 keys (only enrolled clients can derive it) feed HKDF.
 */
export function shareKey(ephemeral: Uint8Array, enrolled: Uint8Array, round: number, model: string, a: string, b: string): Uint8Array {
  const ikm = Buffer.concat([ephemeral, enrolled]);
  return new Uint8Array(hkdfSync('sha256', ikm, context(round, model), domain('share-key', pairLabel(a, b)), 32));
}

/** Additional data of the share that `from` encrypts for `to`. */
export function shareAad(round: number, model: string, from: string, to: string): Uint8Array {
  return domain('share-aad', utf8(`${round}\n${model}\n${from}\n${to}`));
}

/** +1 when `self` adds the pairwise mask with `other`, -1 when it subtracts it: the two cancel in the sum. */
export function maskSign(self: string, other: string): 1 | -1 {
  return self < other ? 1 : -1;
}

/** Adds (`sign` 1) or subtracts (-1) `mask` into `acc` modulo 2^32 (Uint32Array stores wrap). */
export function addMaskInPlace(acc: Uint32Array, mask: Uint32Array, sign: 1 | -1): void {
  if (sign === 1) for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + mask[i]!;
  else for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! - mask[i]!;
}

/** The mask expanded from a pairwise seed or a self-mask seed. */
export function expandMask(seed: Uint8Array, kind: 'pairwise' | 'self', words: number): Uint32Array {
  return maskWords(seed, `secagg-${kind}`, words);
}

/**
 * The round's ring: participants ordered by SHA-256(model, round, id), which neither clients nor
 * the server choose, and each one's neighbours: itself and (k - 1)/2 on each side (k = shares;
 * everyone when k covers the ring).
 */
export function neighbourRing(ids: readonly string[], round: number, model: string, shares: number): { ring: string[]; neighbours: Map<string, string[]> } {
  const key = (id: string): string => sha256Hex(domain('ring', utf8(`${round}\n${model}\n${id}`)));
  const ring = [...ids].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const n = ring.length;
  const neighbours = new Map<string, string[]>();
  const half = (shares - 1) >> 1;
  ring.forEach((id, i) => {
    if (shares >= n) neighbours.set(id, [...ring]);
    else {
      const list: string[] = [];
      for (let o = -half; o <= half; o++) list.push(ring[(((i + o) % n) + n) % n]!);
      neighbours.set(id, list);
    }
  });
  return { ring, neighbours };
}

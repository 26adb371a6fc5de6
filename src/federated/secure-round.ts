/**
 * The server side of one secure-aggregation round (Bonawitz et al. 2017 with the SecAgg+ neighbour
 * graph). Phases: train (clients train, then advertise signed ephemeral keys) → share (clients send
 * Shamir shares of their mask key and self-mask seed, encrypted for each neighbour) → mask (clients
 * send quantized updates masked so that only the sum is meaningful; the server keeps a running
 * sum modulo 2^32) → unmask (survivors send self-mask shares of survivors and mask-key shares of
 * clients that dropped after sharing; the server removes the masks and decodes the sum).
 * The server never holds one client's unmasked update.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { FormatError } from '../errors.js';
import { describe, fromB64, toB64 } from './bytes.js';
import { secaggSharing, type FederatedConfig } from './config.js';
import { decodeSum, encodeInto, type FixedPoint } from './fixed-point.js';
import { importPublic, type PublicKeys } from './keys.js';
import type { Advertisement, Neighbour, Phase, SecAggView } from './protocol.js';
import { SIGNED } from './protocol.js';
import { addMaskInPlace, expandMask, maskSign, neighbourRing, pairwiseSeed } from './secagg-crypto.js';
import { SHARE_BYTES, combineShares, type Share } from './shamir.js';
import { verifyJson } from './signed-json.js';
import { Rejection } from './update-codec.js';
import type { RoundAggregate } from './plain-round.js';

/** Bytes of one encrypted share pair: two field elements and the GCM tag. */
export const SHARE_CIPHERTEXT_BYTES = 2 * SHARE_BYTES + 16;

type Advance = { kind: 'next' } | { kind: 'abort'; reason: string } | { kind: 'done'; aggregate: RoundAggregate; survivors: string[] };

export class SecureRound {
  phase: Exclude<Phase, 'done'> = 'train';
  /** Masked vector length: the update, the weight, the weighted loss. */
  readonly words: number;
  private readonly adverts = new Map<string, Advertisement>();
  private ring: string[] = [];
  private readonly x = new Map<string, number>();
  private neighbours = new Map<string, string[]>();
  private threshold = 0;
  private readonly sharesFrom = new Map<string, Map<string, { nonce: string; ciphertext: string }>>();
  private readonly maskedSum: Uint32Array;
  private readonly maskedFrom = new Set<string>();
  private readonly unmaskFrom = new Set<string>();
  private readonly selfShares = new Map<string, Share[]>();
  private readonly maskShares = new Map<string, Share[]>();

  constructor(
    private readonly round: number,
    private readonly model: string,
    size: number,
    private readonly config: FederatedConfig,
    private readonly enrollment: ReadonlyMap<string, PublicKeys>,
    private readonly selected: ReadonlySet<string>,
  ) {
    this.words = size + 2;
    this.maskedSum = new Uint32Array(this.words);
  }

  /** Who must still answer in the current phase. */
  expected(): Set<string> {
    if (this.phase === 'train') return new Set(this.selected);
    if (this.phase === 'share') return new Set(this.ring);
    if (this.phase === 'mask') return new Set(this.sharesFrom.keys());
    return new Set(this.maskedFrom);
  }

  /** Whether `client` has answered the current phase. */
  answered(client: string): boolean {
    const done = this.phase === 'train' ? this.adverts : this.phase === 'share' ? this.sharesFrom : this.phase === 'mask' ? this.maskedFrom : this.unmaskFrom;
    return done.has(client);
  }

  /** Answers received in the current phase. */
  answers(): number {
    return [...this.expected()].filter((c) => this.answered(c)).length;
  }

  /** Accepts an advertisement (phase train). @throws Rejection when it is not this client's valid signed advertisement */
  advertise(client: string, payload: Uint8Array): void {
    const ad = parseJsonPayload(payload) as unknown as Advertisement;
    const keys = this.enrollment.get(client)!;
    if (ad.round !== this.round || ad.client !== client || ad.model !== this.model || !verifyJson(ad as unknown as Record<string, unknown>, SIGNED.advertisement, keys.sign)) {
      throw new Rejection(422, 'malformed', `advertise: advertisement must be signed by ${client} for round ${this.round}, got one that does not verify`);
    }
    for (const k of [ad.mask_pk, ad.share_pk]) importPublic('advertise', 'X25519', fromB64(k, 'advertise', 'public key', 32));
    this.adverts.set(client, ad);
  }

  /** Accepts a client's encrypted shares (phase share), one per neighbour but itself. */
  share(client: string, payload: Uint8Array): void {
    const doc = parseJsonPayload(payload) as { shares?: unknown };
    const want = this.neighbours.get(client)!.filter((c) => c !== client);
    const list = Array.isArray(doc.shares) ? (doc.shares as Record<string, unknown>[]) : null;
    const byTo = new Map<string, { nonce: string; ciphertext: string }>();
    for (const s of list ?? []) {
      if (s === null || typeof s !== 'object' || typeof s.to !== 'string' || byTo.has(s.to)) continue;
      fromB64(s.nonce, 'shares', 'nonce', 12);
      fromB64(s.ciphertext, 'shares', 'ciphertext', SHARE_CIPHERTEXT_BYTES);
      byTo.set(s.to, { nonce: s.nonce as string, ciphertext: s.ciphertext as string });
    }
    if (list === null || byTo.size !== want.length || want.some((c) => !byTo.has(c))) {
      throw new Rejection(422, 'malformed', `shares: shares must be one per neighbour [${want.join(', ')}], got ${list === null ? describe(doc.shares) : `[${[...byTo.keys()].join(', ')}]`}`);
    }
    this.sharesFrom.set(client, byTo);
  }

  /** Adds a masked input (phase mask) to the running sum. */
  masked(client: string, payload: Uint8Array): void {
    if (payload.length !== 4 * this.words) throw new Rejection(422, 'wrong-tensors', `masked: input must be ${4 * this.words} bytes (${this.words} uint32), got ${payload.length}`);
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let i = 0; i < this.words; i++) this.maskedSum[i] = this.maskedSum[i]! + view.getUint32(4 * i, true);
    this.maskedFrom.add(client);
  }

  /** Accepts a survivor's shares (phase unmask): self-mask shares of survivors, mask-key shares of the dropped. */
  unmask(client: string, payload: Uint8Array): void {
    const doc = parseJsonPayload(payload) as { shares?: unknown };
    const mine = this.neighbours.get(client)!.filter((c) => this.sharesFrom.has(c));
    const list = Array.isArray(doc.shares) ? (doc.shares as Record<string, unknown>[]) : [];
    const got = new Map<string, Uint8Array>();
    for (const s of list) {
      if (s !== null && typeof s === 'object' && typeof s.owner === 'string' && mine.includes(s.owner) && !got.has(s.owner)) got.set(s.owner, fromB64(s.y, 'unmask', 'share', SHARE_BYTES));
    }
    if (got.size !== mine.length) throw new Rejection(422, 'malformed', `unmask: shares must be one per neighbour that shared [${mine.join(', ')}], got [${[...got.keys()].join(', ')}]`);
    for (const [owner, y] of got) {
      const into = this.maskedFrom.has(owner) ? this.selfShares : this.maskShares;
      into.set(owner, [...(into.get(owner) ?? []), { x: this.x.get(client)!, y }]);
    }
    this.unmaskFrom.add(client);
  }

  /** The phase data `client` needs. */
  view(client: string): SecAggView | undefined {
    if (this.phase === 'train' || !this.x.has(client)) return undefined;
    const nbrs = this.neighbours.get(client)!;
    if (this.phase === 'share') {
      const neighbours: Neighbour[] = nbrs.map((c) => {
        const k = this.enrollment.get(c)!;
        return { client: c, x: this.x.get(c)!, ed25519: k.ed25519, x25519: k.x25519, advertisement: this.adverts.get(c)! };
      });
      return { neighbours, threshold: this.threshold };
    }
    const alive = nbrs.filter((c) => this.sharesFrom.has(c));
    if (this.phase === 'mask') {
      const inbox = alive.filter((c) => c !== client).map((from) => ({ from, ...this.sharesFrom.get(from)!.get(client)! }));
      return { alive, inbox };
    }
    return { survivors: alive.filter((c) => this.maskedFrom.has(c)), dropped: alive.filter((c) => !this.maskedFrom.has(c)) };
  }

  /** Ends the current phase (all answered or deadline): on to the next, an abort, or the aggregate. */
  advance(noise: () => Float64Array | null): Advance {
    const min = Math.max(2, this.config.minClients);
    if (this.phase === 'train') {
      if (this.adverts.size < min) return { kind: 'abort', reason: `below quorum: ${this.adverts.size} of ${min} clients advertised keys` };
      const { shares, threshold } = secaggSharing(this.config, this.adverts.size);
      const g = neighbourRing([...this.adverts.keys()], this.round, this.model, shares);
      this.ring = g.ring;
      this.neighbours = g.neighbours;
      this.ring.forEach((c, i) => this.x.set(c, i + 1));
      this.threshold = threshold;
      this.phase = 'share';
      return { kind: 'next' };
    }
    if (this.phase === 'share') {
      const short = this.shortOf([...this.sharesFrom.keys()], (c) => this.sharesFrom.has(c));
      if (this.sharesFrom.size < min || short !== null) return { kind: 'abort', reason: `too few clients sent shares: ${this.sharesFrom.size} of ${this.ring.length}${short ?? ''}` };
      this.phase = 'mask';
      return { kind: 'next' };
    }
    if (this.phase === 'mask') {
      const short = this.shortOf([...this.sharesFrom.keys()], (c) => this.maskedFrom.has(c));
      if (this.maskedFrom.size < min || short !== null) return { kind: 'abort', reason: `too few masked inputs: ${this.maskedFrom.size} of ${this.sharesFrom.size}${short ?? ''}` };
      this.phase = 'unmask';
      return { kind: 'next' };
    }
    return this.unmaskSum(noise);
  }

  /** `null`, or why some client has fewer than `threshold` neighbours passing `ok`. */
  private shortOf(clients: string[], ok: (c: string) => boolean): string | null {
    for (const c of clients) {
      const n = this.neighbours.get(c)!.filter(ok).length;
      if (n < this.threshold) return `; ${c} has ${n} neighbours left, the threshold is ${this.threshold}`;
    }
    return null;
  }

  private unmaskSum(noiseOf: () => Float64Array | null): Advance {
    const sum = this.maskedSum.slice();
    const survivors = [...this.maskedFrom].sort();
    try {
      for (const u of survivors) addMaskInPlace(sum, expandMask(this.recover(this.selfShares, u, 'self-mask seed'), 'self', this.words), -1);
      for (const v of [...this.sharesFrom.keys()].filter((c) => !this.maskedFrom.has(c)).sort()) {
        const privateKey = this.maskKeyOf(v);
        for (const u of this.neighbours.get(v)!.filter((c) => c !== v && this.maskedFrom.has(c))) {
          const shared = diffieHellman({ privateKey, publicKey: importPublic('unmask', 'X25519', fromB64(this.adverts.get(u)!.mask_pk, 'unmask', 'mask_pk', 32)) });
          // u added maskSign(u, v) * mask; remove it.
          addMaskInPlace(sum, expandMask(pairwiseSeed(shared, this.round, this.model, u, v), 'pairwise', this.words), maskSign(u, v) === 1 ? -1 : 1);
        }
      }
    } catch (err) {
      if (err instanceof FormatError) return { kind: 'abort', reason: `unmasking failed: ${err.message}` };
      throw err;
    }
    const fp = this.config.secagg;
    const decoded = decodeSum(sum, survivors.length, fp);
    const d = this.words - 2;
    const weight = decoded[d]!;
    if (!(weight > 0)) return { kind: 'abort', reason: `unmasking failed: the summed weight must be positive, got ${weight}` };
    const delta = new Float64Array(d);
    const noise = noiseOf();
    const std = this.config.dp.noiseMultiplier * this.config.clipNorm;
    for (let j = 0; j < d; j++) delta[j] = (decoded[j]! + (noise === null ? 0 : std * noise[j]!)) / weight;
    const outcomes = survivors.map((client) => ({ client, samples: 0, weight: 0 }));
    return { kind: 'done', aggregate: { delta, outcomes, meanLoss: decoded[d + 1]! / weight }, survivors };
  }

  /** Reconstructs a secret from at least `threshold` shares. @throws FormatError when too few arrived */
  private recover(from: Map<string, Share[]>, owner: string, what: string): Uint8Array {
    const shares = from.get(owner) ?? [];
    if (shares.length < this.threshold) throw new FormatError(`${owner}'s ${what} shares must number at least ${this.threshold}, got ${shares.length}`, 'secagg');
    return combineShares(shares, this.threshold);
  }

  /** The dropped client's mask private key, checked against its advertised public key. */
  private maskKeyOf(v: string): ReturnType<typeof createPrivateKey> {
    const d = this.recover(this.maskShares, v, 'mask key');
    const x = this.adverts.get(v)!.mask_pk;
    let key;
    try {
      key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: toB64(d), x }, format: 'jwk' });
    } catch {
      throw new FormatError(`${v}'s reconstructed mask key must be a valid X25519 key, got bytes node:crypto refuses`, 'secagg');
    }
    if ((createPublicKey(key).export({ format: 'jwk' }) as { x: string }).x !== x) throw new FormatError(`${v}'s reconstructed mask key must match its advertised public key, got another key (a share is corrupted)`, 'secagg');
    return key;
  }
}

/** Quantizes `[w u, w, w loss]` into a fresh masked-input buffer (client side; here so both sides share the layout). */
export function encodeMaskedInput(update: Float32Array, weight: number, loss: number, fp: FixedPoint): Uint32Array {
  const out = new Uint32Array(update.length + 2);
  const scaled = new Float64Array(update.length + 2);
  for (let j = 0; j < update.length; j++) scaled[j] = weight * update[j]!;
  scaled[update.length] = weight;
  scaled[update.length + 1] = weight * loss;
  encodeInto(scaled, fp, out, 0);
  return out;
}

function parseJsonPayload(payload: Uint8Array): Record<string, unknown> {
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new Rejection(400, 'malformed', 'secure aggregation: payload must be a JSON object, got bytes that do not parse as one');
}

/**
 * The client side of a secure-aggregation round (see secure-round.ts for the server side and
 * docs/federated.md for the messages). The client checks what it is told before revealing
 * anything: neighbours' advertisements must carry their enrolled signatures, enough neighbours must
 * remain for the threshold, and in the unmask step no neighbour may be listed both as survivor and
 * as dropped (revealing both secrets of one client would unmask its update).
 */
import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { FormatError } from '../errors.js';
import { fromB64, toB64 } from './bytes.js';
import type { ClientLink } from './client-link.js';
import type { FederatedClient } from './client.js';
import type { KeyPairs } from './keys.js';
import { importPublic } from './keys.js';
import { SIGNED, type Advertisement, type Neighbour, type RoundView } from './protocol.js';
import { addMaskInPlace, expandMask, maskSign, pairwiseSeed, shareAad, shareKey } from './secagg-crypto.js';
import { encodeMaskedInput } from './secure-round.js';
import { SHARE_BYTES, splitSecret } from './shamir.js';
import { signJson, verifyJson } from './signed-json.js';

/** What a secure round needs from its client. */
export interface SecureContext {
  client: FederatedClient;
  view: RoundView;
  link: ClientLink;
  keys: KeyPairs;
  log: (line: string) => void;
  addBytes: (n: number) => void;
}

/** Runs the client's part of a secure round; true when its masked input was accepted and it answered every step. */
export async function runSecureRound(ctx: SecureContext): Promise<boolean> {
  const { view, keys } = ctx;
  const { round } = view;
  const model = view.model.sha256;
  const me = keys.public.id;
  const t = await ctx.client.trainRound(view);
  const s = view.settings;
  const weight = Math.min(t.samples, s.max_samples) / s.max_samples;
  const input = encodeMaskedInput(t.delta, weight, t.loss, { clippingRange: s.clipping_range, quantizationRange: s.quantization_range });
  const maskPair = generateKeyPairSync('x25519');
  const sharePair = generateKeyPairSync('x25519');
  const raw = (k: typeof maskPair.publicKey): string => (k.export({ format: 'jwk' }) as { x: string }).x;
  const ad = signJson({ round, client: me, model, mask_pk: raw(maskPair.publicKey), share_pk: raw(sharePair.publicKey) }, SIGNED.advertisement, keys.signPrivate);
  if (!(await send(ctx, 'advertise', new TextEncoder().encode(JSON.stringify(ad))))) return false;
  ctx.client.dropIf(round, 'advertise');

  const share = await waitFor(ctx, 'train', 'share');
  if (share === null) return false;
  const { neighbours, threshold } = checkNeighbours(share, ad);
  const secretSelf = randomBytes(32);
  const maskSk = fromB64((maskPair.privateKey.export({ format: 'jwk' }) as { d: string }).d, 'secagg', 'mask key', 32);
  const xs = neighbours.map((n) => n.x);
  const maskShares = splitSecret(maskSk, threshold, xs);
  const selfShares = splitSecret(secretSelf, threshold, xs);
  const keyWith = (n: Neighbour): Uint8Array => {
    const eph = diffieHellman({ privateKey: sharePair.privateKey, publicKey: importPublic(n.client, 'X25519', fromB64(n.advertisement.share_pk, n.client, 'share_pk', 32)) });
    const enrolled = diffieHellman({ privateKey: keys.kexPrivate, publicKey: importPublic(n.client, 'X25519', fromB64(n.x25519, n.client, 'x25519', 32)) });
    return shareKey(eph, enrolled, round, model, me, n.client);
  };
  const heldSelf = new Map<string, Uint8Array>();
  const heldMask = new Map<string, Uint8Array>();
  const outgoing = neighbours.flatMap((n, i) => {
    if (n.client === me) {
      heldSelf.set(me, selfShares[i]!.y);
      heldMask.set(me, maskShares[i]!.y);
      return [];
    }
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyWith(n), nonce);
    cipher.setAAD(shareAad(round, model, me, n.client));
    const ct = Buffer.concat([cipher.update(Buffer.concat([maskShares[i]!.y, selfShares[i]!.y])), cipher.final(), cipher.getAuthTag()]);
    return [{ to: n.client, nonce: toB64(nonce), ciphertext: toB64(ct) }];
  });
  if (!(await send(ctx, 'shares', new TextEncoder().encode(JSON.stringify({ shares: outgoing }))))) return false;
  ctx.client.dropIf(round, 'shares');

  const mask = await waitFor(ctx, 'share', 'mask');
  if (mask === null) return false;
  const alive = mask.secagg?.alive ?? [];
  const byId = new Map(neighbours.map((n) => [n.client, n]));
  if (!alive.includes(me) || alive.some((c) => !byId.has(c)) || alive.length < threshold) {
    throw new FormatError(`${me}: neighbours that shared must include this client and number at least ${threshold}, got [${alive.join(', ')}]`, 'secagg');
  }
  for (const entry of mask.secagg?.inbox ?? []) {
    const n = byId.get(entry.from);
    if (n === undefined || !alive.includes(entry.from)) continue;
    const body = fromB64(entry.ciphertext, entry.from, 'ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', keyWith(n), fromB64(entry.nonce, entry.from, 'nonce', 12));
    decipher.setAAD(shareAad(round, model, entry.from, me));
    decipher.setAuthTag(body.subarray(body.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    } catch {
      throw new FormatError(`${me}: shares from ${entry.from} must decrypt under our pairwise key, got a tag mismatch`, 'secagg');
    }
    heldMask.set(entry.from, new Uint8Array(plain.subarray(0, SHARE_BYTES)));
    heldSelf.set(entry.from, new Uint8Array(plain.subarray(SHARE_BYTES)));
  }
  const missing = alive.filter((c) => !heldSelf.has(c));
  if (missing.length > 0) throw new FormatError(`${me}: shares must arrive from every neighbour that shared, got none from [${missing.join(', ')}]`, 'secagg');
  addMaskInPlace(input, expandMask(secretSelf, 'self', input.length), 1);
  for (const v of alive) {
    if (v === me) continue;
    const shared = diffieHellman({ privateKey: maskPair.privateKey, publicKey: importPublic(v, 'X25519', fromB64(byId.get(v)!.advertisement.mask_pk, v, 'mask_pk', 32)) });
    addMaskInPlace(input, expandMask(pairwiseSeed(shared, round, model, me, v), 'pairwise', input.length), maskSign(me, v));
  }
  const bytes = new Uint8Array(input.length * 4);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < input.length; i++) dv.setUint32(4 * i, input[i]!, true);
  if (!(await send(ctx, 'masked', bytes))) return false;
  const clip = t.clippedFrom === null ? '' : ` (clipped from ${t.clippedFrom.toFixed(4)})`;
  ctx.log(`round ${round}: trained on ${t.samples} local rows, loss ${t.loss.toPrecision(6)}; sent a masked update of ${bytes.length} bytes (L2 norm ${t.norm.toFixed(4)}${clip}, quantized and masked: the server can decode only the sum of ${alive.length}+ clients), encrypted and signed; raw rows never left this host`);
  ctx.client.dropIf(round, 'masked');

  const unmask = await waitFor(ctx, 'mask', 'unmask');
  if (unmask === null) return true;
  const survivors = unmask.secagg?.survivors ?? [];
  const dropped = unmask.secagg?.dropped ?? [];
  const overlap = survivors.filter((c) => dropped.includes(c));
  if (overlap.length > 0 || [...survivors, ...dropped].some((c) => !alive.includes(c)) || !survivors.includes(me) || survivors.length < threshold) {
    throw new FormatError(`${me}: unmask lists must be disjoint subsets of the neighbours that shared, include this client and hold at least ${threshold} survivors, got survivors [${survivors.join(', ')}] dropped [${dropped.join(', ')}]`, 'secagg');
  }
  const shares = [...survivors.map((o) => ({ owner: o, y: toB64(heldSelf.get(o)!) })), ...dropped.map((o) => ({ owner: o, y: toB64(heldMask.get(o)!) }))];
  await send(ctx, 'unmask', new TextEncoder().encode(JSON.stringify({ shares })));
  ctx.log(`round ${round}: revealed self-mask shares of ${survivors.length} survivors and mask-key shares of ${dropped.length} dropped neighbours (never both for one client)`);
  return true;
}

/** Checks the share-phase roster: this client present with its own keys, every advertisement signed by its enrolled key. */
function checkNeighbours(view: RoundView, mine: Advertisement): { neighbours: Neighbour[]; threshold: number } {
  const me = mine.client;
  const neighbours = view.secagg?.neighbours ?? [];
  const threshold = view.secagg?.threshold ?? 0;
  const self = neighbours.find((n) => n.client === me);
  if (self === undefined || self.advertisement.mask_pk !== mine.mask_pk || self.advertisement.share_pk !== mine.share_pk) {
    throw new FormatError(`${me}: the share roster must list this client with its advertised keys, got ${self === undefined ? 'no entry' : 'other keys'}`, 'secagg');
  }
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > neighbours.length || new Set(neighbours.map((n) => n.x)).size !== neighbours.length) {
    throw new FormatError(`${me}: threshold must be in [2, ${neighbours.length}] with distinct share points, got ${threshold}`, 'secagg');
  }
  for (const n of neighbours) {
    const a = n.advertisement;
    const signKey = importPublic(n.client, 'Ed25519', fromB64(n.ed25519, n.client, 'ed25519', 32));
    if (a.client !== n.client || a.round !== mine.round || a.model !== mine.model || !verifyJson(a as unknown as Record<string, unknown>, SIGNED.advertisement, signKey)) {
      throw new FormatError(`${me}: advertisement of ${n.client} must be signed by its enrolled key for round ${mine.round}, got one that does not verify`, 'secagg');
    }
  }
  return { neighbours, threshold };
}

async function send(ctx: SecureContext, kind: 'advertise' | 'shares' | 'masked' | 'unmask', payload: Uint8Array): Promise<boolean> {
  const res = await ctx.link.upload(kind, ctx.view.round, ctx.view.model.sha256, payload);
  ctx.addBytes(res.bytes);
  if (res.status === 'rejected') ctx.log(`round ${ctx.view.round}: ${kind} rejected by the server: ${res.reason}: ${res.message}`);
  return res.status === 'accepted';
}

/** Polls until the round reaches `want` (the view), or moves on without this client (null). */
async function waitFor(ctx: SecureContext, from: string, want: string): Promise<RoundView | null> {
  let phase = from;
  for (;;) {
    const v = await ctx.link.view(ctx.view.round, phase, true);
    if (v.round !== ctx.view.round || v.phase === 'done') {
      ctx.log(`round ${ctx.view.round}: the round ended before the ${want} step (aborted or closed without this client)`);
      return null;
    }
    if (v.phase === want) return v;
    phase = v.phase;
  }
}

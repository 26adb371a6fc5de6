/**
 * One open round on the server: who is selected, what has been accepted, and the checks every
 * upload passes before it touches the round (docs/federated.md lists them in this order).
 */
import { createHmac } from 'node:crypto';
import { FormatError } from '../errors.js';
import { openEnvelope, verifyEnvelope, type ParsedEnvelope, type UploadKind } from './envelope.js';
import type { Journal } from './journal.js';
import type { KeyPairs, PublicKeys } from './keys.js';
import type { ModelLayout } from './model-file.js';
import type { CalibrationRound } from './calibration-round.js';
import type { PlainRound } from './plain-round.js';
import { decodeSketch } from './score-sketch.js';
import { decodeStatistic } from './statistic-sums.js';
import { jsonResponse, type FlResponse, type Phase } from './protocol.js';
import type { SecureRound } from './secure-round.js';
import type { RoundRecord } from './server-store.js';
import { Rejection, decodeUpdate } from './update-codec.js';

/** The server's state of the round being run. */
export interface OpenRound {
  round: number;
  deadline: number;
  openedAt: number;
  selected: Set<string>;
  plain: PlainRound | null;
  secure: SecureRound | null;
  /** The calibration round after the last commit (plain and secure are null then). */
  calibration: CalibrationRound | null;
  /** (client, kind) accepted this round. */
  uploads: Set<string>;
  nonces: Set<string>;
  journal: Journal;
  rejected: Record<string, number>;
  rejections: RoundRecord['rejections'];
}

/** Rejections logged one per line in a round; the rest are counted in the round line. */
const LOGGED_REJECTIONS = 10;
const UPLOAD_PHASE: Record<UploadKind, Phase> = { update: 'train', advertise: 'train', shares: 'share', masked: 'mask', unmask: 'unmask', statistics: 'statistics', scores: 'calibrate' };

/**
 * Clients of a round: all, or each with probability `fraction` (HMAC-SHA256 of the run secret, the
 * round and the id: unpredictable to clients, the same after a restart).
 */
export function selectClients(round: number, fraction: number, ids: readonly string[], secret: Uint8Array): Set<string> {
  if (fraction >= 1) return new Set(ids);
  return new Set(ids.filter((id) => createHmac('sha256', secret).update(`select\n${round}\n${id}`).digest().readUIntBE(0, 6) / 2 ** 48 < fraction));
}

/** What the checks compare an upload with. */
export interface UploadContext {
  enrollment: ReadonlyMap<string, PublicKeys>;
  keys: KeyPairs;
  modelSha256: string;
  phase: Phase;
}

/**
 * Checks an envelope against the round and decrypts it.
 * @returns the payload
 * @throws Rejection naming the first check that failed
 */
export function checkUpload(env: ParsedEnvelope, r: OpenRound | null, ctx: UploadContext): Uint8Array {
  const { header } = env;
  const keys = ctx.enrollment.get(header.client);
  if (keys === undefined) throw new Rejection(403, 'unknown-client', `upload: client must be enrolled, got ${header.client}`);
  if (!verifyEnvelope(env, keys.sign)) throw new Rejection(401, 'bad-signature', `upload: signature must verify under ${header.client}'s enrolled Ed25519 key, got one that does not`);
  if (r === null || header.round < r.round) throw new Rejection(409, 'stale-round', `upload: round must be the current round ${r?.round ?? 'none (finished)'}, got ${header.round}`);
  if (header.round > r.round) throw new Rejection(409, 'future-round', `upload: round must be the current round ${r.round}, got ${header.round}`);
  if (header.model !== ctx.modelSha256) throw new Rejection(409, 'wrong-model', `upload: model must be the round's global model ${ctx.modelSha256.slice(0, 16)}…, got ${header.model.slice(0, 16)}…`);
  if (!r.selected.has(header.client)) throw new Rejection(403, 'not-selected', `upload: client ${header.client} must be selected for round ${r.round}, got an unselected client`);
  if (r.uploads.has(`${header.client}/${header.kind}`)) throw new Rejection(409, 'replay', `upload: one ${header.kind} per client and round, got a second from ${header.client} in round ${r.round}`);
  if (r.nonces.has(header.nonce) || r.nonces.has(header.epk)) throw new Rejection(409, 'reused-nonce', `upload: nonce and ephemeral key must be fresh, got ones already used in round ${r.round}`);
  const fits = r.calibration !== null ? header.kind === 'scores' || header.kind === 'statistics' : r.secure === null ? header.kind === 'update' : ['advertise', 'shares', 'masked', 'unmask'].includes(header.kind);
  if (!fits || UPLOAD_PHASE[header.kind] !== ctx.phase) {
    throw new Rejection(409, 'wrong-phase', `upload: kind must fit phase ${ctx.phase}${r.plain !== null ? ' (plain mode takes updates)' : ''}, got ${header.kind}`);
  }
  try {
    return openEnvelope(env, ctx.keys);
  } catch (err) {
    if (err instanceof FormatError) throw new Rejection(400, 'tampered', err.message);
    throw err;
  }
}

/**
 * Applies a checked payload to the round and marks it received; journals the envelope first when
 * `journal` (not when replaying the journal after a restart).
 * @throws Rejection when the payload itself is refused (update checks, secure-aggregation messages)
 */
export function applyUpload(r: OpenRound, env: ParsedEnvelope, payload: Uint8Array, o: { layout: ModelLayout; clipNorm: number; maxSketchRows: number; statisticSize: number; journal: boolean }): void {
  const { client, kind } = env.header;
  try {
    if (r.plain !== null) {
      const update = decodeUpdate(payload, o.layout, o.clipNorm);
      if (o.journal) r.journal.append(Buffer.concat([env.signed, env.signature]));
      r.plain.add(client, update);
    } else if (r.calibration !== null && kind === 'statistics') {
      const sums = decodeStatistic(payload, o.statisticSize, o.maxSketchRows);
      if (o.journal) r.journal.append(Buffer.concat([env.signed, env.signature]));
      r.calibration.addStatistic(sums);
    } else if (r.calibration !== null) {
      const sketch = decodeSketch(payload, o.maxSketchRows);
      if (o.journal) r.journal.append(Buffer.concat([env.signed, env.signature]));
      r.calibration.add(client, sketch);
    } else {
      const s = r.secure!;
      if (kind === 'advertise') s.advertise(client, payload);
      else if (kind === 'shares') s.share(client, payload);
      else if (kind === 'masked') s.masked(client, payload);
      else s.unmask(client, payload);
      // A secure round cannot resume after a restart; the journal only marks that it had begun.
      if (o.journal) r.journal.append(Buffer.concat([env.signed, env.signature]));
    }
  } catch (err) {
    if (err instanceof FormatError) throw new Rejection(400, 'malformed', err.message);
    throw err;
  }
  r.uploads.add(`${client}/${kind}`);
  r.nonces.add(env.header.nonce);
  r.nonces.add(env.header.epk);
}

/** Counts (and logs the first few) rejections of the round, and answers the upload. */
export function rejectUpload(r: OpenRound | null, client: string, err: Rejection, log: (line: string) => void): FlResponse {
  if (r !== null) {
    r.rejected[err.reason] = (r.rejected[err.reason] ?? 0) + 1;
    const total = Object.values(r.rejected).reduce((a, b) => a + b, 0);
    if (r.rejections.length < LOGGED_REJECTIONS) r.rejections.push({ client, reason: err.reason, message: err.message });
    if (total <= LOGGED_REJECTIONS) log(`round ${r.round}: rejected upload from ${client}: ${err.reason}: ${err.message}`);
  }
  return jsonResponse(err.status, { error: err.message, reason: err.reason });
}

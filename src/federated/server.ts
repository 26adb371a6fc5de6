/**
 * The federated server core: rounds, validation of uploads, aggregation and atomic commits, behind
 * one transport-independent `handle(request)`. HTTP (http-server.ts) and the in-process transport
 * (tests, simulations with many clients) both call it. It never prints: one line per round (and
 * per rejection, the first few of a round) goes to `onLog`.
 */
import { createHmac } from 'node:crypto';
import { FormatError } from '../errors.js';
import { PROTOCOL, sha256Hex } from './bytes.js';
import { checkFederatedConfig, type FederatedConfig } from './config.js';
import { openEnvelope, parseEnvelope, verifyEnvelope, type ParsedEnvelope, type UploadKind } from './envelope.js';
import type { KeyPairs, PublicKeys } from './keys.js';
import { decodeModel, encodeModel, flatten, layoutOf, unflatten, type GlobalModel, type ModelLayout } from './model-file.js';
import { PlainRound, type RoundAggregate } from './plain-round.js';
import { normalStream } from './prg.js';
import { SIGNED, jsonResponse, type FlRequest, type FlResponse, type Phase, type RoundView } from './protocol.js';
import { privacySpent } from './rdp.js';
import { roundLogLine } from './round-log.js';
import { SecureRound } from './secure-round.js';
import { Journal } from './journal.js';
import { ServerStore, emptyRecord, type RoundRecord } from './server-store.js';
import { signJson } from './signed-json.js';
import { Rejection, decodeUpdate, l2Norm } from './update-codec.js';

/** Options of {@link FederatedServer.open}. */
export interface FederatedServerOptions {
  stateDir: string;
  keys: KeyPairs;
  enrollment: ReadonlyMap<string, PublicKeys>;
  config: FederatedConfig;
  /** The model of round 1, used only when the state dir is empty. */
  initialModel: () => GlobalModel;
  onLog?: (line: string) => void;
}

/** How a server run ended. */
export interface ServerSummary {
  status: 'completed' | 'gave-up';
  rounds: RoundRecord[];
  modelVersion: number;
  modelSha256: string;
  modelBytes: Uint8Array;
}

/** Rejections logged one per line in a round; the rest are counted in the round line. */
const LOGGED_REJECTIONS = 10;
const UPLOAD_PHASE: Record<UploadKind, Phase> = { update: 'train', advertise: 'train', shares: 'share', masked: 'mask', unmask: 'unmask' };

interface OpenRound {
  round: number;
  deadline: number;
  openedAt: number;
  selected: Set<string>;
  plain: PlainRound | null;
  secure: SecureRound | null;
  /** (client, kind) accepted this round. */
  uploads: Set<string>;
  nonces: Set<string>;
  journal: Journal;
  rejected: Record<string, number>;
  rejections: RoundRecord['rejections'];
}

export class FederatedServer {
  readonly config: FederatedConfig;
  readonly layout: ModelLayout;
  /** Resolves when the last round is committed or the server gives up. */
  readonly finished: Promise<ServerSummary>;
  private readonly store: ServerStore;
  private readonly secret: Uint8Array;
  private readonly log: (line: string) => void;
  private model: { version: number; sha256: string; bytes: Uint8Array; kind: string };
  private current: OpenRound | null = null;
  private phase: Phase = 'train';
  private readonly history: RoundRecord[] = [];
  private abortedInARow: number;
  private noisyRounds: number;
  private timer: NodeJS.Timeout | null = null;
  private waiters = new Set<() => void>();
  private finish!: (s: ServerSummary) => void;
  private summary: ServerSummary | null = null;
  private readonly sawDone = new Set<string>();

  /**
   * Opens (or resumes) a state dir and starts the next round.
   * @throws InvalidOptionError for an unusable state dir or config; FormatError for a corrupted state dir
   */
  static open(opts: FederatedServerOptions): FederatedServer {
    checkFederatedConfig(opts.config, 'server');
    const store = new ServerStore(opts.stateDir);
    store.lock();
    try {
      return new FederatedServer(opts, store);
    } catch (err) {
      store.unlock();
      throw err;
    }
  }

  private constructor(private readonly opts: FederatedServerOptions, store: ServerStore) {
    this.config = opts.config;
    this.store = store;
    this.log = opts.onLog ?? (() => {});
    this.secret = store.secret();
    const resumed = store.resume(() => encodeModel(opts.initialModel()));
    const decoded = decodeModel(resumed.modelBytes, `${opts.stateDir}/${resumed.last.modelFile}`);
    this.layout = layoutOf(decoded.state);
    this.model = { version: decoded.version, sha256: resumed.last.modelSha256, bytes: resumed.modelBytes, kind: decoded.kind };
    this.abortedInARow = resumed.abortedInARow;
    this.noisyRounds = resumed.noisyRounds;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.log(`server: state ${opts.stateDir}, model v${this.model.version} (sha256 ${this.model.sha256.slice(0, 12)}), ${opts.enrollment.size} enrolled clients, resuming after round ${resumed.last.round}`);
    if (this.model.version >= this.config.rounds) this.end('completed');
    else this.openRound(resumed.last.round + 1);
  }

  /** The round being run (0 when finished), its phase and the committed model version. */
  get status(): { round: number; phase: Phase; modelVersion: number } {
    return { round: this.current?.round ?? 0, phase: this.phase, modelVersion: this.model.version };
  }

  /** Whether every enrolled client has seen the final view (a server may stop early then). */
  get allClientsDone(): boolean {
    return this.summary !== null && this.sawDone.size >= this.opts.enrollment.size;
  }

  /** Stops timers, wakes long polls and releases the state dir. Safe to call twice. */
  close(): void {
    this.current?.journal.close();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.notify();
    this.store.unlock();
  }

  /** Answers one request. Never throws: failures become 4xx/5xx JSON answers. */
  async handle(req: FlRequest): Promise<FlResponse> {
    try {
      if (req.path === '/v1/upload') {
        if (req.method !== 'POST') return jsonResponse(405, { error: `${req.path}: method must be POST, got ${req.method}` });
        if (req.contentType?.split(';')[0]!.trim() !== 'application/octet-stream') {
          return jsonResponse(415, { error: `upload: content type must be application/octet-stream, got ${req.contentType ?? 'none'}` });
        }
        return await this.upload(req.body);
      }
      if (req.method !== 'GET') return jsonResponse(405, { error: `${req.path}: method must be GET, got ${req.method}` });
      if (req.path === '/v1/round') return await this.roundView(req.query);
      if (req.path === '/v1/model') return this.modelFile(req.query.get('sha256'));
      if (req.path === '/v1/health') return jsonResponse(200, { status: 'ok', ...this.status });
      return jsonResponse(404, { error: `${req.path}: route must be one of /v1/round, /v1/model, /v1/upload, /v1/health, got an unknown route` });
    } catch (err) {
      if (err instanceof Rejection) return jsonResponse(err.status, { error: err.message, reason: err.reason });
      this.log(`server: internal error answering ${req.method} ${req.path}: ${(err as Error).message}`);
      return jsonResponse(500, { error: 'server: internal error (logged on the server)' });
    }
  }

  private modelFile(sha: string | null): FlResponse {
    if (sha !== null && sha !== this.model.sha256) return jsonResponse(404, { error: `model: sha256 must name the current global model ${this.model.sha256}, got ${sha.slice(0, 64)}` });
    return { status: 200, contentType: 'application/octet-stream', body: this.model.bytes };
  }

  private async roundView(q: URLSearchParams): Promise<FlResponse> {
    const client = q.get('client');
    if (client !== null && !this.opts.enrollment.has(client)) throw new Rejection(403, 'unknown-client', `round: client must be enrolled, got ${client.slice(0, 64)}`);
    const waitS = Math.min(Number(q.get('wait') ?? 0) || 0, this.config.pollWaitS, this.config.requestTimeoutS);
    const round = Number(q.get('round') ?? -1);
    if (waitS > 0 && round === (this.current?.round ?? 0) && q.get('phase') === this.phase && this.summary === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitS * 1000);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
    return jsonResponse(200, this.view(client));
  }

  private hasUploaded(client: string | null): boolean {
    const r = this.current;
    if (client === null || r === null) return false;
    return r.secure !== null ? r.secure.answered(client) : r.uploads.has(`${client}/update`);
  }

  private view(client: string | null): RoundView {
    const r = this.current;
    if (this.summary !== null && client !== null) this.sawDone.add(client);
    const c = this.config;
    const view: RoundView = {
      protocol: PROTOCOL,
      round: r?.round ?? this.history.at(-1)?.round ?? 0,
      phase: this.phase,
      model: { version: this.model.version, sha256: this.model.sha256, kind: this.model.kind },
      rounds: c.rounds,
      committed: this.model.version,
      selected: client !== null && r !== null && r.selected.has(client),
      uploaded: this.hasUploaded(client),
      settings: { local_epochs: c.localEpochs, clip_norm: c.clipNorm, max_samples: c.maxSamplesPerClient, secure_aggregation: c.secureAggregation, clipping_range: c.secagg.clippingRange, quantization_range: c.secagg.quantizationRange },
      deadline_ms: r === null ? 0 : Math.max(0, Math.round(r.deadline - Date.now())),
    };
    const secagg = client !== null ? r?.secure?.view(client) : undefined;
    if (secagg !== undefined) view.secagg = secagg;
    return signJson(view, SIGNED.view, this.opts.keys.signPrivate);
  }

  /** Wakes every long poll (the round or phase changed). */
  private notify(): void {
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const w of waiting) w();
  }

  private async upload(body: Uint8Array): Promise<FlResponse> {
    const r = this.current;
    let env: ParsedEnvelope;
    try {
      env = parseEnvelope(body);
    } catch (err) {
      if (err instanceof FormatError) return this.reject(r, 'unknown', new Rejection(400, 'malformed', err.message));
      throw err;
    }
    const { header } = env;
    try {
      this.accept(env, r, true);
      // Acknowledge only what is on disk: a restarted server then holds every accepted upload.
      await r?.journal.flushed();
      return jsonResponse(200, { accepted: true, round: header.round, kind: header.kind });
    } catch (err) {
      if (err instanceof Rejection) return this.reject(r, header.client, err);
      throw err;
    }
  }

  private reject(r: OpenRound | null, client: string, err: Rejection): FlResponse {
    if (r !== null) {
      r.rejected[err.reason] = (r.rejected[err.reason] ?? 0) + 1;
      const total = Object.values(r.rejected).reduce((a, b) => a + b, 0);
      if (r.rejections.length < LOGGED_REJECTIONS) r.rejections.push({ client, reason: err.reason, message: err.message });
      if (total <= LOGGED_REJECTIONS) this.log(`round ${r.round}: rejected upload from ${client}: ${err.reason}: ${err.message}`);
    }
    return jsonResponse(err.status, { error: err.message, reason: err.reason });
  }

  /**
   * Checks an envelope and, when it passes, applies it to the round (journaled first when
   * `journal`). @throws Rejection naming the first check that failed
   */
  private accept(env: ParsedEnvelope, r: OpenRound | null, journal: boolean): void {
    const { header } = env;
    const keys = this.opts.enrollment.get(header.client);
    if (keys === undefined) throw new Rejection(403, 'unknown-client', `upload: client must be enrolled, got ${header.client}`);
    if (!verifyEnvelope(env, keys.sign)) throw new Rejection(401, 'bad-signature', `upload: signature must verify under ${header.client}'s enrolled Ed25519 key, got one that does not`);
    if (r === null || header.round < r.round) throw new Rejection(409, 'stale-round', `upload: round must be the current round ${r?.round ?? 'none (finished)'}, got ${header.round}`);
    if (header.round > r.round) throw new Rejection(409, 'future-round', `upload: round must be the current round ${r.round}, got ${header.round}`);
    if (header.model !== this.model.sha256) throw new Rejection(409, 'wrong-model', `upload: model must be the round's global model ${this.model.sha256.slice(0, 16)}…, got ${header.model.slice(0, 16)}…`);
    if (!r.selected.has(header.client)) throw new Rejection(403, 'not-selected', `upload: client ${header.client} must be selected for round ${r.round}, got an unselected client`);
    if (r.uploads.has(`${header.client}/${header.kind}`)) throw new Rejection(409, 'replay', `upload: one ${header.kind} per client and round, got a second from ${header.client} in round ${r.round}`);
    if (r.nonces.has(header.nonce) || r.nonces.has(header.epk)) throw new Rejection(409, 'reused-nonce', `upload: nonce and ephemeral key must be fresh, got ones already used in round ${r.round}`);
    const wantKind = r.secure === null ? 'update' : header.kind;
    if (header.kind !== wantKind || UPLOAD_PHASE[header.kind] !== this.phase) {
      throw new Rejection(409, 'wrong-phase', `upload: kind must fit phase ${this.phase}${r.secure === null ? ' (plain mode takes updates)' : ''}, got ${header.kind}`);
    }
    let payload: Uint8Array;
    try {
      payload = openEnvelope(env, this.opts.keys);
    } catch (err) {
      if (err instanceof FormatError) throw new Rejection(400, 'tampered', err.message);
      throw err;
    }
    try {
      this.applyUpload(r, header.client, header.kind, payload, journal ? env : null);
    } catch (err) {
      if (err instanceof FormatError) throw new Rejection(400, 'malformed', err.message);
      throw err;
    }
    r.uploads.add(`${header.client}/${header.kind}`);
    r.nonces.add(header.nonce);
    r.nonces.add(header.epk);
    this.afterUpload(r);
  }

  private applyUpload(r: OpenRound, client: string, kind: UploadKind, payload: Uint8Array, env: ParsedEnvelope | null): void {
    const journal = (): void => {
      if (env !== null) r.journal.append(Buffer.concat([env.signed, env.signature]));
    };
    if (r.plain !== null) {
      const update = decodeUpdate(payload, this.layout, this.config.clipNorm);
      journal();
      r.plain.add(client, update);
      return;
    }
    const s = r.secure!;
    if (kind === 'advertise') s.advertise(client, payload);
    else if (kind === 'shares') s.share(client, payload);
    else if (kind === 'masked') s.masked(client, payload);
    else s.unmask(client, payload);
    // A secure round cannot resume after a restart; the journal only marks that it had begun.
    journal();
  }

  private afterUpload(r: OpenRound): void {
    const complete = r.plain !== null ? r.plain.count >= r.selected.size : r.secure!.answers() >= r.secure!.expected().size;
    if (complete) this.endPhase();
    else this.notify();
  }

  private openRound(round: number): void {
    const c = this.config;
    const now = Date.now();
    const selected = this.select(round);
    const r: OpenRound = {
      round,
      openedAt: now,
      deadline: now + c.roundTimeoutS * 1000,
      selected,
      plain: c.secureAggregation ? null : new PlainRound(this.layout.size, c),
      secure: c.secureAggregation ? new SecureRound(round, this.model.sha256, this.layout.size, c, this.opts.enrollment, selected) : null,
      uploads: new Set(),
      nonces: new Set(),
      journal: undefined as unknown as Journal,
      rejected: {},
      rejections: [],
    };
    this.current = r;
    this.phase = 'train';
    const pending = this.store.pending(round);
    r.journal = new Journal(this.store.journalPath(round));
    if (pending.length > 0 && r.secure !== null) {
      this.abort(r, 'the server restarted during secure aggregation (clients hold the masks; the round starts over)');
      return;
    }
    for (const entry of pending) {
      try {
        this.accept(parseEnvelope(entry), r, false);
      } catch (err) {
        if (!(err instanceof Rejection || err instanceof FormatError)) throw err;
        this.log(`round ${round}: a journaled upload was refused on restart: ${err.message}`);
      }
      if (this.current !== r) return;
    }
    if (pending.length > 0) this.log(`round ${round}: resumed with ${r.uploads.size} journaled uploads`);
    this.arm(r.deadline);
    this.notify();
  }

  /** Clients of this round: all enrolled, or each with probability client_fraction (keyed by the run secret, so a restart repeats it). */
  private select(round: number): Set<string> {
    const q = this.config.clientFraction;
    const ids = [...this.opts.enrollment.keys()];
    if (q >= 1) return new Set(ids);
    return new Set(ids.filter((id) => createHmac('sha256', this.secret).update(`select\n${round}\n${id}`).digest().readUIntBE(0, 6) / 2 ** 48 < q));
  }

  private arm(deadline: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.endPhase(), Math.max(0, deadline - Date.now()));
  }

  /** Ends the current phase: moves a secure round on, or closes the round. */
  private endPhase(): void {
    const r = this.current;
    if (r === null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (r.plain !== null) {
      if (r.plain.count < this.config.minClients) return this.abort(r, `below quorum: ${r.plain.count} of ${this.config.minClients} clients`);
      return this.commit(r, r.plain.aggregate(this.noise(r.round)));
    }
    const step = r.secure!.advance(this.noise(r.round));
    if (step.kind === 'abort') return this.abort(r, step.reason);
    if (step.kind === 'done') return this.commit(r, step.aggregate);
    this.phase = r.secure!.phase;
    r.deadline = Date.now() + this.config.phaseTimeoutS * 1000;
    this.arm(r.deadline);
    this.notify();
  }

  private noise(round: number): Float64Array | null {
    return this.config.dp.noiseMultiplier > 0 ? normalStream(this.secret, `dp-noise/${round}`, this.layout.size) : null;
  }

  private commit(r: OpenRound, agg: RoundAggregate): void {
    const decoded = decodeModel(this.model.bytes, 'global model', this.layout);
    const flat = flatten(decoded.state, this.layout);
    for (let j = 0; j < flat.length; j++) flat[j] = flat[j]! + agg.delta[j]!;
    const state = unflatten(flat, this.layout);
    const version = this.model.version + 1;
    const bytes = encodeModel({ state, version, kind: decoded.kind, metadata: decoded.metadata });
    const sha = sha256Hex(bytes);
    const dp = this.config.dp.noiseMultiplier > 0 ? this.accountant(this.noisyRounds + 1) : null;
    const record: RoundRecord = {
      ...this.baseRecord(r, 'committed'),
      modelVersion: version,
      modelFile: this.store.writeModel(version, bytes),
      modelSha256: sha,
      accepted: agg.outcomes,
      missing: [...r.selected].filter((c) => !agg.outcomes.some((o) => o.client === c)).sort(),
      aggregateNorm: l2Norm(agg.delta),
      meanLoss: agg.meanLoss,
      dp,
    };
    r.journal.close();
    this.store.commit(record);
    this.model = { version, sha256: sha, bytes, kind: decoded.kind };
    this.abortedInARow = 0;
    if (dp !== null) this.noisyRounds++;
    this.closed(record);
  }

  private accountant(rounds: number): RoundRecord['dp'] {
    const { noiseMultiplier, delta } = this.config.dp;
    const { epsilon, order } = privacySpent({ q: this.config.clientFraction, noiseMultiplier, steps: rounds, delta });
    return { noiseMultiplier, delta, epsilon, order, noisyRounds: rounds };
  }

  private abort(r: OpenRound, reason: string): void {
    const record: RoundRecord = { ...this.baseRecord(r, 'aborted'), missing: [...r.selected].filter((c) => !r.uploads.has(`${c}/update`) && !r.uploads.has(`${c}/advertise`)).sort(), reason };
    r.journal.close();
    this.store.commit(record);
    this.abortedInARow++;
    this.closed(record);
  }

  private baseRecord(r: OpenRound, status: RoundRecord['status']): RoundRecord {
    const base = emptyRecord(r.round, status, this.model.version, `models/global-${String(this.model.version).padStart(6, '0')}.safetensors`, this.model.sha256);
    return { ...base, mode: r.secure !== null ? 'secure' : 'plain', aggregation: this.config.aggregation, rejected: { ...r.rejected }, rejections: [...r.rejections], seconds: (Date.now() - r.openedAt) / 1000 };
  }

  private closed(record: RoundRecord): void {
    this.history.push(record);
    this.log(roundLogLine(record, this.current!.selected.size));
    if (this.model.version >= this.config.rounds) return this.end('completed');
    if (this.abortedInARow >= this.config.maxAbortedRounds) return this.end('gave-up');
    this.openRound(record.round + 1);
  }

  private end(status: ServerSummary['status']): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    this.phase = 'done';
    this.summary = { status, rounds: [...this.history], modelVersion: this.model.version, modelSha256: this.model.sha256, modelBytes: this.model.bytes };
    this.log(status === 'completed' ? `server: done, model v${this.model.version} (sha256 ${this.model.sha256.slice(0, 12)})` : `server: gave up after ${this.abortedInARow} aborted rounds in a row`);
    this.notify();
    this.finish(this.summary);
  }
}

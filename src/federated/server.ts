/**
 * The federated server core: rounds, validation of uploads, aggregation and atomic commits, behind
 * one transport-independent `handle(request)`. HTTP (http-server.ts) and the in-process transport
 * (tests, simulations with many clients) both call it. It never prints: one line per round (and
 * per rejection, the first few of a round) goes to `onLog`.
 *
 * Why one file of ~500 lines: the round lifecycle (open, phase changes, deadline, commit, abort,
 * calibration with its statistics phase, restart from the journal) is one state machine, easier to
 * audit in one place; the per-upload checks are in open-round.ts, the aggregation in plain-round.ts,
 * secure-round.ts and calibration-round.ts, the server step in server-optimizer.ts.
 */
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { PROTOCOL, sha256Hex } from './bytes.js';
import { CalibrationRound } from './calibration-round.js';
import { checkFederatedConfig, type FederatedConfig } from './config.js';
import { withControlVariates } from './control-variates.js';
import { parseEnvelope, type ParsedEnvelope } from './envelope.js';
import type { KeyPairs, PublicKeys } from './keys.js';
import { applyDelta, decodeModel, encodeModel, layoutOf, type ModelLayout } from './model-file.js';
import type { FederatedModelKind } from './model-kind.js';
import { applyUpload, checkUpload, rejectUpload, selectClients, type OpenRound } from './open-round.js';
import { PlainRound, type RoundAggregate } from './plain-round.js';
import { normalStream } from './prg.js';
import { SIGNED, jsonResponse, type FlRequest, type FlResponse, type Phase, type RoundView } from './protocol.js';
import { privacySpent } from './rdp.js';
import { roundLogLine } from './round-log.js';
import { SecureRound } from './secure-round.js';
import { ServerOptimizer } from './server-optimizer.js';
import { Journal } from './journal.js';
import { ServerStore, emptyRecord, type RoundRecord } from './server-store.js';
import { signJson } from './signed-json.js';
import { Rejection, l2Norm } from './update-codec.js';
import type { StatisticSums } from '../models/index.js';

/** Options of {@link FederatedServer.open}. */
export interface FederatedServerOptions {
  stateDir: string;
  keys: KeyPairs;
  enrollment: ReadonlyMap<string, PublicKeys>;
  config: FederatedConfig;
  /**
   * The model kind: its initial model (weights from `training.seed`, used only when the state dir is
   * empty), its checkpoint and the `threshold.quantile` of the final calibration.
   */
  kind: FederatedModelKind;
  onLog?: (line: string) => void;
}

/** How a server run ended. */
export interface ServerSummary {
  status: 'completed' | 'gave-up';
  rounds: RoundRecord[];
  modelVersion: number;
  modelSha256: string;
  modelBytes: Uint8Array;
  /** The final dadm checkpoint (absolute path), its threshold; null when calibration did not complete. */
  checkpoint: { path: string; sha256: string; threshold: number } | null;
}


export class FederatedServer {
  readonly config: FederatedConfig;
  /** The layout of updates: the model's tensors but its fitted statistic. */
  readonly layout: ModelLayout;
  /** The layout of model files: every tensor. */
  private readonly fileLayout: ModelLayout;
  /** Values of the kind's fitted statistic, or null when it has none. */
  private readonly statisticSize: number | null;
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
  private calibrated: RoundRecord | null = null;
  /** In the calibration round after the statistics phase: the final model with its merged statistic, which clients score. */
  private scaled: { sha256: string; bytes: Uint8Array; statistic: StatisticSums } | null = null;
  private readonly optimizer: ServerOptimizer;
  /** The optimizer file of the last committed round (carried into every later record). */
  private optimizerFile: { file: string; sha256: string } | null;

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
    const resumed = store.resume(() => {
      const initial = opts.kind.initialModel(opts.kind.config.training.seed);
      // Under SCAFFOLD the global model also carries c (zero at first), averaged like the weights.
      return encodeModel(this.config.scaffoldScale > 0 ? withControlVariates(initial) : initial);
    });
    const decoded = decodeModel(resumed.modelBytes, `${opts.stateDir}/${resumed.last.modelFile}`);
    this.layout = layoutOf(decoded.state, opts.kind.statistic);
    this.fileLayout = layoutOf(decoded.state);
    this.statisticSize = opts.kind.statistic === null ? null : this.fileLayout.tensors.find((t) => t.name === opts.kind.statistic)?.size ?? null;
    this.model = { version: decoded.version, sha256: resumed.last.modelSha256, bytes: resumed.modelBytes, kind: decoded.kind };
    this.optimizer = new ServerOptimizer(this.config, this.layout.size, store.readOptimizer(resumed.last));
    this.optimizerFile = resumed.last.optimizerFile === null ? null : { file: resumed.last.optimizerFile, sha256: resumed.last.optimizerSha256! };
    this.abortedInARow = resumed.abortedInARow;
    this.noisyRounds = resumed.noisyRounds;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.log(`server: state ${opts.stateDir}, model v${this.model.version} (sha256 ${this.model.sha256.slice(0, 12)}), ${opts.enrollment.size} enrolled clients, resuming after round ${resumed.last.round}`);
    if (resumed.last.status === 'calibrated' && this.model.version >= this.config.rounds) {
      this.calibrated = resumed.last;
      this.end('completed');
    } else {
      this.openRound(resumed.last.round + 1);
    }
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

  /** The model clients fetch now: the global model, or in the calibration round's last phase the model with its merged statistic. */
  private published(): { sha256: string; bytes: Uint8Array } {
    return this.scaled ?? this.model;
  }

  private modelFile(sha: string | null): FlResponse {
    const now = this.published();
    if (sha !== null && sha !== now.sha256) return jsonResponse(404, { error: `model: sha256 must name the current global model ${now.sha256}, got ${sha.slice(0, 64)}` });
    return { status: 200, contentType: 'application/octet-stream', body: now.bytes };
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
    if (r.secure !== null) return r.secure.answered(client);
    return r.uploads.has(`${client}/${r.calibration !== null ? (this.phase === 'statistics' ? 'statistics' : 'scores') : 'update'}`);
  }

  private view(client: string | null): RoundView {
    const r = this.current;
    if (this.summary !== null && client !== null) this.sawDone.add(client);
    const c = this.config;
    const view: RoundView = {
      protocol: PROTOCOL,
      round: r?.round ?? this.history.at(-1)?.round ?? 0,
      phase: this.phase,
      model: { version: this.model.version, sha256: this.published().sha256, kind: this.model.kind },
      rounds: c.rounds,
      committed: this.model.version,
      selected: client !== null && r !== null && r.selected.has(client),
      uploaded: this.hasUploaded(client),
      settings: { local_epochs: c.localEpochs, proximal_mu: c.proximalMu, scaffold_scale: c.scaffoldScale, clip_norm: c.clipNorm, max_samples: c.maxSamplesPerClient, secure_aggregation: c.secureAggregation, clipping_range: c.secagg.clippingRange, quantization_range: c.secagg.quantizationRange },
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
      if (err instanceof FormatError) return rejectUpload(r, 'unknown', new Rejection(400, 'malformed', err.message), this.log);
      throw err;
    }
    const { header } = env;
    try {
      this.accept(env, r, true);
      // Acknowledge only what is on disk: a restarted server then holds every accepted upload.
      await r?.journal.flushed();
      return jsonResponse(200, { accepted: true, round: header.round, kind: header.kind });
    } catch (err) {
      if (err instanceof Rejection) return rejectUpload(r, header.client, err, this.log);
      throw err;
    }
  }

  /**
   * Checks an envelope and, when it passes, applies it to the round (journaled first when
   * `journal`). @throws Rejection naming the first check that failed
   */
  private accept(env: ParsedEnvelope, r: OpenRound | null, journal: boolean): void {
    const payload = checkUpload(env, r, { enrollment: this.opts.enrollment, keys: this.opts.keys, modelSha256: this.published().sha256, phase: this.phase });
    const round = r!;
    applyUpload(round, env, payload, { layout: this.layout, clipNorm: this.config.clipNorm, maxSketchRows: this.config.maxSamplesPerClient, statisticSize: this.statisticSize ?? 0, journal });
    this.afterUpload(round);
  }

  private afterUpload(r: OpenRound): void {
    const accepted = r.plain?.count ?? this.calibrationCount(r);
    const complete = accepted !== undefined ? accepted >= r.selected.size : r.secure!.answers() >= r.secure!.expected().size;
    if (complete) this.endPhase();
    else this.notify();
  }

  /** Opens a training round, or the calibration round once the last training round is committed. */
  private openRound(round: number): void {
    const c = this.config;
    const now = Date.now();
    const calibrating = this.model.version >= c.rounds;
    const ids = [...this.opts.enrollment.keys()];
    const selected = calibrating ? new Set(ids) : selectClients(round, this.config.clientFraction, ids, this.secret);
    const secure = c.secureAggregation && !calibrating;
    const r: OpenRound = {
      round,
      openedAt: now,
      deadline: now + (calibrating ? c.phaseTimeoutS : c.roundTimeoutS) * 1000,
      selected,
      plain: secure || calibrating ? null : new PlainRound(this.layout.size, c),
      secure: secure ? new SecureRound(round, this.model.sha256, this.layout.size, c, this.opts.enrollment, selected) : null,
      calibration: calibrating ? new CalibrationRound(this.statisticSize) : null,
      uploads: new Set(),
      nonces: new Set(),
      journal: undefined as unknown as Journal,
      rejected: {},
      rejections: [],
    };
    this.current = r;
    this.scaled = null;
    this.phase = calibrating ? (this.statisticSize !== null ? 'statistics' : 'calibrate') : 'train';
    const pending = this.store.pending(round);
    r.journal = new Journal(this.store.journalPath(round));
    if (pending.length > 0 && r.secure !== null) {
      this.abort(r, 'the server restarted during secure aggregation (clients hold the masks; the round starts over)');
      return;
    }
    for (const entry of pending) {
      try {
        const env = parseEnvelope(entry);
        // Histograms are journaled only after the statistics phase ended: end it again first.
        if (env.header.kind === 'scores' && this.phase === 'statistics') this.endPhase();
        if (this.current !== r) return;
        this.accept(env, r, false);
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
    const accepted = r.plain?.count ?? this.calibrationCount(r);
    if (accepted !== undefined && accepted < this.config.minClients) return this.abort(r, `below quorum: ${accepted} of ${this.config.minClients} clients`);
    if (r.plain !== null) return this.commit(r, r.plain.aggregate(this.noise(r.round)));
    if (r.calibration !== null && this.phase === 'statistics') return this.setStatistic(r, r.calibration);
    if (r.calibration !== null) return this.commitCalibration(r, r.calibration);
    const step = r.secure!.advance(() => this.noise(r.round));
    if (step.kind === 'abort') return this.abort(r, step.reason);
    if (step.kind === 'done') return this.commit(r, step.aggregate);
    this.phase = r.secure!.phase;
    r.deadline = Date.now() + this.config.phaseTimeoutS * 1000;
    this.arm(r.deadline);
    this.notify();
  }

  /** Accepted uploads of the calibration round's current phase (undefined outside it). */
  private calibrationCount(r: OpenRound): number | undefined {
    if (r.calibration === null) return undefined;
    return this.phase === 'statistics' ? r.calibration.statisticCount : r.calibration.count;
  }

  /**
   * Ends the statistics phase: the final model with its statistic from the clients' merged sums is
   * what they score next (not written to disk: a restart rebuilds it from the journal).
   */
  private setStatistic(r: OpenRound, round: CalibrationRound): void {
    const statistic = round.mergedStatistic();
    const model = this.opts.kind.withStatistic(decodeModel(this.model.bytes, 'global model', this.fileLayout), statistic);
    const bytes = encodeModel(model);
    this.scaled = { sha256: sha256Hex(bytes), bytes, statistic };
    this.phase = 'calibrate';
    this.log(`round ${r.round}: ${this.opts.kind.statistic} set from ${round.statisticCount} clients' sums over ${statistic.count} items; clients now score under model sha256 ${this.scaled.sha256.slice(0, 12)}`);
    r.deadline = Date.now() + this.config.phaseTimeoutS * 1000;
    this.arm(r.deadline);
    this.notify();
  }

  private noise(round: number): Float64Array | null {
    return this.config.dp.noiseMultiplier > 0 ? normalStream(this.secret, `dp-noise/${round}`, this.layout.size) : null;
  }

  private commit(r: OpenRound, agg: RoundAggregate): void {
    const version = this.model.version + 1;
    const step = this.optimizer.step(agg.delta);
    const bytes = applyDelta(this.model.bytes, this.layout, step, version);
    const sha = sha256Hex(bytes);
    if (this.optimizer.stateful) {
      const moments = this.optimizer.encode();
      this.optimizerFile = { file: this.store.writeOptimizer(version, moments), sha256: sha256Hex(moments) };
    }
    const dp = this.config.dp.noiseMultiplier > 0 ? this.accountant(this.noisyRounds + 1) : null;
    const record: RoundRecord = {
      ...this.baseRecord(r, 'committed'),
      modelVersion: version,
      modelFile: this.store.writeModel(version, bytes),
      modelSha256: sha,
      accepted: agg.outcomes,
      missing: [...r.selected].filter((c) => !agg.outcomes.some((o) => o.client === c)).sort(),
      aggregateNorm: l2Norm(agg.delta),
      stepNorm: step === agg.delta ? null : l2Norm(step),
      meanLoss: agg.meanLoss,
      dp,
    };
    r.journal.close();
    this.store.commit(record);
    this.model = { ...this.model, version, sha256: sha, bytes };
    this.abortedInARow = 0;
    if (dp !== null) this.noisyRounds++;
    this.closed(record);
  }

  /** Fixes the threshold from the clients' histograms and writes the final checkpoint, then the record. */
  private commitCalibration(r: OpenRound, round: CalibrationRound): void {
    const q = this.opts.kind.config.threshold.quantile;
    const cal = round.close(q);
    const model = decodeModel(this.published().bytes, 'global model', this.fileLayout);
    const training = {
      federated: true,
      rounds_committed: this.model.version,
      model_version: this.model.version,
      model_sha256: this.model.sha256,
      local_epochs: this.config.localEpochs,
      proximal_mu: this.config.proximalMu,
      scaffold_scale: this.config.scaffoldScale,
      aggregation: this.config.aggregation,
      server_optimizer: this.config.serverOptimizer,
      server_lr: this.config.serverLr,
      secure_aggregation: this.config.secureAggregation,
      dp_epsilon: this.noisyRounds > 0 ? this.accountant(this.noisyRounds)!.epsilon : null,
      threshold_quantile: q,
      calibration_clients: cal.outcomes.length,
      calibration_rows: cal.rows,
      ...(this.scaled === null ? {} : { fitted_statistic: this.opts.kind.statistic, statistic_items: this.scaled.statistic.count }),
    };
    const bytes = this.opts.kind.checkpoint(model, { threshold: cal.threshold, training });
    const checkpointFile = this.store.writeCheckpoint(bytes);
    const record: RoundRecord = {
      ...this.baseRecord(r, 'calibrated'),
      accepted: cal.outcomes,
      missing: this.missing(r),
      calibration: { threshold: cal.threshold, quantile: q, rows: cal.rows, checkpointFile, checkpointSha256: sha256Hex(bytes), statistic: this.statisticRecord() },
    };
    r.journal.close();
    this.store.commit(record);
    this.calibrated = record;
    this.closed(record);
  }

  /** The merged statistic for the calibrated record: its tensor, items and value. */
  private statisticRecord(): { tensor: string; items: number; value: number[] } | null {
    if (this.scaled === null) return null;
    const model = decodeModel(this.scaled.bytes, 'calibration model', this.fileLayout);
    return { tensor: this.opts.kind.statistic!, items: this.scaled.statistic.count, value: Array.from(model.state.get(this.opts.kind.statistic!)!.data) };
  }

  /** Selected clients with no accepted upload in the round. */
  private missing(r: OpenRound): string[] {
    const answered = new Set([...r.uploads].map((k) => k.slice(0, k.lastIndexOf('/'))));
    return [...r.selected].filter((c) => !answered.has(c)).sort();
  }

  private accountant(rounds: number): RoundRecord['dp'] {
    const { noiseMultiplier, delta } = this.config.dp;
    const { epsilon, order } = privacySpent({ q: this.config.clientFraction, noiseMultiplier, steps: rounds, delta });
    return { noiseMultiplier, delta, epsilon, order, noisyRounds: rounds };
  }

  private abort(r: OpenRound, reason: string): void {
    const record: RoundRecord = { ...this.baseRecord(r, 'aborted'), missing: this.missing(r), reason };
    r.journal.close();
    this.store.commit(record);
    this.abortedInARow++;
    this.closed(record);
  }

  private baseRecord(r: OpenRound, status: RoundRecord['status']): RoundRecord {
    const base = emptyRecord(r.round, status, this.model.version, `models/global-${String(this.model.version).padStart(6, '0')}.safetensors`, this.model.sha256);
    const optimizer = this.optimizerFile === null ? {} : { optimizerFile: this.optimizerFile.file, optimizerSha256: this.optimizerFile.sha256 };
    return { ...base, ...optimizer, mode: r.secure !== null ? 'secure' : 'plain', aggregation: this.config.aggregation, rejected: { ...r.rejected }, rejections: [...r.rejections], seconds: (Date.now() - r.openedAt) / 1000 };
  }

  private closed(record: RoundRecord): void {
    this.history.push(record);
    this.log(roundLogLine(record, this.current!.selected.size));
    if (record.status === 'calibrated') return this.end('completed');
    if (this.abortedInARow >= this.config.maxAbortedRounds) {
      // Training is complete even when its calibration is not: the last global model stands, without a checkpoint.
      return this.end(this.model.version >= this.config.rounds ? 'completed' : 'gave-up');
    }
    this.openRound(record.round + 1);
  }

  private end(status: ServerSummary['status']): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    this.phase = 'done';
    const cal = this.calibrated?.calibration ?? null;
    const checkpoint = cal === null ? null : { path: join(this.opts.stateDir, cal.checkpointFile), sha256: cal.checkpointSha256, threshold: cal.threshold };
    this.summary = { status, rounds: [...this.history], modelVersion: this.model.version, modelSha256: this.model.sha256, modelBytes: this.model.bytes, checkpoint };
    const done = checkpoint === null
      ? `server: done, model v${this.model.version} (sha256 ${this.model.sha256.slice(0, 12)}); no checkpoint: the calibration did not reach min_clients`
      : `server: done, model v${this.model.version} (sha256 ${this.model.sha256.slice(0, 12)}); checkpoint ${checkpoint.path}, threshold ${checkpoint.threshold.toPrecision(6)}`;
    this.log(status === 'completed' ? done : `server: gave up after ${this.abortedInARow} aborted rounds in a row`);
    this.notify();
    this.finish(this.summary);
  }
}

/**
 * A federated client: waits for rounds, fetches and verifies the global model, trains on its own
 * rows with the model kind's `train` (the code of `dadm train`), and sends only the clipped weight
 * update, encrypted to the server and signed (or, under secure aggregation, masked so the server
 * sees only the sum). After the last round it sends a histogram of its rows' scores under the final
 * model, for the threshold. Raw rows never leave the client, and its log says what was sent. A
 * client that misses a round (late, disconnected, not selected) joins the next one.
 */
import type { KeyPairs, PublicKeys } from './keys.js';
import { ClientLink, type LinkTiming } from './client-link.js';
import { flatten, layoutOf, type GlobalModel } from './model-file.js';
import type { LocalData } from './local-data.js';
import type { FederatedModelKind } from './model-kind.js';
import type { RoundView } from './protocol.js';
import { proximalGradient } from './proximal.js';
import { ControlVariateStep, splitControlVariates } from './control-variates.js';
import type { StateDict } from '../nn/index.js';
import { runSecureRound } from './secure-client.js';
import type { Transport } from './transport.js';
import { SKETCH_BINS_PER_DECADE, encodeSketch, sketchScores } from './score-sketch.js';
import { encodeUpdate, l2Norm } from './update-codec.js';
import { encodeStatistic } from './statistic-sums.js';

/** Where a simulated client crashes (stops answering) in its `round`. */
export interface DropPoint {
  round: number;
  /** After downloading the model (before any upload), or after the named upload. */
  after: 'fetch' | 'advertise' | 'shares' | 'masked';
}

/** Options of {@link FederatedClient}. */
export interface FederatedClientOptions {
  keys: KeyPairs;
  /** The server's public keys, pinned out of band (`server.pub.json`). */
  server: PublicKeys;
  transport: Transport;
  kind: FederatedModelKind;
  /** The local rows (the caller opens and closes them). */
  data: LocalData;
  /** Base seed of local shuffling; round r trains with a seed derived from (seed, r). */
  seed?: number;
  timing?: Partial<LinkTiming>;
  onLog?: (line: string) => void;
  /** Simulations only: stop at this point, as a crashed host would. */
  dropAt?: DropPoint;
}

/** How a client run ended. */
export interface ClientSummary {
  status: 'done' | 'dropped';
  /** Rounds whose upload the server accepted. */
  rounds: number[];
  bytesSent: number;
  /** The last global model seen (the final one when status is 'done'). */
  modelSha256: string;
}

/** Thrown inside a round to stop the client at its drop point. */
export class Dropped extends Error {}

export const DEFAULT_TIMING: LinkTiming = { initialS: 0.2, maxS: 5, giveUpS: 120, requestTimeoutS: 30, pollWaitS: 10 };

export class FederatedClient {
  readonly id: string;
  private readonly link: ClientLink;
  private readonly log: (line: string) => void;
  private readonly summary: ClientSummary = { status: 'done', rounds: [], bytesSent: 0, modelSha256: '' };
  /** SCAFFOLD's c_i: the mean gradient of this client's last local run (null before its first). */
  private control: StateDict | null = null;

  constructor(private readonly opts: FederatedClientOptions) {
    this.id = opts.keys.public.id;
    this.link = new ClientLink(opts.transport, opts.keys, opts.server, { ...DEFAULT_TIMING, ...opts.timing });
    const log = opts.onLog ?? (() => {});
    this.log = (line) => log(`${this.id}: ${line}`);
  }

  /**
   * Takes part in rounds until the server reports it is done.
   * @throws NetworkError when the server stays unreachable past retry.give_up_s; FormatError for a
   *   server whose signatures or model hashes do not verify; TrainingError / DataError from local training
   */
  async run(): Promise<ClientSummary> {
    let seen = { round: -1, phase: '' };
    // Rounds handled, and the calibration round's phases by `round/phase`.
    const handled = new Set<string>();
    for (;;) {
      const view = await this.link.view(seen.round, seen.phase, seen.round !== -1);
      seen = { round: view.round, phase: view.phase };
      this.summary.modelSha256 = view.model.sha256;
      if (view.phase === 'done') {
        this.log(`server finished after ${view.committed} rounds; final model sha256 ${view.model.sha256.slice(0, 12)}; raw rows never left this host`);
        return this.summary;
      }
      const calibrating = view.phase === 'statistics' || view.phase === 'calibrate';
      const key = calibrating ? `${view.round}/${view.phase}` : String(view.round);
      if (!view.selected || handled.has(key) || view.uploaded) continue;
      handled.add(key);
      if (view.phase === 'statistics') {
        await this.sendStatistic(view);
        continue;
      }
      if (view.phase === 'calibrate') {
        await this.calibrate(view);
        continue;
      }
      if (view.phase !== 'train') {
        this.log(`round ${view.round}: joined late (phase ${view.phase}); waiting for the next round`);
        continue;
      }
      try {
        const accepted = view.settings.secure_aggregation ? await runSecureRound(this.secureContext(view)) : await this.plainRound(view);
        if (accepted) this.summary.rounds.push(view.round);
      } catch (err) {
        if (!(err instanceof Dropped)) throw err;
        this.log(`round ${view.round}: dropping out (simulated crash after ${this.opts.dropAt!.after})`);
        return { ...this.summary, status: 'dropped' };
      }
    }
  }

  /** Downloads and verifies the round's model and trains on it. */
  async trainRound(view: RoundView): Promise<{ global: GlobalModel; delta: Float32Array; norm: number; clippedFrom: number | null; samples: number; loss: number }> {
    const { model: global, bytes } = await this.link.model(view);
    this.opts.kind.checkModel(global);
    this.log(`round ${view.round}: fetched global model v${global.version} (${bytes} bytes, sha256 ${view.model.sha256.slice(0, 12)}, server signature verified)`);
    this.dropIf(view.round, 'fetch');
    const seed = Math.imul((this.opts.seed ?? 0) ^ 0x5bd1e995, 0x9e3779b1) + view.round >>> 0;
    const { model: own, control } = splitControlVariates(global);
    const s = view.settings;
    const scaffold = control === null ? null : new ControlVariateStep(control, this.control, s.scaffold_scale);
    const prox = s.proximal_mu > 0 ? proximalGradient(own, s.proximal_mu) : null;
    const adjust = scaffold === null ? prox : prox === null ? scaffold.adjust : (named: Parameters<typeof prox>[0]) => (scaffold.adjust(named), prox(named));
    const result = this.opts.kind.train(own, this.opts.data, { epochs: s.local_epochs, seed, ...(adjust === null ? {} : { adjustGradients: adjust }) });
    // Under SCAFFOLD the update also carries c_i − c, so the average of updates moves c to the mean of the c_i.
    const weights = scaffold === null ? result.weights : new Map([...result.weights, ...scaffold.controlState()]);
    if (scaffold !== null) this.control = scaffold.ownState();
    // A fitted statistic (error_scale) is no weight: the calibration round gathers it instead.
    const layout = layoutOf(global.state, this.opts.kind.statistic);
    const delta = flatten(weights, layout);
    const base = flatten(global.state, layout);
    for (let j = 0; j < delta.length; j++) delta[j] = delta[j]! - base[j]!;
    const raw = l2Norm(delta);
    const bound = view.settings.clip_norm;
    let clippedFrom: number | null = null;
    if (raw > bound) {
      // Scale a hair below the bound so float32 rounding cannot push the norm over it.
      const k = (bound / raw) * (1 - 1e-6);
      for (let j = 0; j < delta.length; j++) delta[j] = delta[j]! * k;
      clippedFrom = raw;
    }
    return { global, delta, norm: l2Norm(delta), clippedFrom, samples: result.samples, loss: result.loss };
  }

  /** Stops here when this is the simulated drop point. */
  dropIf(round: number, after: DropPoint['after']): void {
    const d = this.opts.dropAt;
    if (d !== undefined && d.round === round && d.after === after) throw new Dropped();
  }

  private async plainRound(view: RoundView): Promise<boolean> {
    const t = await this.trainRound(view);
    const layout = layoutOf(t.global.state, this.opts.kind.statistic);
    const res = await this.link.upload('update', view.round, view.model.sha256, encodeUpdate(t.delta, layout, t.samples, t.loss));
    this.summary.bytesSent += res.bytes;
    const clip = t.clippedFrom === null ? '' : ` (clipped from ${t.clippedFrom.toFixed(4)})`;
    const trained = `trained on ${t.samples} local rows for ${view.settings.local_epochs} epoch(s), loss ${t.loss.toPrecision(6)}`;
    if (res.status === 'rejected') {
      this.log(`round ${view.round}: ${trained}; update rejected by the server: ${res.reason}: ${res.message}`);
      return false;
    }
    this.log(`round ${view.round}: ${trained}; sent ${res.bytes} bytes: weight update (L2 norm ${t.norm.toFixed(4)}${clip}) and sample count ${t.samples}, encrypted to the server (X25519 + AES-256-GCM) and signed; raw rows never left this host`);
    return true;
  }

  /** Sends the sums of the kind's fitted statistic over the local rows under the final weights. */
  private async sendStatistic(view: RoundView): Promise<void> {
    const { model: global } = await this.link.model(view);
    this.opts.kind.checkModel(global);
    const sums = this.opts.kind.statisticSums(global, this.opts.data);
    const res = await this.link.upload('statistics', view.round, view.model.sha256, encodeStatistic(sums));
    this.summary.bytesSent += res.bytes;
    const what = `${this.opts.kind.statistic} sums over ${sums.count} local items under the final model v${global.version}`;
    if (res.status === 'rejected') {
      this.log(`round ${view.round}: computed ${what}; rejected by the server: ${res.reason}: ${res.message}`);
      return;
    }
    this.log(`round ${view.round}: sent ${res.bytes} bytes: ${what} (${sums.sums.length} numbers and the count), encrypted to the server and signed; raw rows never left this host`);
  }

  /** Scores the local rows under the final model and sends their histogram (for the threshold). */
  private async calibrate(view: RoundView): Promise<void> {
    const { model: global } = await this.link.model(view);
    this.opts.kind.checkModel(global);
    const counts = sketchScores(this.opts.kind.score(global, this.opts.data));
    const res = await this.link.upload('scores', view.round, view.model.sha256, encodeSketch(counts));
    this.summary.bytesSent += res.bytes;
    const what = `${this.opts.data.rows} local rows under the final model v${global.version}`;
    if (res.status === 'rejected') {
      this.log(`round ${view.round}: scored ${what}; histogram rejected by the server: ${res.reason}: ${res.message}`);
      return;
    }
    this.log(`round ${view.round}: scored ${what}; sent ${res.bytes} bytes: a histogram of the scores (log bins ${SKETCH_BINS_PER_DECADE} per decade), encrypted to the server and signed; raw rows never left this host`);
  }

  private secureContext(view: RoundView) {
    return { client: this, view, link: this.link, keys: this.opts.keys, log: this.log, addBytes: (n: number) => (this.summary.bytesSent += n) };
  }
}

/**
 * The client's connection to the server: long-polls of signed round views, verified model
 * downloads and envelope uploads, each retried with exponential backoff while the server is
 * unreachable, up to `retry.give_up_s`.
 */
import { FormatError, NetworkError } from '../errors.js';
import { PROTOCOL, sha256Hex } from './bytes.js';
import { sealEnvelope, type UploadKind } from './envelope.js';
import type { KeyPairs, PublicKeys } from './keys.js';
import { decodeModel, type GlobalModel } from './model-file.js';
import { SIGNED, type RoundView } from './protocol.js';
import { verifyJson } from './signed-json.js';
import type { Transport, TransportResponse } from './transport.js';

/** Backoff and timeout settings of a link. */
export interface LinkTiming {
  initialS: number;
  maxS: number;
  giveUpS: number;
  requestTimeoutS: number;
  pollWaitS: number;
}

/** The outcome of an upload. */
export type UploadResult = { status: 'accepted'; bytes: number } | { status: 'rejected'; reason: string; message: string; bytes: number };

export class ClientLink {
  private cachedModel: { sha256: string; model: GlobalModel; bytes: number } | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly keys: KeyPairs,
    private readonly server: PublicKeys,
    private readonly timing: LinkTiming,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * The server's view after it leaves (round, phase), or at once when `wait` is false.
   * @throws NetworkError when the server stays unreachable for give_up_s; FormatError for a view
   *   whose signature does not verify under the pinned server key
   */
  async view(round: number, phase: string, wait: boolean): Promise<RoundView> {
    const query = { client: this.keys.public.id, round: String(round), phase, wait: wait ? String(this.timing.pollWaitS) : '0' };
    const timeoutMs = (this.timing.requestTimeoutS + (wait ? this.timing.pollWaitS : 0)) * 1000;
    const res = await this.retry('poll', () => this.transport.request({ method: 'GET', path: '/v1/round', query, timeoutMs }));
    if (res.status !== 200) throw new NetworkError(`client: round view must come with status 200, got ${res.status}: ${errorText(res)}`, this.transport.url, res.status);
    const view = parseJson(res) as unknown as RoundView;
    if (view.protocol !== PROTOCOL || !verifyJson(view as unknown as Record<string, unknown>, SIGNED.view, this.server.sign)) {
      throw new FormatError(`client: round view must be signed by the pinned server key (${PROTOCOL}), got a view that does not verify`, 'server');
    }
    return view;
  }

  /**
   * The global model a view names, checked against its signed hash and version (cached by hash).
   * @throws FormatError when the bytes do not match the signed hash or are not a model file
   */
  async model(view: RoundView): Promise<{ model: GlobalModel; bytes: number }> {
    if (this.cachedModel?.sha256 === view.model.sha256) return this.cachedModel;
    const res = await this.retry('download', () => this.transport.request({ method: 'GET', path: '/v1/model', query: { sha256: view.model.sha256 }, timeoutMs: this.timing.requestTimeoutS * 4000 }));
    if (res.status !== 200) throw new NetworkError(`client: model download must come with status 200, got ${res.status}: ${errorText(res)}`, this.transport.url, res.status);
    const sha = sha256Hex(res.body);
    if (sha !== view.model.sha256) throw new FormatError(`client: global model must match the signed sha256 ${view.model.sha256.slice(0, 16)}…, got ${sha.slice(0, 16)}… (altered in transit)`, 'model');
    const model = decodeModel(res.body, 'global model');
    if (model.version !== view.model.version || model.kind !== view.model.kind) {
      throw new FormatError(`client: global model must be ${view.model.kind} v${view.model.version} as signed, got ${model.kind} v${model.version}`, 'model');
    }
    this.cachedModel = { sha256: sha, model, bytes: res.body.length };
    return this.cachedModel;
  }

  /** Seals and uploads one message. A 409 'replay' after a retried send means the first one arrived. */
  async upload(kind: UploadKind, round: number, modelSha256: string, payload: Uint8Array): Promise<UploadResult> {
    const body = sealEnvelope({ kind, round, modelSha256, payload, client: this.keys, server: this.server });
    let attempts = 0;
    const res = await this.retry('upload', () => {
      attempts++;
      return this.transport.request({ method: 'POST', path: '/v1/upload', body, contentType: 'application/octet-stream', timeoutMs: this.timing.requestTimeoutS * 1000 });
    });
    if (res.status === 200) return { status: 'accepted', bytes: body.length };
    const doc = parseJson(res) as { reason?: string; error?: string };
    if (res.status === 409 && doc.reason === 'replay' && attempts > 1) return { status: 'accepted', bytes: body.length };
    return { status: 'rejected', reason: doc.reason ?? `http-${res.status}`, message: doc.error ?? errorText(res), bytes: body.length };
  }

  /** Retries `send` on network errors and 5xx answers with exponential backoff, up to give_up_s. */
  private async retry(what: string, send: () => Promise<TransportResponse>): Promise<TransportResponse> {
    const start = Date.now();
    let backoff = this.timing.initialS;
    for (;;) {
      let failure: NetworkError;
      try {
        const res = await send();
        if (res.status < 500) return res;
        failure = new NetworkError(`client: server ${this.transport.url} must answer ${what} without a server error, got ${res.status}: ${errorText(res)}`, this.transport.url, res.status);
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        failure = err;
      }
      const waited = (Date.now() - start) / 1000;
      if (waited + backoff > this.timing.giveUpS) {
        throw new NetworkError(`${failure.message} (gave up after ${waited.toFixed(1)} s of retries, retry.give_up_s = ${this.timing.giveUpS})`, this.transport.url, failure.status);
      }
      await this.sleep(backoff * 1000);
      backoff = Math.min(this.timing.maxS, backoff * 2);
    }
  }
}

function parseJson(res: TransportResponse): Record<string, unknown> {
  try {
    const v = JSON.parse(new TextDecoder().decode(res.body)) as unknown;
    if (v !== null && typeof v === 'object') return v as Record<string, unknown>;
  } catch {
    // below
  }
  throw new FormatError(`client: server answer must be JSON, got ${res.body.length} bytes of ${res.contentType || 'unknown type'}`, 'server');
}

function errorText(res: TransportResponse): string {
  const text = new TextDecoder().decode(res.body.subarray(0, 300));
  try {
    const doc = JSON.parse(text) as { error?: string };
    if (typeof doc.error === 'string') return doc.error;
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').slice(0, 120);
}

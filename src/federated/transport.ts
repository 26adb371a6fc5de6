/**
 * How a client reaches the server: over HTTP(S) (node:http) or in-process (many clients in one
 * process for tests and large simulations). Both carry the same bytes to `FederatedServer.handle`.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InvalidOptionError, NetworkError } from '../errors.js';
import type { FederatedServer } from './server.js';

export interface TransportRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: Uint8Array;
  contentType?: string;
  /** Give up (NetworkError) when no complete answer arrives in this time. */
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
}

/** A way to send one request to the server. */
export interface Transport {
  /** Where requests go, for messages. */
  readonly url: string;
  /** @throws NetworkError when the server cannot be reached, the connection fails or the answer is late */
  request(req: TransportRequest): Promise<TransportResponse>;
}

/**
 * Calls a server object directly. `server` is a getter so that a test can stop and restart the
 * server; while it returns null, requests fail as a refused connection would.
 */
export class InProcessTransport implements Transport {
  readonly url = 'in-process';
  constructor(private readonly server: () => FederatedServer | null) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    const server = this.server();
    if (server === null) throw new NetworkError('client: server in-process must accept connections, got ECONNREFUSED (server stopped)', this.url);
    const query = new URLSearchParams(req.query ?? {});
    // Copy the body both ways: the two sides must never share buffers, as over a network.
    const res = await server.handle({ method: req.method, path: req.path, query, contentType: req.contentType, body: req.body === undefined ? new Uint8Array(0) : req.body.slice() });
    return { status: res.status, contentType: res.contentType, body: res.body.slice() };
  }
}

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** PEM CA certificate(s) to trust for https (e.g. a self-signed server certificate). */
  ca?: string | Uint8Array;
  /** Largest answer accepted (the global model is the largest). Default 1 GiB. */
  maxResponseBytes?: number;
}

/** Requests over HTTP or HTTPS to `baseUrl` (e.g. `http://127.0.0.1:8443`). */
export class HttpTransport implements Transport {
  readonly url: string;
  private readonly base: URL;

  /** @throws InvalidOptionError for a URL that is not http(s) */
  constructor(baseUrl: string, private readonly options: HttpTransportOptions = {}) {
    let base: URL;
    try {
      base = new URL(baseUrl);
    } catch {
      throw new InvalidOptionError(`client: server URL must be an http:// or https:// URL, got ${JSON.stringify(baseUrl)}`, 'server');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InvalidOptionError(`client: server URL must be an http:// or https:// URL, got ${JSON.stringify(baseUrl)}`, 'server');
    this.base = base;
    this.url = base.origin;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    const url = new URL(req.path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const maxBytes = this.options.maxResponseBytes ?? 1 << 30;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = {};
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/octet-stream';
      headers['content-length'] = req.body.length;
    }
    return new Promise((resolve, reject) => {
      const fail = (what: string, code?: string): void => reject(new NetworkError(`client: server ${this.url} must ${what}, got ${code ?? 'an error'}`, this.url));
      const r = send(url, { method: req.method, headers, ...(this.options.ca !== undefined ? { ca: Buffer.from(this.options.ca) } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            r.destroy();
            fail(`answer in at most ${maxBytes} bytes`, `more (${req.method} ${req.path})`);
          } else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', (err: NodeJS.ErrnoException) => fail('send a complete answer', err.code ?? err.message));
      });
      r.setTimeout(req.timeoutMs, () => {
        r.destroy();
        fail(`answer within ${(req.timeoutMs / 1000).toFixed(1)} s`, `no answer (${req.method} ${req.path})`);
      });
      r.on('error', (err: NodeJS.ErrnoException) => fail('accept connections', err.code ?? err.message));
      r.end(req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength));
    });
  }
}

/**
 * The server core on node:http (or node:https when a certificate and key are given), with limits:
 * body size (413 before reading past it), time to receive a request (slow-loris requests get 408
 * and are closed), and the number of connections. Every failure is an HTTP answer or a closed
 * socket; nothing here can throw out of the request handler.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError } from '../errors.js';
import type { FlResponse } from './protocol.js';
import type { FederatedServer } from './server.js';

/** Options of {@link serveHttp}. */
export interface HttpServeOptions {
  /** Interface to bind, default 127.0.0.1. */
  host?: string;
  /** Port, default 0 (an ephemeral port). */
  port?: number;
  /** PEM certificate and private key: serve HTTPS. */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Time to receive a whole request (headers and body), ms. */
  requestTimeoutMs: number;
  /** Most open connections. */
  maxConnections: number;
}

/** A listening server. */
export interface HttpServerHandle {
  url: string;
  port: number;
  /** Stops accepting, closes idle and open connections. */
  close(): Promise<void>;
}

/**
 * Serves `server` over HTTP(S).
 * @throws InvalidOptionError when the address cannot be bound (in use, not permitted)
 */
export async function serveHttp(server: FederatedServer, opts: HttpServeOptions): Promise<HttpServerHandle> {
  const timeouts = {
    requestTimeout: opts.requestTimeoutMs,
    headersTimeout: opts.requestTimeoutMs,
    // Node checks the two timeouts on this period; keep it well below them.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(opts.requestTimeoutMs / 4))),
    maxHeaderSize: 16 * 1024,
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => void respond(server, opts, req, res);
  const http: Server = opts.tls !== undefined ? createHttpsServer({ ...timeouts, cert: Buffer.from(opts.tls.cert), key: Buffer.from(opts.tls.key) }, handler) : createHttpServer(timeouts, handler);
  http.maxConnections = opts.maxConnections;
  http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => reject(new InvalidOptionError(`server: listen address ${host}:${opts.port ?? 0} must be free and permitted, got ${err.code ?? err.message}`, 'listen')));
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const scheme = opts.tls !== undefined ? 'https' : 'http';
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

async function respond(server: FederatedServer, opts: HttpServeOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (r: FlResponse, close = false): void => {
    if (res.headersSent) return;
    res.writeHead(r.status, { 'content-type': r.contentType, 'content-length': r.body.length, ...(close ? { connection: 'close' } : {}) });
    res.end(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
  };
  const json = (status: number, error: string): FlResponse => ({ status, contentType: 'application/json', body: new TextEncoder().encode(JSON.stringify({ error })) });
  try {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > opts.maxBodyBytes) {
      send(json(413, `request: body must be at most ${opts.maxBodyBytes} bytes, got a content-length of ${declared}`), true);
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const body = await new Promise<Uint8Array | null>((resolve) => {
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBodyBytes) {
          send(json(413, `request: body must be at most ${opts.maxBodyBytes} bytes, got more`), true);
          req.destroy();
          resolve(null);
        } else chunks.push(c);
      });
      req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      req.on('error', () => resolve(null));
      req.on('close', () => resolve(null));
    });
    if (body === null) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = await server.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body });
    send(answer);
  } catch {
    send(json(500, 'server: internal error'), true);
  }
}

import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/errors.js';
import { FederatedServer, federatedKind, HttpTransport, serveHttp, type HttpServerHandle } from '../../src/federated/index.js';
import { ClientLink } from '../../src/federated/client-link.js';
import { expectAsyncError } from '../tensor/expect-error.js';
import { makeParty, smallConfig, tempDir, testFlConfig } from './helpers.js';

const party = makeParty(2);
const state = tempDir();
let server: FederatedServer;
let http: HttpServerHandle;

beforeAll(async () => {
  server = FederatedServer.open({ stateDir: state.dir, keys: party.server, enrollment: party.enrollment, config: testFlConfig({ roundTimeoutS: 600 }), kind: federatedKind(smallConfig()) });
  http = await serveHttp(server, { maxBodyBytes: 64 * 1024, requestTimeoutMs: 1000, maxConnections: 16 });
});

afterAll(async () => {
  await http.close();
  server.close();
  state.cleanup();
});

async function fetchRaw(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await fetch(`${http.url}${path}`, init);
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

/** Sends raw bytes on a socket; resolves with what the server wrote before closing, or 'open' after `ms`. */
function rawExchange(bytes: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(http.port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`open${got}`);
    }, ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', () => undefined);
  });
}

describe('federated HTTP server: bad input gets a 4xx with a reason, never a crash', () => {
  it('answers the health route', async () => {
    const r = await fetchRaw('/v1/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', round: 1, phase: 'train' });
  });

  it('404 for an unknown route, 405 for a wrong method', async () => {
    expect(await fetchRaw('/v1/nope')).toMatchObject({ status: 404, body: { error: expect.stringMatching(/route must be one of/) } });
    expect(await fetchRaw('/v1/upload')).toMatchObject({ status: 405, body: { error: expect.stringMatching(/method must be POST, got GET/) } });
    expect(await fetchRaw('/v1/round', { method: 'DELETE' })).toMatchObject({ status: 405 });
  });

  it('415 for a wrong content type, 400 for a body that is not an envelope', async () => {
    expect(await fetchRaw('/v1/upload', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 415, body: { error: expect.stringMatching(/content type must be application\/octet-stream, got application\/json/) } });
    expect(await fetchRaw('/v1/upload', { method: 'POST', body: '{"not": json', headers: { 'content-type': 'application/octet-stream' } })).toMatchObject({ status: 400, body: { reason: 'malformed' } });
    const header = Buffer.from('{"kind":"update"'); // DFL1 + a header that is not JSON
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const body = Buffer.concat([Buffer.from('DFL1'), len, header, Buffer.alloc(100)]);
    expect(await fetchRaw('/v1/upload', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/header must be UTF-8 JSON/) } });
  });

  it('403 for a round view asked by a client that is not enrolled', async () => {
    expect(await fetchRaw('/v1/round?client=mallory')).toMatchObject({ status: 403, body: { reason: 'unknown-client' } });
  });

  it('413 for an oversize body, declared or streamed', async () => {
    const big = new Uint8Array(100 * 1024);
    expect(await fetchRaw('/v1/upload', { method: 'POST', body: big, headers: { 'content-type': 'application/octet-stream' } })).toMatchObject({ status: 413, body: { error: expect.stringMatching(/body must be at most 65536 bytes/) } });
    const chunked = await rawExchange(`POST /v1/upload HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n${(100 * 1024).toString(16)}\r\n${'x'.repeat(100 * 1024)}\r\n0\r\n\r\n`, 3000);
    expect(chunked).toMatch(/^HTTP\/1\.1 413/);
  });

  it('closes slow-loris requests (headers or body never finished) with 408 after the request timeout', async () => {
    const t0 = Date.now();
    const headers = await rawExchange('GET /v1/health HTTP/1.1\r\nhost: x\r\nx-slow: 1\r\n', 5000);
    expect(headers).toMatch(/^HTTP\/1\.1 408/);
    const body = await rawExchange('POST /v1/upload HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\nDFL1', 5000);
    expect(body).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(5000);
    // Still serving.
    expect((await fetchRaw('/v1/health')).status).toBe(200);
  });

  it('answers a signed round view and the model over HTTP', async () => {
    const link = new ClientLink(new HttpTransport(http.url), party.clients[0]!, party.server.public, { initialS: 0.05, maxS: 0.1, giveUpS: 1, requestTimeoutS: 2, pollWaitS: 1 });
    const view = await link.view(-1, '', false);
    expect(view.round).toBe(1);
    const { model } = await link.model(view);
    expect(model.kind).toBe('autoencoder');
  });
});

describe('federated client: unreachable servers are a typed one-line error', () => {
  it('NetworkError when the server refuses connections', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const link = new ClientLink(new HttpTransport(`http://127.0.0.1:${port}`), party.clients[0]!, party.server.public, { initialS: 0.05, maxS: 0.1, giveUpS: 0.3, requestTimeoutS: 1, pollWaitS: 1 });
    await expectAsyncError(() => link.view(-1, '', false), NetworkError, new RegExp(`server http://127\\.0\\.0\\.1:${port} must accept connections, got ECONNREFUSED \\(gave up after`));
  });

  it('NetworkError when the server accepts but never answers', async () => {
    const mute: Server = createServer(() => undefined);
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (mute.address() as { port: number }).port;
      const link = new ClientLink(new HttpTransport(`http://127.0.0.1:${port}`), party.clients[0]!, party.server.public, { initialS: 0.05, maxS: 0.1, giveUpS: 0.2, requestTimeoutS: 0.3, pollWaitS: 1 });
      await expectAsyncError(() => link.view(-1, '', false), NetworkError, /must answer within 0\.3 s, got no answer \(GET \/v1\/round\)/);
    } finally {
      mute.close();
    }
  });
});

describe('federated HTTPS', () => {
  it('serves over TLS and a client trusting the certificate gets a verified view', async () => {
    const cert = readFileSync('test/fixtures/federated/tls-cert.pem');
    const key = readFileSync('test/fixtures/federated/tls-key.pem');
    const tls = await serveHttp(server, { tls: { cert, key }, maxBodyBytes: 64 * 1024, requestTimeoutMs: 2000, maxConnections: 4 });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const link = new ClientLink(new HttpTransport(tls.url, { ca: cert }), party.clients[1]!, party.server.public, { initialS: 0.05, maxS: 0.1, giveUpS: 0.5, requestTimeoutS: 2, pollWaitS: 1 });
      expect((await link.view(-1, '', false)).round).toBe(1);
      const untrusting = new ClientLink(new HttpTransport(tls.url), party.clients[1]!, party.server.public, { initialS: 0.05, maxS: 0.1, giveUpS: 0.2, requestTimeoutS: 2, pollWaitS: 1 });
      await expectAsyncError(() => untrusting.view(-1, '', false), NetworkError, /must accept connections, got DEPTH_ZERO_SELF_SIGNED_CERT/);
    } finally {
      await tls.close();
    }
  });
});

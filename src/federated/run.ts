/**
 * The two process-level entry points the CLI calls: a server over HTTP(S) from key files, an
 * enrollment list and a state dir, and a client from its key file, the server's public key and a
 * local data file. Both report through `onLog` and never print.
 */
import { readInputFile } from '../io/index.js';
import { InvalidOptionError } from '../errors.js';
import type { DadmConfig } from '../config/index.js';
import { FederatedClient, type ClientSummary, type DropPoint } from './client.js';
import type { FederatedConfig } from './config.js';
import { readEnrollment } from './enrollment.js';
import { serveHttp } from './http-server.js';
import { readKeyFile, readPublicKeyFile } from './keys.js';
import { autoencoderKind } from './model-kind.js';
import { FederatedServer, type ServerSummary } from './server.js';
import { HttpTransport } from './transport.js';

/** Options of {@link runServer}. */
export interface RunServerOptions {
  /** State directory (created if missing; resumed if it holds rounds). */
  stateDir: string;
  /** `server.key` from keygen. */
  serverKey: string;
  /** `enrollment.json`: the clients allowed in. */
  enrollment: string;
  /** `host:port`; default `127.0.0.1:0` (an ephemeral port). */
  listen?: string;
  config: FederatedConfig;
  /** Model architecture and training settings; `training.seed` seeds the initial model. */
  dadm: DadmConfig;
  /** After the last round, keep answering until every client saw the end, at most this long. Default 10 s. */
  lingerS?: number;
  onLog?: (line: string) => void;
  /** Called with the URL once the server listens (before the first round closes). */
  onListening?: (url: string) => void;
  /** Stops the server early (its state stays resumable). */
  signal?: AbortSignal;
}

/** Splits `host:port` (IPv6 in brackets). @throws InvalidOptionError for anything else */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new InvalidOptionError(`server: listen must be host:port (e.g. 127.0.0.1:8443), got ${JSON.stringify(listen)}`, 'listen');
  return { host: m[1] ?? m[2]!, port };
}

/**
 * Runs a federated server until its last round is committed (or it gives up, or `signal` aborts).
 * @throws InvalidOptionError / FormatError for unreadable keys, enrollment, state dir or TLS files, or a busy address
 */
export async function runServer(opts: RunServerOptions): Promise<ServerSummary | null> {
  const keys = readKeyFile(opts.serverKey, 'server');
  const enrollment = readEnrollment(opts.enrollment, opts.config.maxClients);
  const kind = autoencoderKind(opts.dadm);
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:0');
  const tls = opts.config.tls.cert !== null ? { cert: readTlsFile(opts.config.tls.cert), key: readTlsFile(opts.config.tls.key!) } : undefined;
  const server = FederatedServer.open({ stateDir: opts.stateDir, keys, enrollment, config: opts.config, initialModel: () => kind.initialModel(opts.dadm.training.seed), ...(opts.onLog ? { onLog: opts.onLog } : {}) });
  let http;
  try {
    http = await serveHttp(server, {
      host,
      port,
      ...(tls ? { tls } : {}),
      // An update is 4 bytes per parameter plus headers; secure-aggregation share lists grow with the neighbours.
      maxBodyBytes: opts.config.maxBodyBytes || 8 * server.layout.size + (1 << 20),
      requestTimeoutMs: opts.config.requestTimeoutS * 1000,
      maxConnections: 2 * enrollment.size + 64,
    });
  } catch (err) {
    server.close();
    throw err;
  }
  opts.onLog?.(`server: listening on ${http.url} (${tls ? 'TLS' : 'plain HTTP: use TLS or a private network in production'})`);
  opts.onListening?.(http.url);
  try {
    const stopped = new Promise<null>((resolve) => opts.signal?.addEventListener('abort', () => resolve(null), { once: true }));
    const summary = await Promise.race([server.finished, stopped]);
    if (summary !== null) {
      const until = Date.now() + (opts.lingerS ?? 10) * 1000;
      while (!server.allClientsDone && Date.now() < until && !opts.signal?.aborted) await new Promise((r) => setTimeout(r, 50));
    }
    return summary;
  } finally {
    await http.close();
    server.close();
  }
}

function readTlsFile(path: string): Uint8Array {
  return readInputFile(path, { what: 'TLS file' });
}

/** Options of {@link runClient}. */
export interface RunClientOptions {
  /** Server URL, `http(s)://host:port`. */
  server: string;
  /** This client's `<id>.key`. */
  key: string;
  /** The server's `server.pub.json`, pinned. */
  serverPublicKey: string;
  /** Local data `.npy` `[rows, features]`: it never leaves this process. */
  data: string;
  /** Must match the server's model (architecture) and holds the local training settings. */
  dadm: DadmConfig;
  /** Retry and timeout settings (the `federated:` section); default the defaults. */
  config?: Pick<FederatedConfig, 'retry' | 'requestTimeoutS' | 'pollWaitS'>;
  /** Base seed of local shuffling. Default 0. */
  seed?: number;
  /** PEM CA file to trust for an https server with a private certificate. */
  ca?: string;
  onLog?: (line: string) => void;
  /** Simulations only: crash at this point. */
  dropAt?: DropPoint;
}

/**
 * Runs a federated client until the server is done.
 * @throws InvalidOptionError / FormatError / DataError for unreadable keys or data; NetworkError
 *   when the server stays unreachable past retry.give_up_s
 */
export async function runClient(opts: RunClientOptions): Promise<ClientSummary> {
  const keys = readKeyFile(opts.key, 'client');
  const server = readPublicKeyFile(opts.serverPublicKey, 'server');
  const kind = autoencoderKind(opts.dadm);
  const data = kind.loadData(opts.data);
  const transport = new HttpTransport(opts.server, opts.ca === undefined ? {} : { ca: readTlsFile(opts.ca) });
  const c = opts.config;
  const client = new FederatedClient({
    keys,
    server,
    transport,
    kind,
    data,
    seed: opts.seed ?? 0,
    ...(c ? { timing: { ...c.retry, requestTimeoutS: c.requestTimeoutS, pollWaitS: c.pollWaitS } } : {}),
    ...(opts.onLog ? { onLog: opts.onLog } : {}),
    ...(opts.dropAt ? { dropAt: opts.dropAt } : {}),
  });
  opts.onLog?.(`${keys.public.id}: ${data.count} local rows loaded from ${opts.data}; they stay on this host, only clipped weight updates are sent`);
  return client.run();
}

/**
 * The two process-level runs `dadm federated server|client` call: a server over HTTP(S) from key
 * files, an enrollment list and a state dir, and a client from its key file, the server's public key
 * and a local data file. Both take one dadm config (model, local training, and its `federated:`
 * section), report through `onLog` and never print.
 */
import { readInputFile } from '../io/index.js';
import type { DadmConfig } from '../config/index.js';
import { openDataFile } from '../data/index.js';
import { InvalidOptionError } from '../errors.js';
import { FederatedClient, type ClientSummary, type DropPoint } from './client.js';
import { checkFederatedConfig } from './config.js';
import { readEnrollment } from './enrollment.js';
import { serveHttp } from './http-server.js';
import { readKeyFile, readPublicKeyFile } from './keys.js';
import { openLocalData } from './local-data.js';
import { federatedKind } from './model-kind.js';
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
  /** The model (architecture; `training.seed` seeds the initial model), `threshold.quantile` and the `federated:` section. */
  config: DadmConfig;
  /** Row width, needed with `schema: none` (the server reads no data). */
  width?: number;
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
  const fl = opts.config.federated;
  checkFederatedConfig(fl, 'server');
  const kind = federatedKind(opts.config, opts.width);
  const keys = readKeyFile(opts.serverKey, 'server');
  const enrollment = readEnrollment(opts.enrollment, fl.maxClients);
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:0');
  const tls = fl.tls.cert !== null ? { cert: readTlsFile(fl.tls.cert), key: readTlsFile(fl.tls.key!) } : undefined;
  const server = FederatedServer.open({ stateDir: opts.stateDir, keys, enrollment, config: fl, kind, ...(opts.onLog ? { onLog: opts.onLog } : {}) });
  let http;
  try {
    http = await serveHttp(server, {
      host,
      port,
      ...(tls ? { tls } : {}),
      // An update is 4 bytes per parameter plus headers; secure-aggregation share lists grow with the neighbours.
      maxBodyBytes: fl.maxBodyBytes || 8 * server.layout.size + (1 << 20),
      requestTimeoutMs: fl.requestTimeoutS * 1000,
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
  /** `.npy` `[rows]` integer host id of every data row (by-host splits; sequence kinds' windows). */
  hosts?: string;
  /** Must build the server's model (architecture) and holds the local training settings; its `federated:` section gives retries and timeouts. */
  config: DadmConfig;
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
  const transport = new HttpTransport(opts.server, opts.ca === undefined ? {} : { ca: readTlsFile(opts.ca) });
  const width = opts.config.schema === 'none' ? openDataWidth(opts.data) : undefined;
  const kind = federatedKind(opts.config, width);
  const data = openLocalData(opts.data, { config: opts.config, schema: kind.schema, ...(opts.hosts !== undefined ? { hosts: opts.hosts } : {}) });
  try {
    const c = opts.config.federated;
    const client = new FederatedClient({
      keys,
      server,
      transport,
      kind,
      data,
      seed: opts.seed ?? 0,
      timing: { ...c.retry, requestTimeoutS: c.requestTimeoutS, pollWaitS: c.pollWaitS },
      ...(opts.onLog ? { onLog: opts.onLog } : {}),
      ...(opts.dropAt ? { dropAt: opts.dropAt } : {}),
    });
    const hosts = data.hosts === null ? '' : ` of ${new Set(data.hosts).size} hosts`;
    opts.onLog?.(`${keys.public.id}: ${data.rows} local rows${hosts} checked in ${opts.data}; they stay on this host, only clipped weight updates and a score histogram are sent`);
    return await client.run();
  } finally {
    data.close();
  }
}

/** The width of a data file (for `schema: none`, where the model width is the data's). */
function openDataWidth(path: string): number {
  const file = openDataFile(path);
  file.reader.close();
  return file.cols;
}

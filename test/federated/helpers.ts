/** Shared fixtures of the federated tests: keys in memory, small models, in-process runs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeConfig, type DadmConfig, type PartialDadmConfig } from '../../src/pipeline/index.js';
import { generateHostData, normalizeCore, toModelInput } from '../../src/schema/index.js';
import {
  FederatedClient,
  FederatedServer,
  InProcessTransport,
  federatedKind,
  memoryLocalData,
  decodeModel,
  defaultFederatedConfig,
  flatten,
  layoutOf,
  generateKeyPairs,
  type ClientSummary,
  type DropPoint,
  type FederatedConfig,
  type FederatedModelKind,
  type KeyPairs,
  type LocalData,
  type PublicKeys,
  type ServerSummary,
} from '../../src/federated/index.js';

/** The weights of a model file as one flat vector (tensors sorted by name). */
export function modelWeights(bytes: Uint8Array): Float32Array {
  const m = decodeModel(bytes, 'model');
  return flatten(m.state, layoutOf(m.state));
}

/** A small autoencoder config (64 -> 8 -> 4), fast to train. */
export function smallConfig(over: PartialDadmConfig = {}): DadmConfig {
  return mergeConfig({ ...over, autoencoder: { hiddenDims: [8, 4] }, training: { batchSize: 64, ...over.training } });
}

/** Federated settings for tests: short timeouts, fast retries. */
export function testFlConfig(over: Partial<FederatedConfig> = {}): FederatedConfig {
  return { ...defaultFederatedConfig(), rounds: 2, roundTimeoutS: 20, phaseTimeoutS: 10, requestTimeoutS: 5, pollWaitS: 2, retry: { initialS: 0.02, maxS: 0.2, giveUpS: 10 }, ...over };
}

export interface Party {
  server: KeyPairs;
  clients: KeyPairs[];
  enrollment: Map<string, PublicKeys>;
}

/** Server and `n` client key pairs, the clients enrolled. */
export function makeParty(n: number): Party {
  const server = generateKeyPairs('server');
  const clients = Array.from({ length: n }, (_, i) => generateKeyPairs('client', `c${String(i + 1).padStart(2, '0')}`));
  return { server, clients, enrollment: new Map(clients.map((c) => [c.public.id, c.public])) };
}

/** `n` model-input rows (endpoint-v1, width 64) of synthetic hosts, as a client's local data. */
export function hostRows(n: number, seed: number): LocalData {
  const h = generateHostData({ rows: n, seed });
  const config = smallConfig();
  return memoryLocalData(toModelInput(normalizeCore(h.raw)), n, 64, { config, schema: federatedKind(config).schema, source: `hosts-${seed}` });
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'dadm-fl-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server on `kind` (default: the small autoencoder) for tests that drive it by hand. */
export function openServer(o: { party: Party; stateDir: string; config: FederatedConfig; kind?: FederatedModelKind }): FederatedServer {
  return FederatedServer.open({ stateDir: o.stateDir, keys: o.party.server, enrollment: o.party.enrollment, config: o.config, kind: o.kind ?? federatedKind(smallConfig()) });
}

/** Options of {@link runInProcess}. */
export interface InProcessRun {
  party: Party;
  stateDir: string;
  config: FederatedConfig;
  data: LocalData[];
  dropAt?: (DropPoint | undefined)[];
  seed?: number;
  log?: string[];
  /** The model kind (default: the small autoencoder with `seed`). */
  kind?: FederatedModelKind;
}

/** Runs a server and its clients in this process until the server finishes. */
export async function runInProcess(run: InProcessRun): Promise<{ server: ServerSummary; clients: (ClientSummary | Error)[] }> {
  const kind = run.kind ?? federatedKind(smallConfig({ training: { seed: run.seed ?? 0 } }));
  const log = (line: string): void => void run.log?.push(line);
  const server = FederatedServer.open({ stateDir: run.stateDir, keys: run.party.server, enrollment: run.party.enrollment, config: run.config, kind, onLog: log });
  const transport = new InProcessTransport(() => server);
  try {
    const clients = run.party.clients.map((keys, i) =>
      new FederatedClient({ keys, server: run.party.server.public, transport, kind, data: run.data[i]!, seed: i, timing: { ...run.config.retry, requestTimeoutS: run.config.requestTimeoutS, pollWaitS: run.config.pollWaitS }, onLog: log, ...(run.dropAt?.[i] ? { dropAt: run.dropAt[i] } : {}) })
        .run()
        .catch((e: Error) => e),
    );
    const summary = await server.finished;
    return { server: summary, clients: await Promise.all(clients) };
  } finally {
    server.close();
  }
}

/**
 * Runs a server and its clients in this process, dropping the server object once `when(server)`
 * holds (checked every millisecond; as after kill -9, nothing is flushed beyond what the server
 * already did) and opening a new one on the same state dir, which the clients then talk to.
 */
export async function runWithServerSwap(run: InProcessRun & { kind: FederatedModelKind; when: (server: FederatedServer) => boolean }): Promise<ServerSummary> {
  const open = (): FederatedServer => FederatedServer.open({ stateDir: run.stateDir, keys: run.party.server, enrollment: run.party.enrollment, config: run.config, kind: run.kind });
  let server = open();
  const first = server;
  const replaced = new Promise<FederatedServer>((resolve) => {
    const poll = setInterval(() => {
      if (!run.when(first)) return;
      clearInterval(poll);
      first.close();
      server = open();
      resolve(server);
    }, 1);
  });
  const transport = new InProcessTransport(() => server);
  const timing = { ...run.config.retry, requestTimeoutS: run.config.requestTimeoutS, pollWaitS: run.config.pollWaitS };
  const clients = run.party.clients.map((keys, i) => new FederatedClient({ keys, server: run.party.server.public, transport, kind: run.kind, data: run.data[i]!, seed: i, timing }).run());
  const second = await replaced;
  try {
    const summary = await second.finished;
    await Promise.all(clients);
    return summary;
  } finally {
    second.close();
  }
}

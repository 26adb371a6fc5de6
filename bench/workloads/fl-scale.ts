/**
 * FL-scale (docs/federated.md): one plain round with 1,000 clients, in-process.
 * (1) Memory: 1,000 sealed updates of the default autoencoder (4,744 parameters, 19 KB each) are fed
 *     to `FederatedServer.handle` one at a time (each built, sent and dropped), and the server's
 *     retained memory (heap + array buffers after a full GC) is read at 100, 250, 500 and 999
 *     accepted updates: FedAvg (running exact sum) beside coordinate-wise median (stores every update).
 * (2) Time: the server's time per accepted upload in batches of 37 concurrent ones (verify, decrypt,
 *     check, journal append, add; one group fsync per batch),
 *     beside Python `cryptography` doing the same verify + X25519 + HKDF + AES-GCM on the same sizes.
 * (3) One complete round with 1,000 `FederatedClient`s over the in-process transport (local
 *     training replaced by a fixed small update, so the protocol is what is timed).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FederatedClient, FederatedServer, InProcessTransport, defaultFederatedConfig, federatedKind, generateKeyPairs, memoryLocalData, sealEnvelope, type FederatedConfig, type FederatedModelKind, type KeyPairs } from '../../src/federated/index.js';
import { encodeUpdate } from '../../src/federated/update-codec.js';
import { defaultConfig } from '../../src/pipeline/index.js';
import { Random, Tensor } from '../../src/tensor/index.js';
import { median, runPython, type BenchRow, type Workload } from '../harness.js';

const CLIENTS = 1000;
const CHECKPOINTS = [100, 250, 500, 999];
const BATCH = 37;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function retained(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function flConfig(over: Partial<FederatedConfig>): FederatedConfig {
  return { ...defaultFederatedConfig(), rounds: 1, roundTimeoutS: 3600, maxClients: CLIENTS, ...over };
}

async function feed(aggregation: FederatedConfig['aggregation'], server: KeyPairs, clients: KeyPairs[]): Promise<{ heap: Map<number, number>; perUploadMs: number[]; commitMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-scale-'));
  const fl = FederatedServer.open({ stateDir: dir, keys: server, enrollment: new Map(clients.map((c) => [c.public.id, c.public])), config: flConfig({ aggregation }), kind: federatedKind(defaultConfig()) });
  try {
    const view = JSON.parse(new TextDecoder().decode((await fl.handle({ method: 'GET', path: '/v1/round', query: new URLSearchParams(), contentType: undefined, body: new Uint8Array(0) })).body)) as { round: number; model: { sha256: string } };
    const heap = new Map<number, number>([[0, retained()]]);
    const perUploadMs: number[] = [];
    let commitMs = 0;
    const seal = (i: number): Uint8Array => {
      const values = new Random(i).normalFill(new Float32Array(fl.layout.size), 0, 1e-3);
      return sealEnvelope({ kind: 'update', round: view.round, modelSha256: view.model.sha256, payload: encodeUpdate(values, fl.layout, 100 + i, 0.1), client: clients[i]!, server: server.public });
    };
    const send = async (body: Uint8Array): Promise<void> => {
      const res = await fl.handle({ method: 'POST', path: '/v1/upload', query: new URLSearchParams(), contentType: 'application/octet-stream', body });
      if (res.status !== 200) throw new Error(`FL-scale: upload refused: ${new TextDecoder().decode(res.body)}`);
    };
    // Uploads arrive BATCH at a time, as from concurrent clients; the journal's group fsync is shared.
    for (let i = 0; i < CLIENTS - 1; i += BATCH) {
      const bodies = Array.from({ length: Math.min(BATCH, CLIENTS - 1 - i) }, (_, k) => seal(i + k));
      const t0 = performance.now();
      await Promise.all(bodies.map(send));
      perUploadMs.push((performance.now() - t0) / bodies.length);
      const done = i + bodies.length;
      for (const c of CHECKPOINTS) if (c > i && c <= done) heap.set(c, retained());
    }
    const last = seal(CLIENTS - 1);
    const t0 = performance.now();
    await send(last);
    commitMs = performance.now() - t0;
    // The last upload commits the round synchronously; the calibration round that follows is not measured here.
    if (!existsSync(join(dir, 'rounds', 'round-000001.json'))) throw new Error('FL-scale: the round did not commit');
    return { heap, perUploadMs, commitMs };
  } finally {
    fl.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fullRound(server: KeyPairs, clients: KeyPairs[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-scale-round-'));
  const kind = fixedStepKind();
  const fl = FederatedServer.open({ stateDir: dir, keys: server, enrollment: new Map(clients.map((c) => [c.public.id, c.public])), config: flConfig({}), kind });
  const transport = new InProcessTransport(() => fl);
  try {
    const t0 = performance.now();
    const data = memoryLocalData(new Float32Array(64), 1, 64, { config: kind.config, schema: kind.schema, source: 'none' });
    const runs = clients.map((keys) => new FederatedClient({ keys, server: server.public, transport, kind, data, timing: { pollWaitS: 30 } }).run());
    const summary = await fl.finished;
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(runs);
    if (summary.rounds[0]?.accepted.length !== CLIENTS) throw new Error(`FL-scale: round had ${summary.rounds[0]?.accepted.length} clients`);
    return seconds;
  } finally {
    fl.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The default autoencoder whose local training is replaced by a fixed step (+1e-3 on every weight), so the protocol is what is timed. */
export function fixedStepKind(): FederatedModelKind {
  const base = federatedKind(defaultConfig());
  return {
    ...base,
    train: (global) => ({ weights: new Map([...global.state].map(([k, t]) => [k, new Tensor(t.data.map((v) => v + 1e-3), t.shape)])), samples: 100, loss: 0.1 }),
  };
}

const PY_ANCHOR = `
import json, os, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
n, size = 300, 19050
sk = Ed25519PrivateKey.generate(); pk = sk.public_key()
server = X25519PrivateKey.generate()
msgs = []
for i in range(n):
    eph = X25519PrivateKey.generate()
    key = HKDF(hashes.SHA256(), 32, b'salt', b'info').derive(eph.exchange(server.public_key()))
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, os.urandom(size), b'header')
    msgs.append((eph.public_key(), nonce, ct, sk.sign(ct)))
t0 = time.perf_counter()
for epk, nonce, ct, sig in msgs:
    pk.verify(sig, ct)
    key = HKDF(hashes.SHA256(), 32, b'salt', b'info').derive(server.exchange(epk))
    AESGCM(key).decrypt(nonce, ct, b'header')
print(json.dumps({"ms_per_upload": (time.perf_counter() - t0) * 1000 / n}))
`;

export const workload: Workload = {
  name: 'FL-scale',
  description: 'federated round with 1,000 in-process clients: server memory (FedAvg vs median), time per upload, full round',
  async run(): Promise<BenchRow[]> {
    const server = generateKeyPairs('server');
    const clients = Array.from({ length: CLIENTS }, (_, i) => generateKeyPairs('client', `c${String(i).padStart(4, '0')}`));
    const load = `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    const rows: BenchRow[] = [];
    const anchor = runPython(PY_ANCHOR, 'cryptography');
    const anchorNote = 'result' in anchor ? `python cryptography verify+X25519+HKDF+AES-GCM of the same size: ${Number(anchor.result.ms_per_upload).toFixed(3)} ms` : `anchor skipped: ${anchor.skipped}`;
    for (const aggregation of ['fedavg', 'median'] as const) {
      const r = await feed(aggregation, server, clients);
      const h = (k: number): number => r.heap.get(k)!;
      const perClient = (h(999) - h(100)) / 899;
      rows.push({ workload: 'FL-scale', metric: `${aggregation}_retained_bytes_per_client`, value: perClient, unit: 'B', median_of: 1, note: `retained MB at 0/100/250/500/999 accepted: ${[0, ...CHECKPOINTS].map((k) => (h(k) / 1e6).toFixed(2)).join('/')}; one update is ${(4 * 4744 / 1000).toFixed(1)} kB; ${load}` });
      rows.push({ workload: 'FL-scale', metric: `${aggregation}_server_ms_per_upload`, value: median(r.perUploadMs), unit: 'ms', median_of: r.perUploadMs.length, note: `batches of ${BATCH} concurrent uploads; includes the journal append and its group fsync; ${anchorNote}; ${load}` });
      rows.push({ workload: 'FL-scale', metric: `${aggregation}_commit_ms`, value: r.commitMs, unit: 'ms', median_of: 1, note: `last upload + aggregation of ${CLIENTS} clients + model and round record written` });
    }
    const seconds = await fullRound(server, clients);
    rows.push({ workload: 'FL-scale', metric: 'round_1000_clients_s', value: seconds, unit: 's', median_of: 1, note: `1,000 FederatedClient objects, in-process transport, fixed local update; includes the calibration round (1,000 score histograms); ${load}` });
    return rows;
  },
};

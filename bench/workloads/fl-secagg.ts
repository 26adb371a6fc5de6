/**
 * FL-secagg (docs/federated.md): cost of one secure-aggregation round per client at 10, 100 and 500
 * clients, in-process, default autoencoder (4,744 parameters). Local training is replaced by a
 * fixed small update so the protocol is what is timed. For each size: the SecAgg+ graph with
 * k = 2 ceil(log2 n) + 1 neighbours (threshold 2k/3 + 1), and the complete graph of Bonawitz et al.
 * (k = n) at 10 and 100 (at 500 its Shamir sharing, O(n^2) per client, takes minutes). Server time
 * is the synchronous time spent answering requests (checks, phase changes, unmasking); client time is
 * the rest of the process CPU time (one thread; fsync waits are idle, not counted). Anchor: Python `cryptography` doing one client's k X25519
 * agreements and k AES-256-CTR mask expansions of the same length, side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FederatedClient, FederatedServer, InProcessTransport, defaultFederatedConfig, generateKeyPairs, memoryLocalData, type KeyPairs, type Transport, type TransportRequest } from '../../src/federated/index.js';
import { fixedStepKind } from './fl-scale.js';
import { runPython, type BenchRow, type Workload } from '../harness.js';

interface Cost {
  clientMs: number;
  serverMs: number;
  bytesPerClient: number;
}

async function secureRound(n: number, shares: number): Promise<Cost> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-secagg-'));
  const server = generateKeyPairs('server');
  const clients: KeyPairs[] = Array.from({ length: n }, (_, i) => generateKeyPairs('client', `c${String(i).padStart(4, '0')}`));
  const kind = fixedStepKind();
  const config = { ...defaultFederatedConfig(), rounds: 1, roundTimeoutS: 3600, phaseTimeoutS: 3600, maxClients: n, maxSamplesPerClient: 100, secureAggregation: true, secagg: { numShares: shares >= n ? 0 : shares, reconstructionThreshold: 0, clippingRange: 8, quantizationRange: 2 ** 22 } };
  const fl = FederatedServer.open({ stateDir: dir, keys: server, enrollment: new Map(clients.map((c) => [c.public.id, c.public])), config, kind });
  // Server time: the synchronous part of each handle() call (checks, phase changes, unmasking);
  // the rest of it is waiting for the journal's fsync, when clients run.
  let serverMs = 0;
  const handle = fl.handle.bind(fl);
  fl.handle = (req) => {
    const t0 = performance.now();
    const answer = handle(req);
    serverMs += performance.now() - t0;
    return answer;
  };
  let bytes = 0;
  const inner = new InProcessTransport(() => fl);
  const transport: Transport = {
    url: inner.url,
    async request(req: TransportRequest) {
      const res = await inner.request(req);
      bytes += (req.body?.length ?? 0) + (req.path === '/v1/model' ? 0 : res.body.length);
      return res;
    },
  };
  try {
    const cpu0 = process.cpuUsage();
    const runs = clients.map((keys) => new FederatedClient({ keys, server: server.public, transport, kind, data: memoryLocalData(new Float32Array(64), 1, 64, { config: kind.config, schema: kind.schema, source: 'none' }), timing: { pollWaitS: 60, requestTimeoutS: 120 } }).run());
    const summary = await fl.finished;
    await Promise.all(runs);
    const cpu = process.cpuUsage(cpu0);
    if (summary.rounds[0]?.status !== 'committed') throw new Error(`FL-secagg: round not committed: ${summary.rounds[0]?.reason}`);
    return { clientMs: ((cpu.user + cpu.system) / 1000 - serverMs) / n, serverMs: serverMs / n, bytesPerClient: bytes / n };
  } finally {
    fl.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pyAnchor = (k: number): string => `
import json, time
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
k, words = ${k}, 4746
me = X25519PrivateKey.generate()
peers = [X25519PrivateKey.generate().public_key() for _ in range(k)]
zero = bytes(words * 4)
t0 = time.perf_counter()
for reps in range(5):
    for p in peers:
        seed = me.exchange(p)
        enc = Cipher(algorithms.AES(seed), modes.CTR(bytes(16))).encryptor()
        enc.update(zero) + enc.finalize()
print(json.dumps({"ms": (time.perf_counter() - t0) * 1000 / 5}))
`;

export const workload: Workload = {
  name: 'FL-secagg',
  description: 'secure aggregation cost per client at 10, 100, 500 clients (SecAgg+ graph and complete graph)',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    await secureRound(5, 5); // warm-up: JIT and first-use costs stay out of the figures
    const cases: [number, number, string][] = [];
    for (const n of [10, 100, 500]) {
      const k = Math.min(n, 2 * Math.ceil(Math.log2(n)) + 1);
      cases.push([n, k, k >= n ? 'complete' : 'secagg+']);
      if (k < n && n <= 100) cases.push([n, n, 'complete']);
    }
    for (const [n, k, graph] of cases) {
      const load = `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
      const cost = await secureRound(n, k);
      const anchor = runPython(pyAnchor(k - 1), 'cryptography');
      const note = `${graph} graph, k=${k}; server ${cost.serverMs.toFixed(1)} ms/client; ${(cost.bytesPerClient / 1000).toFixed(1)} kB/client sent+received (model download excluded); anchor: python cryptography ${k - 1} X25519 + AES-CTR masks ${'result' in anchor ? `${Number(anchor.result.ms).toFixed(1)} ms` : `skipped (${anchor.skipped})`}; ${load}`;
      rows.push({ workload: 'FL-secagg', metric: `client_ms_n${n}_k${k}`, value: cost.clientMs, unit: 'ms', median_of: 1, note });
    }
    return rows;
  },
};

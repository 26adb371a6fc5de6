import { describe, expect, it } from 'vitest';
import { FederatedServer, federatedKind, generateKeyPairs, sealEnvelope, type KeyPairs, type RoundView } from '../../src/federated/index.js';
import { encodeUpdate } from '../../src/federated/update-codec.js';
import { Random } from '../../src/tensor/index.js';
import { makeParty, smallConfig, tempDir, testFlConfig, type Party } from './helpers.js';

async function call(server: FederatedServer, method: string, path: string, body: Uint8Array = new Uint8Array(0), query = "", contentType = "application/octet-stream") {
  const res = await server.handle({ method, path, query: new URLSearchParams(query), contentType, body });
  return { status: res.status, json: res.contentType === 'application/json' ? (JSON.parse(new TextDecoder().decode(res.body)) as Record<string, unknown>) : null };
}

/** Each test server's public keys, for sealing uploads to it. */
const serverPublic = new WeakMap<FederatedServer, KeyPairs['public']>();

function openServer(party: Party, dir: string): FederatedServer {
  const server = FederatedServer.open({ stateDir: dir, keys: party.server, enrollment: party.enrollment, config: testFlConfig({ rounds: 1, roundTimeoutS: 600, clipNorm: 1 }), kind: federatedKind(smallConfig()) });
  serverPublic.set(server, party.server.public);
  return server;
}

async function current(server: FederatedServer): Promise<RoundView> {
  return (await call(server, 'GET', '/v1/round')).json as unknown as RoundView;
}

function update(server: FederatedServer, view: RoundView, client: KeyPairs, opts: { values?: Float32Array; samples?: number; round?: number; serverKeys?: KeyPairs['public'] } = {}): Uint8Array {
  const values = opts.values ?? new Float32Array(server.layout.size).fill(1e-3);
  return sealEnvelope({ kind: 'update', round: opts.round ?? view.round, modelSha256: view.model.sha256, payload: encodeUpdate(values, server.layout, opts.samples ?? 100, 0.5), client, server: opts.serverKeys ?? serverPublic.get(server)! });
}

describe('server-side validation of uploads', () => {
  it('accepts none of 10,000+ forged, replayed, bit-flipped and wrong-key uploads, and the round still commits', async () => {
    const party = makeParty(4);
    const { dir, cleanup } = tempDir();
    const server = openServer(party, dir);
    try {
      const view = await current(server);
      const good = party.clients.slice(0, 3).map((c) => update(server, view, c));
      for (const g of good) expect((await call(server, 'POST', '/v1/upload', g)).status).toBe(200);
      const stranger = generateKeyPairs('client', 'c01'); // claims an enrolled id, holds other keys
      const otherServer = generateKeyPairs('server');
      const rng = new Random(7);
      const bad: [string, Uint8Array][] = [];
      // Sealing costs a key agreement and a signature, flipping a bit nothing: 8,000 flips, 2,000 sealed.
      for (let i = 0; i < 8000; i++) {
        const flipped = good[i % 3]!.slice();
        const bit = rng.int(0, flipped.length * 8);
        flipped[bit >> 3] ^= 1 << (bit & 7);
        bad.push(['bit flip', flipped]);
      }
      for (let i = 0; i < 1000; i++) {
        bad.push(['replay', good[i % 3]!]);
        if (i % 3 === 0) bad.push(['forged signature', update(server, view, stranger)]);
        if (i % 3 === 1) bad.push(['wrong server key', update(server, view, party.clients[3]!, { serverKeys: otherServer.public })]);
        if (i % 3 === 2) bad.push(['other round', update(server, view, party.clients[3]!, { round: i % 2 ? 1000 : view.round + 1 })]);
      }
      const reasons = new Map<string, number>();
      let accepted = 0;
      for (const [what, body] of bad) {
        const res = await call(server, 'POST', '/v1/upload', body);
        if (res.status === 200) accepted++;
        const key = `${what}: ${String(res.json?.reason)}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      expect(bad.length).toBeGreaterThanOrEqual(10_000);
      expect(accepted, JSON.stringify([...reasons])).toBe(0);
      expect(reasons.get('replay: replay')).toBe(1000);
      expect(reasons.get('forged signature: bad-signature')).toBe(334);
      expect(reasons.get('wrong server key: tampered')).toBe(333);
      expect(reasons.get('other round: future-round')).toBe(333);
      // The fourth client's honest update closes the round with exactly four contributions.
      expect((await call(server, 'POST', '/v1/upload', update(server, view, party.clients[3]!))).status).toBe(200);
      const summary = await server.finished;
      expect(summary.rounds[0]!.accepted.map((a) => a.client)).toEqual(['c01', 'c02', 'c03', 'c04']);
      expect(Object.values(summary.rounds[0]!.rejected).reduce((a, b) => a + b, 0)).toBe(10_000);
    } finally {
      server.close();
      cleanup();
    }
  });

  it('rejects NaN, wrong-shape, over-norm and zero-sample updates with a reason and keeps the round going', async () => {
    const party = makeParty(2);
    const { dir, cleanup } = tempDir();
    const server = openServer(party, dir);
    try {
      const view = await current(server);
      const c = party.clients[0]!;
      const nan = new Float32Array(server.layout.size);
      nan[5] = Number.NaN;
      const cases: [Uint8Array, number, string, RegExp][] = [
        [update(server, view, c, { values: nan }), 422, 'non-finite', /values must be finite, got NaN at index 5/],
        [update(server, view, c, { values: new Float32Array(server.layout.size).fill(1) }), 422, 'norm', /L2 norm must be at most clip_norm = 1, got/],
        [update(server, view, c, { samples: 0 }), 422, 'samples', /samples must be an integer >= 1, got "0"/],
      ];
      // The same values with one tensor's shape reversed ([out, in] -> [in, out]).
      const swapped = { ...server.layout, tensors: server.layout.tensors.map((t) => (t.name === 'encoder.0.weight' ? { ...t, shape: [...t.shape].reverse() } : t)) };
      const wrongShape = sealEnvelope({ kind: 'update', round: view.round, modelSha256: view.model.sha256, payload: encodeUpdate(new Float32Array(server.layout.size), swapped, 10, 0), client: c, server: party.server.public });
      cases.push([wrongShape, 422, 'wrong-tensors', /must have shape/]);
      for (const [body, status, reason, message] of cases) {
        const res = await call(server, 'POST', '/v1/upload', body);
        expect([res.status, res.json?.reason]).toEqual([status, reason]);
        expect(String(res.json?.error)).toMatch(message);
      }
      expect(server.status.round).toBe(1);
      for (const k of party.clients) expect((await call(server, 'POST', '/v1/upload', update(server, view, k))).status).toBe(200);
      const summary = await server.finished;
      expect(summary.rounds[0]!.status).toBe('committed');
      expect(summary.rounds[0]!.rejected).toEqual({ 'non-finite': 1, norm: 1, samples: 1, 'wrong-tensors': 1 });
    } finally {
      server.close();
      cleanup();
    }
  });
});

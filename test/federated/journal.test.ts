import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FederatedServer, federatedKind, sealEnvelope } from '../../src/federated/index.js';
import { Journal } from '../../src/federated/journal.js';
import { encodeUpdate } from '../../src/federated/update-codec.js';
import { makeParty, smallConfig, tempDir, testFlConfig, type Party } from './helpers.js';

describe('Journal', () => {
  it('reads back complete records, drops a torn tail and appends after the last complete record', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'j.journal');
      const j = new Journal(path);
      j.append(Uint8Array.of(1, 2, 3));
      j.append(Uint8Array.of(4));
      await j.flushed();
      j.close();
      appendFileSync(path, Uint8Array.of(200, 0, 0, 0, 9, 9)); // a record cut short by a crash
      expect(Journal.read(path).map((r) => [...r])).toEqual([[1, 2, 3], [4]]);
      const again = new Journal(path);
      again.append(Uint8Array.of(5, 6));
      again.close();
      expect(Journal.read(path).map((r) => [...r])).toEqual([[1, 2, 3], [4], [5, 6]]);
      expect(readFileSync(path).length).toBe(4 + 3 + 4 + 1 + 4 + 2);
    } finally {
      cleanup();
    }
  });
});

describe('server restart within a round (in-process)', () => {
  const open = (party: Party, dir: string): FederatedServer =>
    FederatedServer.open({ stateDir: dir, keys: party.server, enrollment: party.enrollment, config: testFlConfig({ rounds: 1, roundTimeoutS: 600 }), kind: federatedKind(smallConfig()) });
  const post = (server: FederatedServer, body: Uint8Array) => server.handle({ method: 'POST', path: '/v1/upload', query: new URLSearchParams(), contentType: 'application/octet-stream', body });

  it('keeps acknowledged uploads across a stop, counts none twice, and commits the same model as without the stop', async () => {
    const party = makeParty(3);
    const a = tempDir();
    const b = tempDir();
    try {
      const uploads = (server: FederatedServer): Uint8Array[] => {
        const view = JSON.parse(new TextDecoder().decode(readFileSync(join(a.dir, 'rounds', 'round-000000.json')))) as { model_sha256: string };
        return party.clients.map((c, i) => sealEnvelope({ kind: 'update', round: 1, modelSha256: view.model_sha256, payload: encodeUpdate(new Float32Array(server.layout.size).fill((i + 1) * 1e-3), server.layout, 50 + i, 0.1), client: c, server: party.server.public }));
      };
      // Interrupted: two uploads, the server object is dropped (as after kill -9), a new one resumes.
      let s = open(party, a.dir);
      const bodies = uploads(s);
      expect((await post(s, bodies[0]!)).status).toBe(200);
      expect((await post(s, bodies[1]!)).status).toBe(200);
      s.close();
      appendFileSync(join(a.dir, 'pending', 'round-000001.journal'), Uint8Array.of(7, 7)); // torn tail
      s = open(party, a.dir);
      const replay = await post(s, bodies[1]!);
      expect(replay.status).toBe(409);
      expect((await post(s, bodies[2]!)).status).toBe(200);
      const resumed = await s.finished;
      s.close();
      expect(resumed.rounds[0]!.accepted.map((o) => o.client)).toEqual(['c01', 'c02', 'c03']);
      // Uninterrupted, with the same three updates in another order.
      const u = open(party, b.dir);
      for (const i of [2, 0, 1]) expect((await post(u, bodies[i]!)).status).toBe(200);
      const straight = await u.finished;
      u.close();
      expect(resumed.modelSha256).toBe(straight.modelSha256);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
});

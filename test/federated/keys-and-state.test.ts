import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { FederatedServer, federatedKind, enroll, generateKeyPairs, keygen, openEnvelope, parseEnvelope, readEnrollment, readKeyFile, readPublicKeyFile, sealEnvelope, verifyEnvelope } from '../../src/federated/index.js';
import { escapeRegExp, expectError } from '../tensor/expect-error.js';
import { makeParty, smallConfig, tempDir, testFlConfig } from './helpers.js';

describe('keygen and key files', () => {
  it('writes private keys 0600 that read back to the same public keys, and an enrollment list', () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = keygen({ outDir: dir, server: true, clients: 3 });
      expect(r.clients.map((c) => c.id)).toEqual(['client-001', 'client-002', 'client-003']);
      for (const f of [r.server!.key, ...r.clients.map((c) => c.key)]) expect(statSync(f).mode & 0o777).toBe(0o600);
      const server = readKeyFile(r.server!.key, 'server');
      expect(readPublicKeyFile(r.server!.publicKey, 'server').ed25519).toBe(server.public.ed25519);
      const enrolled = readEnrollment(r.enrollment!);
      expect([...enrolled.keys()]).toEqual(['client-001', 'client-002', 'client-003']);
      expect(enrolled.get('client-002')!.x25519).toBe(readKeyFile(r.clients[1]!.key, 'client').public.x25519);
      // The private key never appears in the public file or the enrollment.
      const priv = JSON.parse(readFileSync(r.clients[0]!.key, 'utf8')) as { ed25519: { private: string } };
      expect(readFileSync(r.enrollment!, 'utf8')).not.toContain(priv.ed25519.private);
      expectError(() => keygen({ outDir: dir, server: true }), InvalidOptionError, /key file .*server\.key must not exist \(pass force to replace it\)/);
    } finally {
      cleanup();
    }
  });

  it('refuses a key file that is not a key, has the wrong role, or is readable by others', () => {
    const { dir, cleanup } = tempDir();
    try {
      const text = join(dir, 'notes.key');
      writeFileSync(text, 'hello, I am not a key\n', { mode: 0o600 });
      expectError(() => readKeyFile(text, 'client'), FormatError, new RegExp(`${escapeRegExp(text)}: key file must be JSON \\(format 'dadm-federated-key'\\)`));
      const foreign = join(dir, 'foreign.key');
      writeFileSync(foreign, '{"format":"pem","version":1}', { mode: 0o600 });
      expectError(() => readKeyFile(foreign, 'client'), FormatError, /key file must be a 'dadm-federated-key' version 1 JSON file, got format "pem"/);
      const r = keygen({ outDir: dir, server: true, clients: ['alice'] });
      expectError(() => readKeyFile(r.server!.key, 'client'), FormatError, /key file role must be 'client', got "server"/);
      const mangled = join(dir, 'mangled.key');
      const doc = JSON.parse(readFileSync(r.clients[0]!.key, 'utf8')) as { ed25519: { public: string } };
      doc.ed25519.public = generateKeyPairs('client', 'x').public.ed25519;
      writeFileSync(mangled, JSON.stringify(doc), { mode: 0o600 });
      expectError(() => readKeyFile(mangled, 'client'), FormatError, /ed25519\.public must belong to ed25519\.private/);
      chmodSync(r.clients[0]!.key, 0o644);
      expectError(() => readKeyFile(r.clients[0]!.key, 'client'), InvalidOptionError, /private key file permissions must be 0600 \(owner only\), got 0644/);
      expectError(() => readKeyFile(join(dir, 'missing.key'), 'client'), InvalidOptionError, /missing\.key: key file must exist, got ENOENT/);
    } finally {
      cleanup();
    }
  });

  it('enroll adds public key files and refuses a second key set for an id', () => {
    const { dir, cleanup } = tempDir();
    try {
      const a = keygen({ outDir: join(dir, 'a'), clients: ['host-1', 'host-2'], enrollment: false });
      const list = join(dir, 'enrollment.json');
      expect(enroll(list, a.clients.map((c) => c.publicKey))).toEqual(['host-1', 'host-2']);
      expect(enroll(list, [a.clients[0]!.publicKey])).toEqual([]);
      const b = keygen({ outDir: join(dir, 'b'), clients: ['host-1'], enrollment: false });
      expectError(() => enroll(list, [b.clients[0]!.publicKey]), InvalidOptionError, /client host-1 must not be enrolled with other keys/);
    } finally {
      cleanup();
    }
  });
});

describe('upload envelope', () => {
  it('round-trips, and any bit flip in header, ciphertext or signature is caught', () => {
    const server = generateKeyPairs('server');
    const client = generateKeyPairs('client', 'c1');
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    const env = sealEnvelope({ kind: 'update', round: 3, modelSha256: 'ab'.repeat(32), payload, client, server: server.public });
    const parsed = parseEnvelope(env);
    expect(parsed.header).toMatchObject({ kind: 'update', round: 3, client: 'c1' });
    expect(verifyEnvelope(parsed, client.public.sign)).toBe(true);
    expect(Array.from(openEnvelope(parsed, server))).toEqual(Array.from(payload));
    for (let byte = 0; byte < env.length; byte += 7) {
      const flipped = env.slice();
      flipped[byte] ^= 0x10;
      let ok = false;
      try {
        const p = parseEnvelope(flipped);
        ok = verifyEnvelope(p, client.public.sign);
      } catch (err) {
        expect(err).toBeInstanceOf(FormatError);
      }
      expect(ok, `flip at byte ${byte}`).toBe(false);
    }
    expectError(() => openEnvelope(parsed, generateKeyPairs('server')), FormatError, /ciphertext must authenticate under the server key \(AES-256-GCM\), got a tag mismatch/);
  });
});

describe('server state dir', () => {
  const open = (dir: string) => {
    const party = makeParty(2);
    return FederatedServer.open({ stateDir: dir, keys: party.server, enrollment: party.enrollment, config: testFlConfig(), kind: federatedKind(smallConfig()) });
  };

  it('is a typed error when the state dir is a file or lies below one', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'file');
      writeFileSync(file, 'x');
      expectError(() => open(file), InvalidOptionError, /server: state dir: output directory .*file must be a writable directory, got a regular file/);
      expectError(() => open(join(file, 'state')), InvalidOptionError, /must be a writable directory, got ENOTDIR/);
    } finally {
      cleanup();
    }
  });

  it('refuses a second server on the same state dir and resumes after the first closes', () => {
    const { dir, cleanup } = tempDir();
    try {
      const first = open(dir);
      expectError(() => open(dir), InvalidOptionError, new RegExp(`state dir must not be in use by another server, got pid ${process.pid}`));
      first.close();
      const second = open(dir);
      expect(second.status).toMatchObject({ round: 1, modelVersion: 0 });
      second.close();
    } finally {
      cleanup();
    }
  });

  it('refuses a corrupted round record or model file with a one-line FormatError and writes nothing', () => {
    const { dir, cleanup } = tempDir();
    try {
      open(dir).close();
      const record = join(dir, 'rounds', 'round-000000.json');
      const good = readFileSync(record);
      writeFileSync(record, good.subarray(0, 40));
      const before = readdirSync(dir, { recursive: true }).sort();
      expectError(() => open(dir), FormatError, /round-000000\.json: round record must be JSON, got text that does not parse \(corrupted state dir\)/);
      writeFileSync(record, good);
      const model = join(dir, 'models', 'global-000000.safetensors');
      const bytes = readFileSync(model);
      bytes[bytes.length - 1] ^= 1;
      writeFileSync(model, bytes);
      expectError(() => open(dir), FormatError, /global-000000\.safetensors: global model must match the sha256 .* recorded in round 0, got other bytes/);
      expect(readdirSync(dir, { recursive: true }).sort()).toEqual(before);
    } finally {
      cleanup();
    }
  });
});

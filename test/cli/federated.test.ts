/**
 * `dadm federated …` through the CLI (in-process, 127.0.0.1 only): help, keygen files, a server and
 * two clients completing a round over HTTP, and the one-line errors of the bad inputs.
 */
import { createServer, type Server } from 'node:net';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpyFile } from '../../src/io/index.js';
import { generateHostData, normalizeCore, toModelInput } from '../../src/schema/index.js';
import { tempDir } from '../pipeline/helpers.js';
import { expectOneLineError, run, type CliRun } from './helpers.js';

const dir = tempDir('dadm-cli-fl-');

/** A small model, one round, short timeouts and retries: every test ends within seconds. */
const CONFIG = `autoencoder:
  hidden_dims: [8, 4]
training:
  batch_size: 64
federated:
  rounds: 1
  local_epochs: 1
  min_clients: 2
  round_timeout_s: 30
  phase_timeout_s: 10
  request_timeout_s: 1
  poll_wait_s: 1
  retry:
    initial_s: 0.05
    max_s: 0.2
    give_up_s: 1
`;

function setup(name: string): { root: string; config: string; keys: string; data: string[] } {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  const config = join(root, 'config.yaml');
  writeFileSync(config, CONFIG);
  const data = [1, 2].map((seed) => {
    const file = join(root, `part${seed}.npy`);
    writeNpyFile(file, { data: toModelInput(normalizeCore(generateHostData({ rows: 150, seed }).raw)), shape: [150, 64] });
    return file;
  });
  return { root, config, keys: join(root, 'keys'), data };
}

describe('dadm federated: help and keys', () => {
  it.each(['keygen', 'enroll', 'server', 'client', 'simulate'])('federated %s --help shows usage, options and an example', async (sub) => {
    const r = await run('federated', sub, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: dadm federated ${sub}`));
    expect(r.out).toContain('Options:');
    expect(r.out).toMatch(/Examples?:\n {2}dadm federated /);
  });

  it('lists the subcommands without one (exit 2) and with --help (exit 0); an unknown one is a usage error', async () => {
    const bare = await run('federated');
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('Subcommands:');
    expect((await run('federated', '--help')).code).toBe(0);
    const bad = await run('federated', 'serve');
    expect(bad.code).toBe(2);
    expectOneLineError(bad, /^dadm federated: subcommand must be one of keygen, enroll, server, client, simulate, got 'serve'/);
  });

  it('keygen writes private keys 0600 and public keys, prints fingerprints and never key material', async () => {
    const { keys } = setup('keygen');
    const r = await run('federated', 'keygen', '--out-dir', keys, '--server', '--clients', '2');
    expect(r.code).toBe(0);
    for (const f of ['server.key', 'client-001.key', 'client-002.key']) expect(statSync(join(keys, f)).mode & 0o777).toBe(0o600);
    const priv = JSON.parse(readFileSync(join(keys, 'server.key'), 'utf8')) as { ed25519: { private: string } };
    expect(r.out).not.toContain(priv.ed25519.private);
    expect(r.out).toMatch(/fingerprint [0-9a-f]{16}/);
    expect(JSON.parse(readFileSync(join(keys, 'enrollment.json'), 'utf8')).clients).toHaveLength(2);
    expectOneLineError(await run('federated', 'keygen', '--out-dir', keys, '--server'), /^dadm federated keygen: .*server\.key must not exist \(pass force to replace it\)/);
  });
});

describe('dadm federated server + client over HTTP on 127.0.0.1', () => {
  it('a server and two clients complete a round and the server writes a checkpoint', async () => {
    const s = setup('round');
    expect((await run('federated', 'keygen', '--out-dir', s.keys, '--server', '--clients', '2')).code).toBe(0);
    let out = '';
    let err = '';
    const { main } = await import('../../src/cli/main.js');
    const serverRun = main(['federated', 'server', '--state-dir', join(s.root, 'state'), '--key', join(s.keys, 'server.key'), '--enrollment', join(s.keys, 'enrollment.json'), '--listen', '127.0.0.1:0', '--config', s.config, '--json'], {
      stdout: { write: (x: string) => (out += x) },
      stderr: { write: (x: string) => (err += x) },
      env: {},
    });
    const url = await waitFor(() => /"listening":"([^"]+)"/.exec(out)?.[1], 20_000);
    const clients = await Promise.all(
      s.data.map((data, i) => run('federated', 'client', '--server', url, '--key', join(s.keys, `client-00${i + 1}.key`), '--server-key', join(s.keys, 'server.pub.json'), '--data', data, '--config', s.config)),
    );
    expect(await serverRun, err).toBe(0);
    for (const c of clients) {
      expect(c.code, c.err).toBe(0);
      expect(c.err).toMatch(/round 1: trained on 150 local rows .*raw rows never left this host/);
      expect(c.out).toMatch(/^took part in 1 round\(s\) \(1\), sent \d+ bytes/);
    }
    expect(err).toMatch(/round 1 committed \(plain fedavg\): model v1 .*clients in 2\/2/);
    const result = JSON.parse(out.split('\n').find((l) => l.includes('"result"'))!).result as { status: string; checkpoint: { path: string } };
    expect(result.status).toBe('completed');
    expect(statSync(result.checkpoint.path).size).toBeGreaterThan(0);
  });
});

describe('dadm federated: bad input is a one-line error, never a crash', () => {
  it('a client key file that is not a key', async () => {
    const s = setup('badkey');
    await run('federated', 'keygen', '--out-dir', s.keys, '--server');
    const key = join(s.root, 'bad.key');
    writeFileSync(key, 'not a key', { mode: 0o600 });
    const r = await run('federated', 'client', '--server', 'http://127.0.0.1:9', '--key', key, '--server-key', join(s.keys, 'server.pub.json'), '--data', s.data[0]!, '--config', s.config);
    expect(r.code).toBe(1);
    expectOneLineError(r, /^dadm federated client: .*bad\.key: key file must be JSON/);
  });

  it('a server URL that refuses connections, and one that accepts but never answers, within retry.give_up_s', async () => {
    const s = setup('network');
    await run('federated', 'keygen', '--out-dir', s.keys, '--server', '--clients', '1');
    const silent = await listenSilently();
    try {
      const port = (silent.address() as { port: number }).port;
      const client = (url: string): Promise<CliRun> =>
        run('federated', 'client', '--server', url, '--key', join(s.keys, 'client-001.key'), '--server-key', join(s.keys, 'server.pub.json'), '--data', s.data[0]!, '--config', s.config, '--quiet');
      const t0 = Date.now();
      const refused = await client(`http://127.0.0.1:${await closedPort()}`);
      expect(refused.code).toBe(1);
      expectOneLineError(refused, /^dadm federated client: .*(refused|ECONNREFUSED)/);
      const hung = await client(`http://127.0.0.1:${port}`);
      expect(hung.code).toBe(1);
      expectOneLineError(hung, /^dadm federated client: .*must answer within 1\.0 s, got no answer/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      silent.close();
    }
  });

  it('a state dir that is a file, and one holding a corrupted round record', async () => {
    const s = setup('state');
    await run('federated', 'keygen', '--out-dir', s.keys, '--server', '--clients', '1');
    const server = (stateDir: string): Promise<CliRun> =>
      run('federated', 'server', '--state-dir', stateDir, '--key', join(s.keys, 'server.key'), '--enrollment', join(s.keys, 'enrollment.json'), '--listen', '127.0.0.1:0', '--config', s.config);
    const file = join(s.root, 'state-file');
    writeFileSync(file, 'x');
    const r1 = await server(file);
    expect(r1.code).toBe(1);
    expectOneLineError(r1, /^dadm federated server: .*state-file/);
    const state = join(s.root, 'state');
    mkdirSync(join(state, 'rounds'), { recursive: true });
    writeFileSync(join(state, 'rounds', 'round-000000.json'), '{"round": 0, "status": "initial"');
    const r2 = await server(state);
    expect(r2.code).toBe(1);
    expectOneLineError(r2, /^dadm federated server: .*round-000000\.json/);
    expect(readFileSync(join(state, 'rounds', 'round-000000.json'), 'utf8')).toBe('{"round": 0, "status": "initial"');
  });

  it.each([
    [['federated', 'simulate', '--split', 'by-row'], /^dadm federated simulate: --split must be one of iid, by-host, by-profile, got 'by-row'/],
    [['federated', 'simulate', '--clients', '0'], /^dadm federated simulate: --clients must be an integer in \[1, 1000\], got '0'/],
    [['federated', 'client', '--server', 'x', '--key', 'k', '--server-key', 'p', '--data', 'd', '--crash-at', 'soon'], /^dadm federated client: --crash-at must be ROUND:STEP/],
    [['federated', 'server', '--key', 'k', '--enrollment', 'e'], /^dadm federated server: --state-dir must be given, got nothing/],
  ])('usage: %j', async (argv, pattern) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expectOneLineError(r, pattern);
  });
});

async function waitFor<T>(get: () => T | undefined, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`nothing within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
function listenSilently(): Promise<Server> {
  const server = createServer(() => {});
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = await listenSilently();
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

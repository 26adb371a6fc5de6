/**
 * `simulate`: a real federated run on one machine. It deals the data to N clients, makes keys,
 * starts a server process and N client processes on 127.0.0.1 (ephemeral port), optionally crashes
 * some clients mid-round and kill -9's the server at random moments (restarting it on the same
 * port), and stops everything at the end or after `timeoutS`. It then scores every committed
 * global model on held-out labelled rows, beside a centralized `train` on the union of the data.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DadmConfig } from '../config/index.js';
import { InvalidOptionError } from '../errors.js';
import {
  autoencoderKind,
  decodeModel,
  keygen,
  killHard,
  loadSimData,
  roundJournalPath,
  splitClients,
  startEntry,
  utf8,
  type Child,
  type DropPoint,
  type FederatedConfig,
  type RunClientOptions,
  type RunServerOptions,
  type SimDataOptions,
  type SplitKind,
} from '../federated/index.js';
import { readNpyFile, writeFileAtomic, writeNpyFile } from '../io/index.js';
import { rocAuc } from '../stats/index.js';
import { Random } from '../tensor/index.js';
import { score as scoreCheckpoint } from './score.js';
import { train } from './train.js';

/** Options of {@link simulate}. */
export interface SimulateOptions extends Omit<SimDataOptions, 'seed'> {
  /** Everything is written here (keys, shards, state dir, centralized run). */
  workDir: string;
  clients: number;
  split: SplitKind;
  /** Fraction of clients that crash mid-round (in round `dropRound`). Default 0. */
  drop?: number;
  /** Round in which the dropping clients crash. Default min(2, rounds). */
  dropRound?: number;
  config: FederatedConfig;
  dadm: DadmConfig;
  /** Seed of data, split, drops, kill moments and local training. Default 0. */
  seed?: number;
  /** kill -9 the server this many times at random moments, restarting it each time. Default 0. */
  serverKills?: number;
  /** Range of seconds between a (re)start and its kill. Default [0.5, 3]. */
  killDelayS?: [number, number];
  /** Also run a centralized `train` on the union of the client data. Default true. */
  centralized?: boolean;
  /** Everything is stopped after this many seconds. Default 900. */
  timeoutS?: number;
  onLog?: (line: string) => void;
}

/** One round as the simulation reports it. */
export interface SimulatedRound {
  round: number;
  status: string;
  modelVersion: number;
  accepted: number;
  missing: string[];
  rejected: Record<string, number>;
  meanLoss: number | null;
  /** ROC-AUC of the model after this round on the held-out rows (null without labels or when aborted). */
  auc: number | null;
  reason: string | null;
}

/** What {@link simulate} returns. */
export interface SimulateResult {
  rounds: SimulatedRound[];
  final: { modelVersion: number; sha256: string; auc: number | null };
  centralized: { auc: number; seconds: number } | null;
  /** Per server kill: the last committed round at the kill and the round the restart resumed after. */
  restarts: { lastCommitted: number; resumedAfter: number }[];
  clients: { id: string; exit: number | string; dropped: boolean }[];
  serverStatus: string;
}

/**
 * Runs the simulation.
 * @throws InvalidOptionError for bad options; Error when the processes do not finish in `timeoutS`
 */
export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  const seed = o.seed ?? 0;
  const log = o.onLog ?? (() => {});
  const drop = o.drop ?? 0;
  if (!(drop >= 0 && drop < 1)) throw new InvalidOptionError(`simulate: drop must be in [0, 1), got ${drop}`, 'drop');
  mkdirSync(o.workDir, { recursive: true });
  const data = loadSimData({ ...o, seed });
  const groups = o.split === 'by-host' && data.groupsAreProfiles ? undefined : (data.groups ?? undefined);
  const shards = splitClients(data.count, o.clients, o.split, seed, groups);
  const keys = keygen({ outDir: join(o.workDir, 'keys'), server: true, clients: o.clients, force: true });
  const rng = new Random(seed);
  const dropping = new Set(rng.sampleWithoutReplacement(o.clients, Math.round(drop * o.clients)));
  const dropRound = o.dropRound ?? Math.min(2, o.config.rounds);
  const dropSteps: DropPoint['after'][] = o.config.secureAggregation ? ['advertise', 'shares', 'masked'] : ['fetch'];
  const stateDir = join(o.workDir, 'state');
  const serverOptions: Omit<RunServerOptions, 'onLog'> = { stateDir, serverKey: keys.server!.key, enrollment: keys.enrollment!, listen: '127.0.0.1:0', config: o.config, dadm: o.dadm, lingerS: 5 };
  const children: Child[] = [];
  const deadline = Date.now() + (o.timeoutS ?? 900) * 1000;
  const restarts: SimulateResult['restarts'] = [];
  try {
    let server = await startServer(o.workDir, serverOptions, log, children, deadline);
    const url = server.url;
    serverOptions.listen = `127.0.0.1:${new URL(url).port}`;
    const clients = keys.clients.map((c, i) => {
      const dir = join(o.workDir, 'clients', c.id);
      mkdirSync(dir, { recursive: true });
      const rows = shards[i]!;
      const local = new Float32Array(rows.length * data.cols);
      rows.forEach((r, k) => local.set(data.rows.subarray(r * data.cols, (r + 1) * data.cols), k * data.cols));
      writeNpyFile(join(dir, 'data.npy'), { data: local, shape: [rows.length, data.cols] });
      const options: Omit<RunClientOptions, 'onLog'> = { server: url, key: c.key, serverPublicKey: keys.server!.publicKey, data: join(dir, 'data.npy'), dadm: o.dadm, config: o.config, seed: seed * 1000 + i };
      if (dropping.has(i)) options.dropAt = { round: dropRound, after: dropSteps[[...dropping].indexOf(i) % dropSteps.length]! };
      const file = join(dir, 'options.json');
      writeFileAtomic(file, utf8(JSON.stringify(options)));
      const child = startEntry('client-main', file, c.id, log);
      children.push(child);
      return { id: c.id, child, dropped: dropping.has(i) };
    });
    for (let k = 0; k < (o.serverKills ?? 0); k++) {
      const [lo, hi] = o.killDelayS ?? [0.5, 3];
      const ended = await Promise.race([server.child.exited.then(() => true), killMoment(stateDir, 1000 * (lo + rng.next() * (hi - lo))).then(() => false)]);
      // Kills after the last commit would only hit the server's wait for clients to see the end.
      if (ended || lastRound(stateDir) >= o.config.rounds) break;
      await killHard(server.child);
      const lastCommitted = lastRound(stateDir);
      log(`simulate: killed the server (kill -9) after round ${lastCommitted}; restarting`);
      server = await startServer(o.workDir, serverOptions, log, children, deadline);
      restarts.push({ lastCommitted, resumedAfter: server.resumedAfter });
    }
    const exit = await Promise.race([server.child.exited, sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout')]);
    if (exit === 'timeout') throw new Error(`simulate: the run must finish within ${o.timeoutS ?? 900} s, got a server still running`);
    const result = server.child.messages.find((m) => 'result' in m)?.result as { status?: string } | undefined;
    const clientExits = await Promise.all(clients.map(async (c) => ({ id: c.id, exit: await Promise.race([c.child.exited, sleep(15_000).then(() => 'timeout')]), dropped: c.dropped })));
    return { ...evaluate(o, stateDir, data.test), restarts, clients: clientExits, serverStatus: result?.status ?? `exit ${exit}` };
  } finally {
    await Promise.all(children.map(killHard));
  }
}

async function startServer(workDir: string, options: Omit<RunServerOptions, 'onLog'>, log: (l: string) => void, children: Child[], deadline: number): Promise<{ child: Child; url: string; resumedAfter: number }> {
  const file = join(workDir, 'server-options.json');
  writeFileAtomic(file, utf8(JSON.stringify(options)));
  let resumedAfter = -1;
  const child = startEntry('server-main', file, 'server', (line) => {
    const m = /resuming after round (\d+)/.exec(line);
    if (m !== null && resumedAfter < 0) resumedAfter = Number(m[1]);
    log(line);
  });
  children.push(child);
  const msg = await child.waitFor('listening', Math.max(1000, Math.min(60_000, deadline - Date.now())));
  return { child, url: String(msg.listening), resumedAfter };
}

/** The highest round with a record in the state dir. */
/**
 * Resolves at the moment to kill the server: after `delayMs`, or as soon as a round has been
 * committed since now and the next round has a journaled upload, whichever is first. The second
 * keeps kills mid-round on a machine fast enough to finish the run before any delay elapses.
 */
async function killMoment(stateDir: string, delayMs: number): Promise<void> {
  const start = lastRound(stateDir);
  const until = Date.now() + delayMs;
  while (Date.now() < until) {
    const last = lastRound(stateDir);
    if (last > start && hasJournaledUpload(stateDir, last + 1)) return;
    await sleep(5);
  }
}

function hasJournaledUpload(stateDir: string, round: number): boolean {
  const file = roundJournalPath(stateDir, round);
  return existsSync(file) && statSync(file).size > 0;
}

function lastRound(stateDir: string): number {
  const dir = join(stateDir, 'rounds');
  if (!existsSync(dir)) return -1;
  const rounds = readdirSync(dir).map((n) => /^round-(\d{6})\.json$/.exec(n)).filter((m) => m !== null).map((m) => Number(m![1]));
  return rounds.length === 0 ? -1 : Math.max(...rounds);
}

function evaluate(o: SimulateOptions, stateDir: string, test: ReturnType<typeof loadSimData>['test']): Pick<SimulateResult, 'rounds' | 'final' | 'centralized'> {
  const kind = autoencoderKind(o.dadm);
  const auc = (modelFile: string): number | null => {
    if (test === null) return null;
    const model = decodeModel(new Uint8Array(readFileSync(join(stateDir, modelFile))), modelFile);
    return rocAuc(kind.score(model, { rows: test.rows, count: test.count, cols: o.dadm.schema === 'endpoint-v1' ? 64 : test.rows.length / test.count, source: 'test' }), test.labels);
  };
  const records = readdirSync(join(stateDir, 'rounds')).sort().map((n) => JSON.parse(readFileSync(join(stateDir, 'rounds', n), 'utf8')) as Record<string, unknown>);
  const rounds = records.filter((r) => r.status !== 'initial').map((r) => ({
    round: r.round as number,
    status: r.status as string,
    modelVersion: r.model_version as number,
    accepted: (r.accepted as unknown[]).length,
    missing: r.missing as string[],
    rejected: r.rejected as Record<string, number>,
    meanLoss: r.mean_loss as number | null,
    auc: r.status === 'committed' ? auc(r.model_file as string) : null,
    reason: r.reason as string | null,
  }));
  const last = records.at(-1)!;
  const final = { modelVersion: last.model_version as number, sha256: last.model_sha256 as string, auc: auc(last.model_file as string) };
  if (o.centralized === false || test === null) return { rounds, final, centralized: null };
  const t0 = performance.now();
  const dir = join(o.workDir, 'central');
  const union = collectShards(o.workDir);
  writeNpyFile(join(dir, 'test.npy'), { data: test.rows, shape: [test.count, test.rows.length / test.count] });
  writeNpyFile(join(dir, 'test-labels.npy'), { data: test.labels, shape: [test.count] });
  const trained = train({ data: union, outDir: join(dir, 'out'), config: o.dadm });
  const scored = scoreCheckpoint({ model: trained.files.model, data: join(dir, 'test.npy'), labels: join(dir, 'test-labels.npy') });
  const centralAuc = scored.labels?.rocAuc ?? null;
  return { rounds, final, centralized: centralAuc === null ? null : { auc: centralAuc, seconds: (performance.now() - t0) / 1000 } };
}

/** Writes the union of the client shards as central/data.npy and returns its path. */
function collectShards(workDir: string): string {
  const dir = join(workDir, 'clients');
  const parts = readdirSync(dir).sort().map((id) => readNpyShard(join(dir, id, 'data.npy')));
  const cols = parts[0]!.cols;
  const total = parts.reduce((s, p) => s + p.count, 0);
  const all = new Float32Array(total * cols);
  let at = 0;
  for (const p of parts) {
    all.set(p.rows, at);
    at += p.rows.length;
  }
  const path = join(workDir, 'central', 'data.npy');
  mkdirSync(join(workDir, 'central'), { recursive: true });
  writeNpyFile(path, { data: all, shape: [total, cols] });
  return path;
}

function readNpyShard(path: string): { rows: Float32Array; count: number; cols: number } {
  const arr = readNpyFile(path);
  return { rows: arr.data, count: arr.shape[0]!, cols: arr.shape[1]! };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * `dadm federated simulate`: a real federated run on one machine. It deals the data to N clients,
 * makes keys, starts `dadm federated server` and N `dadm federated client` processes on 127.0.0.1
 * (ephemeral port), optionally crashes some clients mid-round and kill -9's the server at random
 * moments (restarting it on the same port), and stops everything at the end or after `timeoutS`.
 * Then it scores every committed global model and the final checkpoint on held-out labelled rows,
 * beside a centralized `train` on the union of the client data (evaluate.ts).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configToYaml, defaultConfig, type DadmConfig } from '../../config/index.js';
import { InvalidOptionError } from '../../errors.js';
import { keygen, loadSimData, roundJournalPath, splitClients, splitHostsByProfile, utf8, type DropPoint, type SimData, type SimDataOptions, type SplitKind } from '../../federated/index.js';
import { writeFileAtomic, writeNpyFile } from '../../io/index.js';
import { modelKind } from '../../models/index.js';
import { Random } from '../../tensor/index.js';
import { evaluateRun, type SimulationQuality } from './evaluate.js';
import { killHard, startCli, type Child } from './processes.js';

export type { SimulatedRound } from './evaluate.js';

/** Options of {@link simulate}. */
export interface SimulateOptions extends Omit<SimDataOptions, 'seed' | 'sequences'> {
  /** Everything is written here (keys, config.yaml, shards, state dir, centralized run). */
  workDir: string;
  clients: number;
  split: SplitKind;
  /** Fraction of clients that crash mid-round (in round `dropRound`). Default 0. */
  drop?: number;
  /** Round in which the dropping clients crash. Default min(2, rounds). */
  dropRound?: number;
  /** Model, local training, `threshold.quantile` and the `federated:` section. Default {@link defaultConfig}. */
  config?: DadmConfig;
  /** Seed of data, split, drops, kill moments and local training. Default 0. */
  seed?: number;
  /** kill -9 the server this many times at random moments, restarting it each time. Default 0. */
  serverKills?: number;
  /** Range of seconds between a (re)start and its kill. Default [0.5, 3]. */
  killDelayS?: [number, number];
  /** Also run a centralized `train` on the union of the client data. Default true. */
  centralized?: boolean;
  /** The centralized run's config, when it should train otherwise than the clients (e.g. Adam against SGD clients). Default `config`. */
  centralizedConfig?: DadmConfig;
  /** Everything is stopped after this many seconds. Default 900. */
  timeoutS?: number;
  /** Log lines of the server, the clients and the simulation itself, as they come. */
  onLog?: (line: string, from: 'server' | 'client' | 'simulate') => void;
}

/** What {@link simulate} returns. */
export interface SimulateResult extends SimulationQuality {
  /** Per server kill: the last committed round at the kill and the round the restart resumed after. */
  restarts: { lastCommitted: number; resumedAfter: number }[];
  clients: { id: string; exit: number | string; dropped: boolean }[];
  serverStatus: string;
  /** The files of the run: the state dir, the final checkpoint (null when calibration failed), the config. */
  files: { stateDir: string; checkpoint: string | null; config: string };
}

/**
 * Runs the simulation.
 * @throws InvalidOptionError for bad options; Error when the processes do not finish in `timeoutS`
 */
export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  const seed = o.seed ?? 0;
  const config = o.config ?? defaultConfig();
  const fl = config.federated;
  const log = o.onLog ?? (() => {});
  const drop = o.drop ?? 0;
  if (!(drop >= 0 && drop < 1)) throw new InvalidOptionError(`simulate: drop must be in [0, 1), got ${drop}`, 'drop');
  mkdirSync(o.workDir, { recursive: true });
  const sequences = modelKind(config.model).inputForm === 'windows';
  const data = loadSimData({ ...o, seed, sequences });
  if (sequences && data.hosts === null) {
    throw new InvalidOptionError(`simulate: model ${config.model} trains on windows of a host's rows and must be given hosts (--hosts hosts.npy with --data), got --data ${o.data} without host ids`, 'hosts');
  }
  if (sequences && o.split === 'iid') {
    throw new InvalidOptionError(`simulate: split must be 'by-host' or 'by-profile' for model ${config.model} (iid would scatter a host's rows over clients), got 'iid'`, 'split');
  }
  const shards = dealRows(data, o.clients, o.split, seed);
  const keys = keygen({ outDir: join(o.workDir, 'keys'), server: true, clients: o.clients, force: true });
  const configFile = join(o.workDir, 'config.yaml');
  writeFileAtomic(configFile, utf8(configToYaml(config)));
  const rng = new Random(seed);
  const dropping = [...rng.sampleWithoutReplacement(o.clients, Math.round(drop * o.clients))];
  const dropRound = o.dropRound ?? Math.min(2, fl.rounds);
  const dropSteps: DropPoint['after'][] = fl.secureAggregation ? ['advertise', 'shares', 'masked'] : ['fetch'];
  const stateDir = join(o.workDir, 'state');
  const serverArgs = ['federated', 'server', '--state-dir', stateDir, '--key', keys.server!.key, '--enrollment', keys.enrollment!, '--config', configFile, '--json'];
  const children: Child[] = [];
  const deadline = Date.now() + (o.timeoutS ?? 900) * 1000;
  const restarts: SimulateResult['restarts'] = [];
  try {
    let server = await startServer([...serverArgs, '--listen', '127.0.0.1:0'], log, children, deadline);
    const listen = `127.0.0.1:${new URL(server.url).port}`;
    const clients = keys.clients.map((c, i) => {
      const args = ['federated', 'client', '--server', server.url, '--key', c.key, '--server-key', keys.server!.publicKey, '--config', configFile, '--seed', String(seed * 1000 + i), '--json'];
      args.push(...writeShard(join(o.workDir, 'clients', c.id), data, shards[i]!));
      const at = dropping.indexOf(i);
      if (at >= 0) args.push('--crash-at', `${dropRound}:${dropSteps[at % dropSteps.length]}`);
      const child = startCli(args, c.id, (line) => log(line, 'client'));
      children.push(child);
      return { id: c.id, child, dropped: at >= 0 };
    });
    for (let k = 0; k < (o.serverKills ?? 0); k++) {
      const [lo, hi] = o.killDelayS ?? [0.5, 3];
      const ended = await Promise.race([server.child.exited.then(() => true), killMoment(stateDir, 1000 * (lo + rng.next() * (hi - lo))).then(() => false)]);
      // Kills after the last commit would only hit the calibration and the wait for clients to see the end.
      if (ended || lastRound(stateDir) >= fl.rounds) break;
      await killHard(server.child);
      const lastCommitted = lastRound(stateDir);
      log(`simulate: killed the server (kill -9) after round ${lastCommitted}; restarting`, 'simulate');
      server = await startServer([...serverArgs, '--listen', listen], log, children, deadline);
      restarts.push({ lastCommitted, resumedAfter: server.resumedAfter });
    }
    const exit = await orAfter(server.child.exited, Math.max(0, deadline - Date.now()), 'timeout');
    if (exit === 'timeout') throw new Error(`simulate: the run must finish within ${o.timeoutS ?? 900} s, got a server still running`);
    const result = server.child.messages.find((m) => 'result' in m)?.result as { status?: string; checkpoint?: { path: string } | null } | undefined;
    const clientExits = await Promise.all(clients.map(async (c) => ({ id: c.id, exit: await orAfter(c.child.exited, 15_000, 'timeout'), dropped: c.dropped })));
    const checkpoint = result?.checkpoint?.path ?? null;
    const quality = evaluateRun({ workDir: o.workDir, stateDir, checkpoint, config, test: data.test, centralized: o.centralized !== false, centralizedConfig: o.centralizedConfig ?? config, sequences });
    return { ...quality, restarts, clients: clientExits, serverStatus: result?.status ?? `exit ${exit}`, files: { stateDir, checkpoint, config: configFile } };
  } finally {
    await Promise.all(children.map(killHard));
  }
}

/**
 * Row indices per client. With host ids, by-profile cuts only between hosts (each host's rows stay
 * on one client, in order), as by-host does.
 */
function dealRows(data: SimData, clients: number, split: SplitKind, seed: number): Int32Array[] {
  if (split === 'by-profile' && data.hosts !== null && data.profiles !== null) return splitHostsByProfile(data.profiles, data.hosts, clients);
  const groups = split === 'by-host' ? data.hosts : split === 'by-profile' ? data.profiles : null;
  return splitClients(data.count, clients, split, seed, groups ?? undefined);
}

/** Writes a client's rows (and host ids) and returns the client's data flags. */
function writeShard(dir: string, data: SimData, rows: Int32Array): string[] {
  mkdirSync(dir, { recursive: true });
  const local = new Float32Array(rows.length * data.cols);
  rows.forEach((r, k) => local.set(data.rows.subarray(r * data.cols, (r + 1) * data.cols), k * data.cols));
  writeNpyFile(join(dir, 'data.npy'), { data: local, shape: [rows.length, data.cols] });
  if (data.hosts === null) return ['--data', join(dir, 'data.npy')];
  writeNpyFile(join(dir, 'hosts.npy'), { data: Int32Array.from(rows, (r) => data.hosts![r]!), shape: [rows.length] });
  return ['--data', join(dir, 'data.npy'), '--hosts', join(dir, 'hosts.npy')];
}

async function startServer(args: string[], log: NonNullable<SimulateOptions['onLog']>, children: Child[], deadline: number): Promise<{ child: Child; url: string; resumedAfter: number }> {
  let resumedAfter = -1;
  const child = startCli(args, 'server', (line) => {
    const m = /resuming after round (\d+)/.exec(line);
    if (m !== null && resumedAfter < 0) resumedAfter = Number(m[1]);
    log(line, 'server');
  });
  children.push(child);
  const msg = await child.waitFor('listening', Math.max(1000, Math.min(60_000, deadline - Date.now())));
  return { child, url: String(msg.listening), resumedAfter };
}

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

/** The highest round with a record in the state dir. */
function lastRound(stateDir: string): number {
  const dir = join(stateDir, 'rounds');
  if (!existsSync(dir)) return -1;
  const rounds = readdirSync(dir).map((n) => /^round-(\d{6})\.json$/.exec(n)).filter((m) => m !== null).map((m) => Number(m![1]));
  return rounds.length === 0 ? -1 : Math.max(...rounds);
}

/**
 * `p`'s value, or `fallback` once `ms` have passed. The timer is cleared either way: a pending one
 * would keep the caller's process alive (`demo()` and `simulate()` returned, yet Node waited up to
 * `timeoutS` for this timer before exiting).
 */
async function orAfter<T, U>(p: Promise<T>, ms: number, fallback: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

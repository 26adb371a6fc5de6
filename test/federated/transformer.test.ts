import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, InvalidOptionError } from '../../src/errors.js';
import { StatisticMerge, decodeModel, decodeStatistic, encodeStatistic, federatedKind, loadSimData, memoryLocalData, openLocalData, splitHostsByProfile, type FederatedConfig, type FederatedModelKind, type GlobalModel, type LocalData } from '../../src/federated/index.js';
import { writeNpyFile } from '../../src/io/index.js';
import { loadCheckpoint, mergeConfig, score, type DadmConfig } from '../../src/pipeline/index.js';
import { generateSequenceData, normalizeCore, toModelInput } from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';
import { makeParty, runInProcess, runWithServerSwap, tempDir, testFlConfig } from './helpers.js';

/** A tiny transformer (d_model 8, window 8, stride 4), fast to train. */
function tinyTransformer(): DadmConfig {
  return mergeConfig({
    model: 'transformer',
    transformer: { dModel: 8, heads: 1, feedForward: 16, batchSize: 16 },
    sequence: { window: 8, stride: 4 },
    training: { epochs: 1, learningRate: 0.003 },
  });
}

/** `hosts` hosts of `steps` rows (model input, width 64) with their host ids and labels (attacks need 40 steps or more). */
function series(hosts: number, steps: number, seed: number): { rows: Float32Array; hosts: Int32Array; labels: Uint8Array; profiles: Int32Array } {
  const s = generateSequenceData({ hosts, steps, seed, anomalyRate: steps >= 40 ? 0.05 : 0 });
  return { rows: toModelInput(normalizeCore(s.raw)), hosts: s.hosts, labels: s.labels, profiles: Int32Array.from(s.hosts, (h) => s.profile[h]!) };
}

function localSeries(config: DadmConfig, seed: number): LocalData {
  const s = series(4, 40, seed);
  return memoryLocalData(s.rows, s.hosts.length, 64, { config, schema: federatedKind(config).schema, source: `client-${seed}`, hosts: s.hosts });
}

/** An in-process run of three tiny-transformer clients (4 hosts x 40 steps each) in a temp state dir. */
async function tinyRun(fl: FederatedConfig) {
  const config = tinyTransformer();
  const kind = federatedKind(config);
  const tmp = tempDir();
  const data = [1, 2, 3].map((seed) => localSeries(config, seed));
  const run = await runInProcess({ party: makeParty(3), stateDir: tmp.dir, config: fl, data, kind });
  return { ...run, kind, data, dir: tmp.dir, cleanup: () => (data.forEach((d) => d.close()), tmp.cleanup()) };
}

/** error_scale of `model` merged from the clients' sums over `data` (what the calibration round computes). */
function mergedErrorScale(kind: FederatedModelKind, model: GlobalModel, data: LocalData[]): number[] {
  const merge = new StatisticMerge(12);
  for (const d of data) merge.add(kind.statisticSums(model, d));
  return [...kind.withStatistic(model, merge.merged()).state.get('error_scale')!.data];
}

describe('federated transformer (rows + host ids, per-host windows)', () => {
  it('runs FedAvg rounds in process; the final checkpoint is a transformer checkpoint that dadm score reads with --hosts', async () => {
    const run = await tinyRun(testFlConfig({ rounds: 2, localEpochs: 2 }));
    const { dir } = run;
    try {
      expect(run.clients.filter((c) => c instanceof Error)).toEqual([]);
      expect(run.server.status).toBe('completed');
      expect(run.server.rounds.map((r) => r.status)).toEqual(['committed', 'committed', 'calibrated']);
      // Local training of round 2 starts from round 1's average: its loss is lower than round 1's.
      const [r1, r2] = run.server.rounds;
      expect(r2!.meanLoss!).toBeLessThan(r1!.meanLoss!);
      // The calibration saw every client row (each row scored by its host's window ending at it).
      expect(run.server.rounds[2]!.calibration!.rows).toBe(3 * 160);
      // error_scale is not averaged: the round models keep the initial unit scale, and the
      // calibration sets it from the clients' sums under the final weights (4 hosts x 10 windows each).
      const final = decodeModel(run.server.modelBytes, 'final');
      expect([...final.state.get('error_scale')!.data]).toEqual(new Array(12).fill(1));
      const want = mergedErrorScale(run.kind, final, run.data);
      const stat = run.server.rounds[2]!.calibration!.statistic!;
      expect(stat).toEqual({ tensor: 'error_scale', items: 3 * 40, value: want });
      const ckptPath = run.server.checkpoint!.path;
      const ckpt = loadCheckpoint(ckptPath);
      expect(ckpt.modelType).toBe('transformer');
      expect([...ckpt.checkpoint.tensors.get('error_scale')!.data]).toEqual(want);
      expect(ckpt.threshold).toBe(run.server.checkpoint!.threshold);
      const test = series(3, 40, 9);
      writeNpyFile(join(dir, 'test.npy'), { data: test.rows, shape: [test.hosts.length, 64] });
      writeNpyFile(join(dir, 'test-hosts.npy'), { data: test.hosts, shape: [test.hosts.length] });
      const scored = score({ model: ckptPath, data: join(dir, 'test.npy'), hosts: join(dir, 'test-hosts.npy') });
      expect(scored.scores.length).toBe(120);
      expect(scored.scores.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    } finally {
      run.cleanup();
    }
  });

  it('a client trains from the global model: its weights differ from training the same rows from the initial model', () => {
    const config = tinyTransformer();
    const kind = federatedKind(config);
    const data = localSeries(config, 4);
    const initial = kind.initialModel(0);
    const once = kind.train(initial, data, { epochs: 1, seed: 1 });
    const fromOnce = kind.train({ ...initial, state: once.weights, version: 1 }, data, { epochs: 1, seed: 1 });
    const again = kind.train(initial, data, { epochs: 1, seed: 1 });
    const w = (m: Map<string, { data: Float32Array }>): number[] => [...m.get('head.weight')!.data];
    expect(w(again.weights)).toEqual(w(once.weights)); // deterministic per seed
    expect(w(fromOnce.weights)).not.toEqual(w(once.weights));
    expect(fromOnce.samples).toBe(160);
    data.close();
  });

  it('throws InvalidOptionError when a client holds rows without host ids', () => {
    const config = tinyTransformer();
    const kind = federatedKind(config);
    const s = series(2, 20, 5);
    const data = memoryLocalData(s.rows, s.hosts.length, 64, { config, schema: kind.schema, source: 'local.npy' });
    expectError(() => kind.train(kind.initialModel(0), data, { epochs: 1, seed: 0 }), InvalidOptionError, /^train: model transformer must be given host ids \(--hosts hosts\.npy\) for 2-D rows/);
    expectError(() => kind.score(kind.initialModel(0), data), InvalidOptionError, /^local\.npy: a transformer model must be given host ids \(--hosts\) to score rows, got none$/);
  });

  it('openLocalData reads --hosts into the training data the transformer trains on', () => {
    const config = tinyTransformer();
    const { dir, cleanup } = tempDir();
    try {
      const s = series(3, 24, 6);
      writeNpyFile(join(dir, 'local.npy'), { data: s.rows, shape: [s.hosts.length, 64] });
      writeNpyFile(join(dir, 'hosts.npy'), { data: s.hosts, shape: [s.hosts.length] });
      const kind = federatedKind(config);
      const data = openLocalData(join(dir, 'local.npy'), { config, schema: kind.schema, hosts: join(dir, 'hosts.npy') });
      try {
        expect(data.training.hosts?.rows).toBe(72);
        const trained = kind.train(kind.initialModel(0), data, { epochs: 1, seed: 0 });
        expect(trained.samples).toBe(72);
        expect(Number.isFinite(trained.loss)).toBe(true);
        expect(kind.score(kind.initialModel(0), data).length).toBe(72);
      } finally {
        data.close();
      }
    } finally {
      cleanup();
    }
  });
});

/** Rows of `s` whose host passes `keep`, as local data (each host's rows stay in order). */
function hostShard(config: DadmConfig, s: ReturnType<typeof series>, keep: (host: number) => boolean, source: string): LocalData {
  const idx = [...s.hosts.keys()].filter((i) => keep(s.hosts[i]!));
  const rows = new Float32Array(idx.length * 64);
  idx.forEach((i, k) => rows.set(s.rows.subarray(i * 64, (i + 1) * 64), k * 64));
  return memoryLocalData(rows, idx.length, 64, { config, schema: federatedKind(config).schema, source, hosts: idx.map((i) => s.hosts[i]!) });
}

describe('federated transformer: error_scale is a fitted statistic, not a weight', () => {
  it('the error_scale merged from two clients equals the one a centralized fit computes on the union under the same weights', () => {
    const config = tinyTransformer();
    const kind = federatedKind(config);
    const s = series(6, 40, 11);
    const union = hostShard(config, s, () => true, 'union');
    // The local fit (no validation split) sets error_scale from every training window of the union.
    const fit = kind.train(kind.initialModel(0), union, { epochs: 1, seed: 3 });
    const central = fit.weights.get('error_scale')!.data;
    const model = { ...kind.initialModel(0), state: fit.weights, version: 1 };
    const shards = [hostShard(config, s, (h) => h < 2, 'a'), hostShard(config, s, (h) => h >= 2, 'b')];
    const merge = new StatisticMerge(central.length);
    for (const shard of shards) merge.add(decodeStatistic(encodeStatistic(kind.statisticSums(model, shard)), central.length, 1e6));
    // A window ends at every step of a host (left-padded at its start), every 4th kept: 40 / 4 per host.
    expect(merge.merged().count).toBe(60);
    const merged = kind.withStatistic(model, merge.merged()).state.get('error_scale')!.data;
    for (let a = 0; a < central.length; a++) expect(merged[a]!).toBeCloseTo(central[a]!, 6);
    expect(new Set(central).size).toBeGreaterThan(1); // a real per-feature statistic, not the unit scale
    [union, ...shards].forEach((d) => d.close());
  });

  it('a server replaced during the calibration round rebuilds the merged error_scale from its journal: same checkpoint as an uninterrupted run', async () => {
    const config = tinyTransformer();
    const kind = federatedKind(config);
    const party = makeParty(3);
    const fl = testFlConfig({ rounds: 1, localEpochs: 1 });
    const a = tempDir();
    const b = tempDir();
    try {
      const data = () => [1, 2, 3].map((seed) => localSeries(config, seed));
      const ref = await runInProcess({ party, stateDir: a.dir, config: fl, data: data(), kind });
      const swapped = await runWithServerSwap({ party, stateDir: b.dir, config: fl, data: data(), kind, when: (s) => s.status.phase === 'calibrate' });
      expect(swapped.rounds.at(-1)!.calibration!.statistic).toEqual(ref.server.rounds.at(-1)!.calibration!.statistic);
      expect(swapped.checkpoint!.sha256).toBe(ref.server.checkpoint!.sha256);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('under secure aggregation the updates leave error_scale out too, and the calibration round sets it the same way', async () => {
    const run = await tinyRun(testFlConfig({ rounds: 1, secureAggregation: true }));
    try {
      expect(run.server.rounds.map((r) => [r.status, r.mode])).toEqual([['committed', 'secure'], ['calibrated', 'plain']]);
      const final = decodeModel(run.server.modelBytes, 'final');
      expect(run.server.rounds[1]!.calibration!.statistic!.value).toEqual(mergedErrorScale(run.kind, final, run.data));
    } finally {
      run.cleanup();
    }
  });

  it('rejects statistic payloads of the wrong size, negative or non-finite sums, or a bad count', () => {
    const bad = (doc: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));
    expectError(() => decodeStatistic(bad({ count: 3, sums: [1, 2] }), 3, 10), FormatError, /^statistic: payload must be \{count: integer >= 1, sums: 3 finite numbers >= 0\}, got count 3 and 2 sums$/);
    expectError(() => decodeStatistic(bad({ count: 3, sums: [1, -2, 0] }), 3, 10), FormatError, /got count 3 and 3 sums$/);
    expectError(() => decodeStatistic(bad({ count: 0, sums: [1, 2, 0] }), 3, 10), FormatError, /got count 0 and 3 sums$/);
    expectError(() => decodeStatistic(new Uint8Array([0xff]), 3, 10), FormatError, /^statistic: payload must be JSON/);
    // Over the per-client cap the sums are scaled to it, as FedAvg caps a weight.
    expect(decodeStatistic(bad({ count: 20, sums: [4, 8, 0] }), 3, 10)).toEqual({ count: 10, sums: Float64Array.from([2, 4, 0]) });
  });
});

describe('simulation data for a sequence model', () => {
  it('splitHostsByProfile deals whole hosts sorted by profile, each host in file order', () => {
    // Hosts 7 (profile 1), 3 (profile 0), 5 (profile 1), 9 (profile 0), rows contiguous per host.
    const hosts = [7, 7, 7, 3, 3, 5, 5, 5, 5, 9];
    const profiles = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0];
    const shards = splitHostsByProfile(profiles, hosts, 2).map((s) => [...s]);
    // Profile 0 first (hosts 3, 9), then profile 1 (7, 5); client 1 fills to its half of the rows.
    expect(shards).toEqual([[0, 1, 2, 3, 4, 9], [5, 6, 7, 8]]);
    expect(splitHostsByProfile(profiles, hosts, 4).map((s) => s.length)).toEqual([2, 1, 3, 4]);
    expectError(() => splitHostsByProfile(profiles, hosts, 5), InvalidOptionError, /^simulate: clients must be an integer in \[1, hosts = 4\] for by-profile with host ids, got 5$/);
    expectError(() => splitHostsByProfile([1, 0], [4, 4], 1), InvalidOptionError, /^simulate: host 4 must have one profile, got 1 and 0 \(row 1\)$/);
  });

  it('loadSimData holds out whole hosts (rows in order) when host ids are given', () => {
    const { dir, cleanup } = tempDir();
    try {
      const s = series(10, 12, 3);
      const file = (name: string): string => join(dir, name);
      writeNpyFile(file('d.npy'), { data: s.rows, shape: [120, 64] });
      writeNpyFile(file('h.npy'), { data: s.hosts, shape: [120] });
      writeNpyFile(file('l.npy'), { data: s.labels, shape: [120] });
      const sim = loadSimData({ data: file('d.npy'), hosts: file('h.npy'), labels: file('l.npy'), testFraction: 0.2, seed: 1 });
      const testHosts = new Set(sim.test!.hosts);
      expect(testHosts.size).toBe(2);
      expect(sim.test!.count).toBe(24);
      expect([...sim.hosts!].some((h) => testHosts.has(h))).toBe(false);
      // Each held-out host's rows are its original rows, in order.
      const h = sim.test!.hosts![0]!;
      expect([...sim.test!.rows.subarray(0, 12 * 64)]).toEqual([...s.rows.subarray(h * 12 * 64, (h + 1) * 12 * 64)]);
      const generated = loadSimData({ rows: 400, steps: 50, sequences: true, seed: 2 });
      expect(generated.count).toBe(400);
      expect(new Set(generated.hosts).size).toBe(8);
      expect(generated.test!.hosts!.length).toBe(generated.test!.count);
    } finally {
      cleanup();
    }
  });
});

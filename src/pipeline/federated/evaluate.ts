/**
 * How good a simulated federated run is: the ROC-AUC of every committed global model on held-out
 * labelled rows, the final checkpoint scored by `dadm score` (AUC, and precision/recall at its
 * federated threshold), and the same for a centralized `dadm train` on the union of the client data.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DadmConfig } from '../../config/index.js';
import { StatisticMerge, decodeModel, federatedKind, memoryLocalData, openLocalData, type FederatedModelKind, type GlobalModel, type SimData } from '../../federated/index.js';
import { readNpyFile, writeNpyFile, type NpyArray } from '../../io/index.js';
import { rocAuc } from '../../stats/index.js';
import { score, type LabelMetrics } from '../score.js';
import { train } from '../train.js';

/** One round as the simulation reports it. */
export interface SimulatedRound {
  round: number;
  status: string;
  modelVersion: number;
  accepted: number;
  missing: string[];
  rejected: Record<string, number>;
  meanLoss: number | null;
  /** ROC-AUC of the model after this round on the held-out rows (null without labels, and for aborted or calibration rounds). */
  auc: number | null;
  /** The threshold the calibration round fixed, else null. */
  threshold: number | null;
  reason: string | null;
}

/** A checkpoint scored on the held-out rows. */
export interface ScoredCheckpoint {
  threshold: number;
  /** Null without labelled held-out rows. */
  labels: LabelMetrics | null;
  flaggedFraction: number;
}

/** The quality part of a simulation's result. */
export interface SimulationQuality {
  rounds: SimulatedRound[];
  final: { modelVersion: number; sha256: string; auc: number | null; checkpoint: ScoredCheckpoint | null };
  centralized: (ScoredCheckpoint & { seconds: number }) | null;
}

/** What {@link evaluateRun} reads. */
export interface EvaluateOptions {
  workDir: string;
  stateDir: string;
  /** The final checkpoint, if the run wrote one. */
  checkpoint: string | null;
  config: DadmConfig;
  test: SimData['test'];
  /** Train centrally on the union of `workDir/clients/*\/data.npy`. */
  centralized: boolean;
  /** The config of that centralized run. */
  centralizedConfig: DadmConfig;
  /** A sequence kind: the held-out rows are scored with their host ids, and the centralized run trains on the clients' rows + host ids. */
  sequences: boolean;
}

/** Scores the run's models (and a centralized run) on the held-out rows. */
export function evaluateRun(o: EvaluateOptions): SimulationQuality {
  const { test } = o;
  const kind = federatedKind(o.config, test === null ? undefined : test.rows.length / test.count);
  const hosts = o.sequences && test?.hosts ? { hosts: test.hosts } : {};
  const testData = test === null ? null : memoryLocalData(test.rows, test.count, test.rows.length / test.count, { config: o.config, schema: kind.schema, source: 'held-out rows', ...hosts });
  const withStatistic = shardStatistic(o, kind);
  const auc = (modelFile: string): number | null => {
    if (testData === null) return null;
    const model = decodeModel(new Uint8Array(readFileSync(join(o.stateDir, modelFile))), modelFile);
    return rocAuc(kind.score(withStatistic(model), testData), test!.labels);
  };
  const records = readdirSync(join(o.stateDir, 'rounds')).sort().map((n) => JSON.parse(readFileSync(join(o.stateDir, 'rounds', n), 'utf8')) as Record<string, unknown>);
  const rounds: SimulatedRound[] = records.filter((r) => r.status !== 'initial').map((r) => ({
    round: r.round as number,
    status: r.status as string,
    modelVersion: r.model_version as number,
    accepted: (r.accepted as unknown[]).length,
    missing: r.missing as string[],
    rejected: r.rejected as Record<string, number>,
    meanLoss: r.mean_loss as number | null,
    auc: r.status === 'committed' ? auc(r.model_file as string) : null,
    threshold: (r.calibration as { threshold: number } | null)?.threshold ?? null,
    reason: r.reason as string | null,
  }));
  const last = records.at(-1)!;
  const files = test === null ? null : writeTestSet(o.workDir, test, o.sequences);
  const final = {
    modelVersion: last.model_version as number,
    sha256: last.model_sha256 as string,
    auc: auc(last.model_file as string),
    checkpoint: o.checkpoint === null || files === null ? null : scored(o.checkpoint, files),
  };
  if (!o.centralized || files === null) return { rounds, final, centralized: null };
  const t0 = performance.now();
  const union = collectShards(o.workDir, o.sequences);
  const trained = train({ ...union, outDir: join(o.workDir, 'central', 'out'), config: o.centralizedConfig });
  return { rounds, final, centralized: { ...scored(trained.files.model, files), seconds: (performance.now() - t0) / 1000 } };
}

/**
 * A round's global model as the calibration round would finish it: a kind's fitted statistic
 * (`error_scale`) is not trained, so a round's model file keeps the initial one; the simulation, which
 * holds every client shard, merges the clients' sums under that round's weights, exactly as the
 * calibration round does with the final weights (docs/federated.md "Fitted statistics").
 */
function shardStatistic(o: EvaluateOptions, kind: FederatedModelKind): (model: GlobalModel) => GlobalModel {
  if (kind.statistic === null) return (model) => model;
  const dir = join(o.workDir, 'clients');
  return (model) => {
    const merge = new StatisticMerge(model.state.get(kind.statistic!)!.size);
    for (const id of readdirSync(dir).sort()) {
      const hosts = o.sequences ? { hosts: join(dir, id, 'hosts.npy') } : {};
      const data = openLocalData(join(dir, id, 'data.npy'), { config: o.config, schema: kind.schema, ...hosts });
      try {
        merge.add(kind.statisticSums(model, data));
      } finally {
        data.close();
      }
    }
    return kind.withStatistic(model, merge.merged());
  };
}

function scored(model: string, files: { data: string; labels: string; hosts?: string }): ScoredCheckpoint {
  const r = score({ model, ...files });
  return { threshold: r.threshold, labels: r.labels, flaggedFraction: r.flaggedFraction };
}

function writeTestSet(workDir: string, test: NonNullable<SimData['test']>, sequences: boolean): { data: string; labels: string; hosts?: string } {
  const dir = join(workDir, 'test');
  mkdirSync(dir, { recursive: true });
  const files = { data: join(dir, 'test.npy'), labels: join(dir, 'test-labels.npy') };
  writeNpyFile(files.data, { data: test.rows, shape: [test.count, test.rows.length / test.count] });
  writeNpyFile(files.labels, { data: test.labels, shape: [test.count] });
  if (!sequences || test.hosts === null) return files;
  const hosts = join(dir, 'test-hosts.npy');
  writeNpyFile(hosts, { data: test.hosts, shape: [test.count] });
  return { ...files, hosts };
}

/**
 * Writes the union of the client shards as central/data.npy (and, for a sequence kind, their host
 * ids as central/hosts.npy: each client's hosts are whole, so every host stays in order) and returns
 * the paths as `train` takes them.
 */
function collectShards(workDir: string, sequences: boolean): { data: string; hosts?: string } {
  const dir = join(workDir, 'clients');
  const ids = readdirSync(dir).sort();
  mkdirSync(join(workDir, 'central'), { recursive: true });
  const out = { data: join(workDir, 'central', 'data.npy') };
  writeNpyFile(out.data, concatenated(ids.map((id) => readNpyFile(join(dir, id, 'data.npy')))));
  if (!sequences) return out;
  const hosts = join(workDir, 'central', 'hosts.npy');
  const all = concatenated(ids.map((id) => readNpyFile(join(dir, id, 'hosts.npy'))));
  writeNpyFile(hosts, { data: Int32Array.from(all.data), shape: all.shape }); // ids are integers below 2^24: exact through float32
  return { ...out, hosts };
}

/** The parts stacked along their first axis (same trailing shape), as float32. */
function concatenated(parts: NpyArray[]): { data: Float32Array; shape: number[] } {
  const all = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p.data, at);
    at += p.data.length;
  }
  return { data: all, shape: [parts.reduce((s, p) => s + p.shape[0]!, 0), ...parts[0]!.shape.slice(1)] };
}

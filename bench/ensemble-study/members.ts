/**
 * The ensemble study's members: per data set and seed, each member's anomaly score of every row of
 * the training file (the ODDS unsupervised protocol: fit on all of X, score X). Autoencoder and
 * isolation forest go through the pipeline's `train` + `loadCheckpoint` exactly as `dadm train` /
 * `dadm score` would; ECOD is fitted in memory on the same model input (the active columns).
 * Scores are cached as JSON under the cache directory, keyed by data set, member config and seed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECOD } from '../../src/ecod/index.js';
import { readNpyFile } from '../../src/io/index.js';
import { EnsembleModel } from '../../src/models/index.js';
import { defaultConfig, generateData, loadCheckpoint, mergeConfig, readLabels, train, type DadmConfig, type PartialDadmConfig } from '../../src/pipeline/index.js';
import { schemaForMode, standardizeInPlace } from '../../src/schema/index.js';

/** One labelled data set as the pipeline reads it. */
export interface StudySet {
  name: string;
  data: string;
  labels: string;
  /** The config a user would write for it (schema, standardize). */
  config: DadmConfig;
}

/** The member configurations compared. */
/** 'ensemble': the members exactly as `model: ensemble` trains them (autoencoder raised to ensemble.autoencoder_min_steps). */
export type AutoencoderVariant = 'default' | 'baselines' | 'ensemble';

export const MEMBERS = ['autoencoder', 'iforest', 'ecod'] as const;
export type Member = (typeof MEMBERS)[number];

/** Each member's float64 scores of every row (higher = more anomalous), plus the labels. */
export interface MemberScores {
  labels: Uint8Array;
  scores: Record<Member, Float64Array>;
}

/** ODDS sets in generic mode (schema none + standardize), and gen-data (endpoint-v1) generated once per data seed. */
export function studySets(opts: { dataDir: string; workDir: string; genSeed: number; genRows: number }): StudySet[] {
  const generic = mergeConfig({ schema: 'none', standardize: true }, defaultConfig());
  const sets: StudySet[] = ['ionosphere', 'breastcancer'].map((name) => ({
    name,
    data: join(opts.dataDir, `${name}_X.npy`),
    labels: join(opts.dataDir, `${name}_y.npy`),
    config: generic,
  }));
  mkdirSync(opts.workDir, { recursive: true });
  const gen = { data: join(opts.workDir, `gen-${opts.genSeed}.npy`), labels: join(opts.workDir, `gen-${opts.genSeed}-labels.npy`) };
  if (!existsSync(gen.data) || !existsSync(gen.labels)) {
    generateData({ rows: opts.genRows, out: gen.data, labelsOut: gen.labels, anomalyRate: 0.02, seed: opts.genSeed });
  }
  sets.push({ name: `gen-data(seed ${opts.genSeed})`, ...gen, config: defaultConfig() });
  return sets;
}

/** The autoencoder config: the pipeline default, or shared/data/BASELINES.md's protocol for the ODDS sets. */
function autoencoderConfig(set: StudySet, variant: AutoencoderVariant, cols: number): DadmConfig {
  if (variant === 'default' || set.config.schema !== 'none') return set.config;
  const hidden = [Math.max(4, Math.floor(cols / 2)), Math.max(2, Math.floor(cols / 4))];
  return mergeConfig({ autoencoder: { hiddenDims: hidden }, training: { epochs: 50, batchSize: 64, validationFraction: 0, earlyStoppingPatience: 0 } }, set.config);
}

function pipelineScores(set: StudySet, config: DadmConfig, seed: number, rows: Float32Array, n: number, workDir: string): Float64Array {
  const outDir = mkdtempSync(join(workDir, 'run-'));
  try {
    const run = train({ data: set.data, outDir, config, seed });
    return Float64Array.from(loadCheckpoint(run.files.model).score(rows, n));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The model input ECOD sees: the schema's active columns of the training file (ECOD is rank-based, so scaling is irrelevant). */
function activeColumns(data: Float32Array, rows: number, cols: number, active: number): Float32Array {
  if (active === cols) return data;
  const out = new Float32Array(rows * active);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * cols, r * cols + active), r * active);
  return out;
}

/** Member scores for one set and seed, from the cache when present (variant 'ensemble': trained with `ensembleOverrides` over the set's config; give each overrides its own cache directory). */
export function memberScores(set: StudySet, seed: number, variant: AutoencoderVariant, cacheDir: string, ensembleOverrides: PartialDadmConfig = {}): MemberScores {
  mkdirSync(cacheDir, { recursive: true });
  // The variant changes the autoencoder only on the ODDS sets (see autoencoderConfig).
  const aeKey = set.config.schema === 'none' || variant === 'ensemble' ? variant : 'default';
  const key = join(cacheDir, `${set.name.replace(/[^a-z0-9]+/gi, '_')}-ae_${aeKey}-seed${seed}.json`);
  const X = readNpyFile(set.data);
  const [n, cols] = [X.shape[0]!, X.shape[1]!];
  const labels = readLabels(set.labels, n);
  if (existsSync(key)) {
    const cached = JSON.parse(readFileSync(key, 'utf8')) as Record<Member, number[]>;
    return { labels, scores: { autoencoder: Float64Array.from(cached.autoencoder), iforest: Float64Array.from(cached.iforest), ecod: Float64Array.from(cached.ecod) } };
  }
  const data = Float32Array.from(X.data as ArrayLike<number>);
  if (variant === 'ensemble') {
    const scores = ensembleMemberScores({ set, seed, rows: data, n, workDir: cacheDir, overrides: ensembleOverrides });
    writeFileSync(key, JSON.stringify({ autoencoder: Array.from(scores.autoencoder), iforest: Array.from(scores.iforest), ecod: Array.from(scores.ecod) }));
    return { labels, scores };
  }
  const autoencoder = pipelineScores(set, autoencoderConfig(set, variant, cols), seed, data, n, cacheDir);
  const iforest = pipelineScores(set, mergeConfig({ model: 'iforest' }, set.config), seed, data, n, cacheDir);
  const active = schemaForMode(set.config.schema, cols).activeFeatures;
  const x = { data: activeColumns(data, n, cols, active), shape: [n, active] as const };
  const ecod = new ECOD().fit(x).anomalyScore(x);
  writeFileSync(key, JSON.stringify({ autoencoder: Array.from(autoencoder), iforest: Array.from(iforest), ecod: Array.from(ecod) }));
  return { labels, scores: { autoencoder, iforest, ecod } };
}

/** Every member's scores as one `model: ensemble` run trained them (members scored through the loaded checkpoint). */
function ensembleMemberScores(opts: { set: StudySet; seed: number; rows: Float32Array; n: number; workDir: string; overrides: PartialDadmConfig }): Record<Member, Float64Array> {
  const { set, seed, rows, n, workDir } = opts;
  const outDir = mkdtempSync(join(workDir, 'run-'));
  try {
    const run = train({ data: set.data, outDir, config: mergeConfig({ ...opts.overrides, model: 'ensemble' }, set.config), seed });
    const detector = loadCheckpoint(run.files.model);
    if (!(detector.model instanceof EnsembleModel)) throw new Error('ensemble study: the checkpoint must hold an ensemble');
    const x = rows.slice(0, n * detector.schema.dim);
    if (detector.standardizer !== null) standardizeInPlace(detector.standardizer, x, n);
    const raw = detector.model.memberScores(x, n);
    return Object.fromEntries(detector.model.members.map((m, k) => [m.name, Float64Array.from(raw[k]!)])) as Record<Member, Float64Array>;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

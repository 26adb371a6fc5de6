/**
 * `dadm evaluate`: how well each model kind detects the labelled anomalies of a data file. For every
 * kind and seed it trains on the file (unlabelled, in a temporary directory), scores the same file
 * (the ODDS unsupervised protocol of ../shared/data/BASELINES.md) and measures ROC-AUC and average
 * precision against the labels; an ensemble's members are measured too, as the ensemble trained
 * them. Nothing is written to the working tree. See docs/pipeline.md "## evaluate".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type DadmConfig, type ModelKind } from '../config/index.js';
import { checkWidth, openDataFile, scoreFile } from '../data/index.js';
import { DataError, InvalidOptionError } from '../errors.js';
import { EnsembleModel, loadCheckpoint, modelKinds } from '../models/index.js';
import { averagePrecision, rocAuc } from '../stats/index.js';
import { readLabels } from './score.js';
import { train } from './train.js';

/** The kinds evaluate trains and scores: those scoring rows (a sequence kind's detection is measured by the sequence-detection benchmark). */
export const EVALUATED_KINDS: readonly ModelKind[] = modelKinds().filter((k) => k.inputForm === 'rows').map((k) => k.name);

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Data .npy `[rows, features]`: trained on and scored. */
  data: string;
  /** Labels .npy `[rows]` of 0/1 (1 = anomaly), both classes present. */
  labels: string;
  /** Kinds to evaluate, in this order; default every kind. */
  models?: readonly ModelKind[];
  /** Training seeds (`training.seed`); default 0..4. */
  seeds?: readonly number[];
  /** Config every run starts from (its `model` and `training.seed` are overridden); default the defaults. */
  config?: DadmConfig;
  /** Called after each trained and scored run. */
  onRun?: (run: EvaluatedRun) => void;
}

/** One kind (or ensemble member) at one seed. */
export interface EvaluatedRun {
  /** `'iforest'`, or `'ensemble/autoencoder'` for a member as the ensemble trained it. */
  model: string;
  seed: number;
  rocAuc: number;
  averagePrecision: number;
  /** Training and scoring time of the kind (members: 0, they are timed with their ensemble). */
  seconds: number;
  /** Runs done and to do (kinds x seeds), for progress. */
  done: number;
  total: number;
}

/** A kind's (or member's) figures over the seeds: per seed, then mean and population sd (ddof 0). */
export interface EvaluatedModel {
  model: string;
  rocAuc: { perSeed: number[]; mean: number; sd: number };
  averagePrecision: { perSeed: number[]; mean: number; sd: number };
  /** Mean seconds per run. */
  seconds: number;
}

/** What {@link evaluate} measured. */
export interface EvaluateResult {
  data: string;
  rows: number;
  positives: number;
  seeds: number[];
  models: EvaluatedModel[];
}

/**
 * Trains and scores each kind per seed on the labelled file and summarizes ROC-AUC and average
 * precision. Every run trains from the same config with only `model` and `training.seed` changed.
 * @throws InvalidOptionError for an unknown kind, no kinds or seeds, or a seed that is not an integer >= 0
 * @throws DataError for labels of one class only; the errors of train and score for unusable files
 */
export function evaluate(opts: EvaluateOptions): EvaluateResult {
  const models = opts.models ?? EVALUATED_KINDS;
  const seeds = opts.seeds ?? [0, 1, 2, 3, 4];
  checkLists(models, seeds);
  const base = opts.config ?? defaultConfig();
  const rows = openRows(opts.data);
  const labels = readLabels(opts.labels, rows);
  let positives = 0;
  for (let i = 0; i < rows; i++) positives += labels[i]!;
  if (positives === 0 || positives === rows) {
    throw new DataError(`${opts.labels}: labels must hold both classes (0 and 1) to evaluate, got ${positives === 0 ? 'only 0' : 'only 1'}`, opts.labels);
  }
  const perModel = new Map<string, { auc: number[]; ap: number[]; seconds: number[] }>();
  const record = (run: Omit<EvaluatedRun, 'done' | 'total'>, done: number): void => {
    const entry = perModel.get(run.model) ?? { auc: [], ap: [], seconds: [] };
    entry.auc.push(run.rocAuc);
    entry.ap.push(run.averagePrecision);
    entry.seconds.push(run.seconds);
    perModel.set(run.model, entry);
    opts.onRun?.({ ...run, done, total: models.length * seeds.length });
  };
  const work = mkdtempSync(join(tmpdir(), 'dadm-evaluate-'));
  try {
    let done = 0;
    for (const model of models) {
      for (const seed of seeds) {
        const t0 = performance.now();
        const outDir = join(work, `${model}-${seed}`);
        const { files } = train({ data: opts.data, outDir, config: base, model, seed });
        const scored = scoreWith(files.model, opts.data);
        rmSync(outDir, { recursive: true, force: true });
        const seconds = (performance.now() - t0) / 1000;
        done++;
        for (const [name, scores] of scored) {
          record({ model: name === '' ? model : `${model}/${name}`, seed, rocAuc: rocAuc(scores, labels), averagePrecision: averagePrecision(scores, labels), seconds: name === '' ? seconds : 0 }, done);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    data: opts.data,
    rows,
    positives,
    seeds: [...seeds],
    models: [...perModel].map(([model, e]) => ({ model, rocAuc: summary(e.auc), averagePrecision: summary(e.ap), seconds: mean(e.seconds) })),
  };
}

/** Scores of every row of `data` by the checkpoint (key '') and, for an ensemble, by each member (key = member name). */
function scoreWith(checkpoint: string, data: string): Map<string, Float32Array> {
  const detector = loadCheckpoint(checkpoint);
  const kernels = new Map([['', detector.kernel]]);
  if (detector.model instanceof EnsembleModel) for (const m of detector.model.members) kernels.set(m.name, m.model.score);
  const file = openDataFile(data, { option: '--data' });
  try {
    checkWidth(file, detector.schema);
    const out = new Map<string, Float32Array>();
    for (const [name, kernel] of kernels) out.set(name, scoreFile(file, { active: detector.schema.activeFeatures, standardizer: detector.standardizer, kernel }));
    return out;
  } finally {
    file.reader.close();
  }
}

function openRows(path: string): number {
  const file = openDataFile(path, { option: '--data', needsFile: 'evaluate trains on it and scores it once per kind and seed' });
  file.reader.close();
  return file.rows;
}

function checkLists(models: readonly string[], seeds: readonly number[]): void {
  if (models.length === 0) throw new InvalidOptionError('evaluate: models must name at least one kind, got none', 'models');
  for (const m of models) {
    if (!(EVALUATED_KINDS as readonly string[]).includes(m)) throw new InvalidOptionError(`evaluate: models must be kinds among ${EVALUATED_KINDS.join(', ')}, got '${m}'`, 'models');
  }
  if (new Set(models).size !== models.length) throw new InvalidOptionError(`evaluate: models must not repeat a kind, got ${models.join(',')}`, 'models');
  if (seeds.length === 0) throw new InvalidOptionError('evaluate: seeds must hold at least one seed, got none', 'seeds');
  for (const s of seeds) if (!Number.isSafeInteger(s) || s < 0) throw new InvalidOptionError(`evaluate: seeds must be integers >= 0, got ${s}`, 'seeds');
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function summary(v: number[]): { perSeed: number[]; mean: number; sd: number } {
  const m = mean(v);
  return { perSeed: v, mean: m, sd: Math.sqrt(mean(v.map((x) => (x - m) ** 2))) };
}

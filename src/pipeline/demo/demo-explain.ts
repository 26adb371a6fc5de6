/**
 * The demo's explain step: explains flagged attack rows of the demo data and checks the
 * explanations against how the attacks were made. Each synthetic attack changes only a few
 * features (`ATTACK_FEATURES`); a good explanation of an attack row ranks one of them first, or at
 * least among the top three. Exact Shapley values (slow, ~0.3–1 s a row) cover the highest-scoring
 * flagged rows of each attack type; reconstruction attribution (one forward pass) covers every
 * flagged attack row when the model is an autoencoder. See docs/explain.md.
 */
import { join } from 'node:path';
import { DataError, InvalidOptionError } from '../../errors.js';
import { readNpyFile } from '../../io/index.js';
import { ATTACK_FEATURES, ATTACK_NAMES, type AttackName } from '../../schema/index.js';
import type { ExplainMethod } from '../../config/index.js';
import { modelKind } from '../../models/index.js';
import { explain, type ExplainResult } from '../explain.js';
import { score } from '../score.js';

/** Options of {@link demoExplain}. */
export interface DemoExplainOptions {
  /** Demo directory with model.safetensors, drift_reference.npz, data.npy and attack_types.npy. */
  outDir: string;
  /** Shap rows per attack type: its highest-scoring flagged rows. Default 4. */
  shapPerAttack?: number;
  /** Background rows for shap (the start of the drift reference's training sample). Default 100. */
  backgroundRows?: number;
}

/** One explained attack row. */
export interface DemoExplainedRow {
  row: number;
  score: number;
  attackType: AttackName;
  /** The three features with the largest contribution, largest first. */
  top: { name: string; contribution: number }[];
  /** Whether the first feature, and any of the three, is one the attack changed. */
  top1Hit: boolean;
  top3Hit: boolean;
}

/** Hits of one attack type (or `all`): explained rows and how many had a hit at top-1 / top-3. */
export interface AttackHitRate {
  attackType: AttackName | 'all';
  rows: number;
  top1: number;
  top3: number;
}

/** One method's explanations of attack rows and their hit rates. */
export interface DemoExplainMethodResult {
  method: ExplainMethod;
  /** Explained rows, by descending score. */
  rows: DemoExplainedRow[];
  /** Per attack type that had explained rows, then `all`. */
  hitRates: AttackHitRate[];
  seconds: number;
}

/** What {@link demoExplain} measured. */
export interface DemoExplainResult {
  rows: number;
  threshold: number;
  flagged: number;
  /** Flagged rows that are attacks (the rest are normal rows above the threshold). */
  flaggedAttacks: number;
  backgroundRows: number;
  /** Exact Shapley values on the top flagged rows of each attack type. */
  shap: DemoExplainMethodResult;
  /** Reconstruction attribution on every flagged attack row; null for a model without reconstruction. */
  reconstruction: DemoExplainMethodResult | null;
}

const TOP_K = 3;

/**
 * Scores `data.npy` with `model.safetensors` from `opts.outDir`, explains flagged attack rows (see
 * the module comment) and compares the top features with the attack's own features.
 * @throws InvalidOptionError for a bad row count per attack or background size
 * @throws DataError when attack_types.npy does not match data.npy
 * @throws as {@link score} and {@link explain} for missing or mismatching files
 */
export function demoExplain(opts: DemoExplainOptions): DemoExplainResult {
  const perAttack = opts.shapPerAttack ?? 4;
  const backgroundRows = opts.backgroundRows ?? 100;
  if (!Number.isInteger(perAttack) || perAttack < 1) {
    throw new InvalidOptionError(`demoExplain: shapPerAttack must be a positive integer, got ${perAttack}`, 'shapPerAttack');
  }
  const model = join(opts.outDir, 'model.safetensors');
  const data = join(opts.outDir, 'data.npy');
  const typesPath = join(opts.outDir, 'attack_types.npy');
  const types = readNpyFile(typesPath).data;
  const scored = score({ model, data });
  const { scores, threshold } = scored;
  if (types.length !== scored.rows) {
    throw new DataError(`${typesPath}: length must be ${scored.rows} like data.npy, got ${types.length}`, typesPath);
  }
  const flaggedAttacks: number[] = [];
  for (let r = 0; r < scored.rows; r++) if (scores[r]! > threshold && types[r] !== 0) flaggedAttacks.push(r);
  flaggedAttacks.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const shapRows: number[] = [];
  for (let code = 1; code < ATTACK_NAMES.length; code++) {
    shapRows.push(...flaggedAttacks.filter((r) => types[r] === code).slice(0, perAttack));
  }
  shapRows.sort((a, b) => scores[b]! - scores[a]! || a - b);
  // The background actually used: the reference sample may hold fewer rows than asked for.
  let usedBackground = backgroundRows;
  const run = (method: ExplainMethod, rows: number[]): DemoExplainMethodResult => {
    const t0 = performance.now();
    const r = explain({ model, data, method, topK: TOP_K, rows, backgroundRows });
    if (r.background !== null) usedBackground = r.background.rows;
    return summarize(r, types, (performance.now() - t0) / 1000);
  };
  const shap = run('shap', shapRows);
  const reconstruction = modelKind(scored.modelType).reconstructs ? run('reconstruction', flaggedAttacks) : null;
  return { rows: scored.rows, threshold, flagged: scored.flagged, flaggedAttacks: flaggedAttacks.length, backgroundRows: usedBackground, shap, reconstruction };
}

function summarize(r: ExplainResult, types: Float32Array, seconds: number): DemoExplainMethodResult {
  const rows = r.explained.map((e): DemoExplainedRow => {
    const attackType = ATTACK_NAMES[types[e.row]!] as AttackName;
    const own = ATTACK_FEATURES[attackType];
    const top = e.top.map((f) => ({ name: f.name, contribution: f.contribution }));
    return { row: e.row, score: e.score, attackType, top, top1Hit: own.includes(top[0]!.name), top3Hit: top.some((f) => own.includes(f.name)) };
  });
  const hitRates: AttackHitRate[] = [];
  for (const name of [...ATTACK_NAMES.slice(1), 'all'] as (AttackName | 'all')[]) {
    const of = name === 'all' ? rows : rows.filter((x) => x.attackType === name);
    if (of.length === 0 && name !== 'all') continue;
    hitRates.push({ attackType: name, rows: of.length, top1: of.filter((x) => x.top1Hit).length, top3: of.filter((x) => x.top3Hit).length });
  }
  return { method: r.method, rows, hitRates, seconds };
}

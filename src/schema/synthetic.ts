/**
 * Synthetic endpoint-v1 telemetry: realistic normal host behaviour plus labelled injected attacks,
 * deterministic per seed. Used for the demo, tests and benchmarks; see docs/feature-schema.md.
 *
 * Normal rows (one host, one day): a host profile per row (workstation 45 %, developer 25 %,
 * server 20 %, domain controller 10 %) and four latent factors with mean 1 — activity, network
 * load, file load, admin workload, each `Gamma(4, 1/4)` — that multiply the profile's expected
 * counts. Counts are negative binomial (gamma–Poisson), distinct counts follow Heaps' law
 * (`K * total^beta`), bytes in/out are correlated lognormals. So normal rows lie near a
 * low-dimensional manifold with heavy-tailed marginals, and attacks break its correlations.
 */
import { InvalidOptionError } from '../errors.js';
import { Random } from '../tensor/index.js';
import { CORE_FEATURE_DIM } from './feature-schema.js';
import { sampleLogUniform } from './host-sampling.js';
import { HOST_PROFILES, PROFILE_MEANS, featureIndex, sampleFactors, sampleProfile, sampleProfileRow, type HostFactors } from './host-profiles.js';

/** Attack kinds; the code of each is its index in {@link ATTACK_NAMES} (0 = normal). */
export type AttackName = 'exfiltration' | 'privilege_escalation' | 'ransomware' | 'lateral_movement';

/** `attackType` code -> name. */
export const ATTACK_NAMES: readonly ['normal', ...AttackName[]] = Object.freeze([
  'normal',
  'exfiltration',
  'privilege_escalation',
  'ransomware',
  'lateral_movement',
]);

/**
 * How an attack changes one feature: `scale` sets `round(x * LogUniform(low, high)) + add`
 * (counts, bytes); `shift` sets `x + Uniform(low, high)` (cmdline_entropy, bits/char).
 */
export interface AttackEffect {
  readonly feature: string;
  readonly kind: 'scale' | 'shift';
  readonly low: number;
  readonly high: number;
  readonly add: number;
}

/**
 * The only features each attack changes (an explanation of an attack row should point to these),
 * with magnitudes chosen to be several normalized sigma off the normal manifold, not extreme.
 */
export const ATTACK_EFFECTS: Readonly<Record<AttackName, readonly AttackEffect[]>> = Object.freeze({
  exfiltration: [
    { feature: 'net_bytes_out', kind: 'scale', low: 30, high: 300, add: 0 },
    { feature: 'net_unique_dest_ips', kind: 'scale', low: 2, high: 6, add: 0 },
  ],
  privilege_escalation: [
    { feature: 'privilege_escalation_events', kind: 'scale', low: 5, high: 20, add: 10 },
    { feature: 'admin_session_count', kind: 'scale', low: 1.5, high: 3, add: 2 },
    { feature: 'cmdline_entropy', kind: 'shift', low: 0.5, high: 1, add: 0 },
  ],
  ransomware: [
    { feature: 'file_write_count', kind: 'scale', low: 2, high: 6, add: 0 },
    { feature: 'file_rename_count', kind: 'scale', low: 10, high: 40, add: 100 },
    { feature: 'file_unique_extensions', kind: 'scale', low: 2, high: 4, add: 10 },
  ],
  lateral_movement: [
    { feature: 'net_unique_dest_ips', kind: 'scale', low: 2, high: 5, add: 20 },
    { feature: 'net_failed_connections', kind: 'scale', low: 4, high: 12, add: 20 },
    { feature: 'admin_session_count', kind: 'scale', low: 2, high: 5, add: 2 },
  ],
});

/** Feature names each attack changes, from {@link ATTACK_EFFECTS}. */
export const ATTACK_FEATURES: Readonly<Record<AttackName, readonly string[]>> = Object.freeze(
  Object.fromEntries(Object.entries(ATTACK_EFFECTS).map(([k, v]) => [k, v.map((e) => e.feature)])) as Record<AttackName, string[]>,
);

// ATTACK_EFFECTS by attack code with resolved column indices (index 0 = normal = no effects).
const ATTACK_EFFECT_LIST: readonly (readonly (AttackEffect & { index: number })[])[] = ATTACK_NAMES.map((name) =>
  name === 'normal' ? [] : ATTACK_EFFECTS[name].map((e) => ({ ...e, index: featureIndex(e.feature) })),
);

/** Options of {@link generateHostData}. */
export interface HostDataOptions {
  /** Number of rows (host-windows). */
  rows: number;
  /** Non-negative integer seed; the same options always give the same data. */
  seed: number;
  /** Fraction of rows turned into attacks; exactly `round(rows * anomalyRate)` rows. Default 0. */
  anomalyRate?: number;
  /** Attack kinds to inject, assigned round-robin over the randomly placed anomalies. Default all. */
  attacks?: readonly AttackName[];
}

/** Output of {@link generateHostData}. */
export interface HostData {
  /** `[rows, 12]` raw endpoint-v1 features (counts, bytes, bits/char). */
  raw: Float32Array;
  /** `[rows]` 1 for an injected attack, else 0. */
  labels: Uint8Array;
  /** `[rows]` attack code: 0 normal, else an index into `attackNames`. */
  attackType: Uint8Array;
  attackNames: readonly string[];
  /** `[rows]` host profile code, an index into `profileNames`. */
  profile: Uint8Array;
  profileNames: readonly string[];
}

/**
 * Generates synthetic endpoint telemetry. Normal rows do not depend on `anomalyRate`: they are
 * drawn first, then anomalies are placed and injected with further draws from the same generator.
 * Feed `toModelInput(normalizeCore(raw))` to a model.
 * @throws InvalidOptionError for a bad row count, seed, rate or attack name
 */
export function generateHostData(options: HostDataOptions): HostData {
  const { rows } = options;
  const plan = planHostData(options);
  const raw = new Float32Array(rows * CORE_FEATURE_DIM);
  const profile = new Uint8Array(rows);
  sampleNormalRows(plan.rng, raw, profile);
  const labels = new Uint8Array(rows);
  const attackType = new Uint8Array(rows);
  const row = new Float64Array(CORE_FEATURE_DIM);
  const positions = plannedAttackRows(plan);
  for (let a = 0; a < positions.length; a++) {
    const i = positions[a]!;
    for (let j = 0; j < CORE_FEATURE_DIM; j++) row[j] = raw[i * CORE_FEATURE_DIM + j]!;
    const code = injectPlannedAttack(plan, a, row);
    raw.set(row, i * CORE_FEATURE_DIM);
    labels[i] = 1;
    attackType[i] = code;
  }
  return { raw, labels, attackType, attackNames: ATTACK_NAMES, profile, profileNames: HOST_PROFILES };
}

/** The checked options of a {@link generateHostData} run and its generator, before any row is drawn. */
export interface HostDataPlan {
  readonly rows: number;
  readonly rng: Random;
  /** Attack codes, assigned round-robin to the anomalies. */
  readonly codes: readonly number[];
  /** Rows turned into attacks: `round(rows * anomalyRate)`. */
  readonly anomalies: number;
}

/**
 * Checks the options of {@link generateHostData} and seeds its generator. Draw the normal rows with
 * {@link sampleNormalRows} (in blocks, in order), then the attacks with {@link plannedAttackRows}: the same
 * draws as generateHostData, so the same rows, without holding the table.
 * @throws InvalidOptionError for a bad row count, seed, rate or attack name
 */
export function planHostData(options: HostDataOptions): HostDataPlan {
  const { rows, seed } = options;
  const anomalyRate = options.anomalyRate ?? 0;
  const attacks = options.attacks ?? (ATTACK_NAMES.slice(1) as AttackName[]);
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new InvalidOptionError(`generateHostData: rows must be a non-negative integer, got ${rows}`, 'rows');
  }
  if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
    throw new InvalidOptionError(`generateHostData: anomalyRate must be a number in [0, 1], got ${anomalyRate}`, 'anomalyRate');
  }
  const codes = attacks.map((a) => ATTACK_NAMES.indexOf(a));
  const bad = attacks.find((_, i) => codes[i]! < 1);
  if (bad !== undefined || (attacks.length === 0 && anomalyRate > 0)) {
    throw new InvalidOptionError(
      `generateHostData: attacks must be a non-empty list of ${ATTACK_NAMES.slice(1).join(', ')}, got ${JSON.stringify(attacks)}`,
      'attacks',
    );
  }
  return { rows, rng: new Random(seed), codes, anomalies: Math.round(rows * anomalyRate) };
}

/**
 * Draws the next `raw.length / 12` normal rows of a plan into `raw` (`[count, 12]`), and their
 * profile codes into `profile` when given.
 */
export function sampleNormalRows(rng: Random, raw: Float32Array, profile?: Uint8Array): void {
  const row = new Float64Array(CORE_FEATURE_DIM);
  const factors: HostFactors = { activity: 1, network: 1, files: 1, admin: 1 };
  const count = raw.length / CORE_FEATURE_DIM;
  for (let i = 0; i < count; i++) {
    const p = sampleNormalRow(rng, row, factors);
    if (profile !== undefined) profile[i] = p;
    raw.set(row, i * CORE_FEATURE_DIM);
  }
}

/**
 * After every normal row of the plan is drawn: the anomaly rows, in draw order. Anomaly `a` (at row
 * `positions[a]`) has the code `plan.codes[a % plan.codes.length]`; change the rows in that order with
 * {@link injectPlannedAttack}, each on its raw float32 values loaded into a float64 row.
 */
export function plannedAttackRows(plan: HostDataPlan): Int32Array {
  return plan.rng.sampleWithoutReplacement(plan.rows, plan.anomalies);
}

/** Changes `row` as anomaly `a` of the plan (see {@link plannedAttackRows}); returns its attack code. */
export function injectPlannedAttack(plan: HostDataPlan, a: number, row: Float64Array): number {
  const code = plan.codes[a % plan.codes.length]!;
  injectAttack(plan.rng, code, row);
  return code;
}

/** Draws one normal host-day into `row`; returns its profile code. */
function sampleNormalRow(rng: Random, row: Float64Array, factors: HostFactors): number {
  const p = sampleProfile(rng);
  sampleProfileRow(rng, PROFILE_MEANS[p]!, sampleFactors(rng, factors), row);
  return p;
}

/** Changes only the features listed in {@link ATTACK_EFFECTS} for attack `code`. */
function injectAttack(rng: Random, code: number, row: Float64Array): void {
  for (const effect of ATTACK_EFFECT_LIST[code]!) {
    const j = effect.index;
    if (effect.kind === 'shift') row[j]! += rng.uniform(effect.low, effect.high);
    else row[j] = Math.round(row[j]! * sampleLogUniform(rng, effect.low, effect.high)) + effect.add;
  }
}

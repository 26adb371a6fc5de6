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
import { CORE_FEATURES, CORE_FEATURE_DIM } from './feature-schema.js';
import { sampleGamma, sampleLogUniform, sampleNegBinomial } from './host-sampling.js';

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

/** Host profile names; `profile` codes index this list. */
export const HOST_PROFILES: readonly string[] = Object.freeze(['workstation', 'developer', 'server', 'domain_controller']);
const PROFILE_CUMULATIVE = [0.45, 0.7, 0.9, 1];

/** Daily expectations of one host profile at activity 1 (counts per 24 h window). */
interface HostProfile {
  readonly processes: number;
  /** Heaps'-law coefficient: distinct executables = K * processes^0.5. */
  readonly uniqueK: number;
  /** Mean command-line entropy, bits/char. */
  readonly entropy: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  readonly destIps: number;
  readonly failed: number;
  readonly writes: number;
  readonly renames: number;
  /** Heaps'-law coefficient: distinct extensions = K * writes^0.35. */
  readonly extensionK: number;
  readonly privilege: number;
  readonly admin: number;
}

const PROFILES: readonly HostProfile[] = [
  // workstation
  { processes: 3000, uniqueK: 1.0, entropy: 4.1, bytesOut: 5e7, bytesIn: 5e8, destIps: 150, failed: 100, writes: 1e4, renames: 250, extensionK: 1.0, privilege: 40, admin: 10 },
  // developer box
  { processes: 1e4, uniqueK: 1.2, entropy: 4.5, bytesOut: 5e8, bytesIn: 2e9, destIps: 300, failed: 200, writes: 7e4, renames: 2000, extensionK: 1.2, privilege: 150, admin: 20 },
  // server
  { processes: 6000, uniqueK: 0.9, entropy: 3.8, bytesOut: 2.5e9, bytesIn: 1.2e9, destIps: 1500, failed: 500, writes: 3.5e4, renames: 500, extensionK: 0.5, privilege: 100, admin: 60 },
  // domain controller
  { processes: 7000, uniqueK: 0.9, entropy: 3.9, bytesOut: 7e8, bytesIn: 1e9, destIps: 4000, failed: 1000, writes: 2e4, renames: 400, extensionK: 0.5, privilege: 400, admin: 500 },
];
// Negative-binomial dispersion k (variance mean + mean^2/k): day-level counts are smooth, the
// variation between rows comes from the profile and the latent factors.
const COUNT_DISPERSION = 100;
// Shape of the gamma latent factors (mean 1, coefficient of variation 1/sqrt(shape)).
const FACTOR_SHAPE = 4;
const BYTES_SIGMA = 0.2;
const SMALL_SIGMA = 0.05;

function featureIndex(name: string): number {
  return CORE_FEATURES.findIndex((f) => f.name === name);
}
const PROC = featureIndex('process_spawn_count');
const UNIQ = featureIndex('unique_process_count');
const ENTROPY = featureIndex('cmdline_entropy');
const OUT = featureIndex('net_bytes_out');
const IN = featureIndex('net_bytes_in');
const DEST = featureIndex('net_unique_dest_ips');
const FAILED = featureIndex('net_failed_connections');
const WRITES = featureIndex('file_write_count');
const RENAMES = featureIndex('file_rename_count');
const EXTS = featureIndex('file_unique_extensions');
const PRIV = featureIndex('privilege_escalation_events');
const ADMIN = featureIndex('admin_session_count');
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
  const count = raw.length / CORE_FEATURE_DIM;
  for (let i = 0; i < count; i++) {
    const p = sampleNormalRow(rng, row);
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
function sampleNormalRow(rng: Random, row: Float64Array): number {
  const u = rng.next();
  let p = 0;
  while (u >= PROFILE_CUMULATIVE[p]!) p++;
  const h = PROFILES[p]!;
  // Latent factors, each with mean 1: overall activity, network load, file load, admin workload.
  const activity = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  const network = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  const files = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  const adminLoad = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  const k = COUNT_DISPERSION;
  row[PROC] = sampleNegBinomial(rng, h.processes * activity, k);
  row[UNIQ] = Math.min(row[PROC]!, Math.round(h.uniqueK * Math.sqrt(row[PROC]!) * Math.exp(SMALL_SIGMA * rng.normal())));
  row[ENTROPY] = Math.max(0, h.entropy + 0.15 * Math.log(activity) + SMALL_SIGMA * rng.normal());
  // Bytes in and out share the traffic factors and a correlated lognormal term (log-corr 0.7).
  const z1 = rng.normal();
  const z2 = 0.7 * z1 + Math.sqrt(1 - 0.49) * rng.normal();
  const meanCorrection = -0.5 * BYTES_SIGMA * BYTES_SIGMA;
  row[OUT] = Math.round(h.bytesOut * activity * network * Math.exp(BYTES_SIGMA * z1 + meanCorrection));
  row[IN] = Math.round(h.bytesIn * activity * network * Math.exp(BYTES_SIGMA * z2 + meanCorrection));
  row[DEST] = sampleNegBinomial(rng, h.destIps * network * Math.sqrt(activity), k);
  row[FAILED] = sampleNegBinomial(rng, h.failed * Math.sqrt(network * activity), k);
  row[WRITES] = sampleNegBinomial(rng, h.writes * files * activity, k);
  row[RENAMES] = sampleNegBinomial(rng, h.renames * files * activity, k);
  row[EXTS] = Math.round(h.extensionK * Math.pow(row[WRITES]!, 0.35) * Math.exp(SMALL_SIGMA * rng.normal()));
  row[PRIV] = sampleNegBinomial(rng, h.privilege * adminLoad * Math.sqrt(activity), k);
  row[ADMIN] = sampleNegBinomial(rng, h.admin * adminLoad, k);
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

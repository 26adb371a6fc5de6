/**
 * Synthetic per-host endpoint-v1 time series with labelled *sequence* attacks: attacks whose every
 * row is plausible on its own and which only the order of a host's rows and their change against
 * the host's own recent history give away. Deterministic per seed; generated host by host, so a
 * caller can stream any number of hosts in bounded memory. See docs/transformer.md "Data".
 *
 * A host has a profile and four gamma latent factors for its whole life (the per-row generator
 * draws them per row), personal habits (a lognormal multiplier per expected count, so hosts of one
 * profile differ as much as real machines do), a daily rhythm (interactive profiles busy by day,
 * quiet at night; servers nearly flat) and small step-to-step noise. One step is a 2-hour interval
 * whose counts are reported as daily rates, so the fixed endpoint-v1 constants apply unchanged.
 */
import { InvalidOptionError } from '../errors.js';
import { Random } from '../tensor/index.js';
import { CORE_FEATURE_DIM } from './feature-schema.js';
import { HOST_PROFILES, PROFILE_MEANS, sampleFactors, sampleProfile, sampleProfileRow, type HostFactors, type HostProfile } from './host-profiles.js';
import { sampleLogUniform } from './host-sampling.js';
import { applyAttack, ATTACK_CONTEXT_STEPS, ATTACK_STEPS, SEQUENCE_ATTACK_NAMES, type AttackPlan, type SequenceAttackName } from './sequence-attacks.js';

/** Steps per day: one step is a 2-hour interval. */
export const STEPS_PER_DAY = 12;

/** Options of {@link sequenceHosts} and {@link generateSequenceData}. */
export interface SequenceDataOptions {
  /** Number of hosts, a positive integer. */
  hosts: number;
  /** Steps (rows) per host, a positive integer. */
  steps: number;
  /** Non-negative integer seed; the same options always give the same data. */
  seed: number;
  /**
   * Target share of attack steps in [0, 0.5]: `round(rate * hosts * steps / mean attack steps)` hosts
   * (at most all) get one attack each, so the realised share is close to, not exactly, the rate.
   * Default 0.
   */
  anomalyRate?: number;
  /** Attack kinds, assigned round-robin over the randomly chosen hosts. Default all four. */
  attacks?: readonly SequenceAttackName[];
}

/** One host's series, as yielded by {@link sequenceHosts} (fresh arrays, owned by the caller). */
export interface HostSequence {
  /** Host index in [0, hosts): also its id in hosts.npy. */
  host: number;
  /** Profile code, an index into {@link HOST_PROFILES}. */
  profile: number;
  /** `[steps, 12]` raw endpoint-v1 features in time order. */
  raw: Float32Array;
  /** `[steps]` 1 on attack steps. */
  labels: Uint8Array;
  /** `[steps]` 0 normal, else an index into {@link SEQUENCE_ATTACK_NAMES}. */
  attackType: Uint8Array;
}

/** Output of {@link generateSequenceData}: every host's rows, host after host. */
export interface SequenceData {
  /** `[hosts * steps, 12]` raw features. */
  raw: Float32Array;
  /** `[hosts * steps]` host id of each row; a host's rows are contiguous and in time order. */
  hosts: Int32Array;
  labels: Uint8Array;
  attackType: Uint8Array;
  attackNames: readonly string[];
  /** `[hosts]` profile code per host. */
  profile: Uint8Array;
  profileNames: readonly string[];
}

// Activity multiplier per 2-hour slot from midnight: interactive hosts work by day, services run all day.
const INTERACTIVE_RHYTHM = [0.25, 0.2, 0.2, 0.35, 0.9, 1.5, 1.7, 1.6, 1.5, 1.1, 0.6, 0.35];
const SERVICE_RHYTHM = [0.85, 0.8, 0.8, 0.85, 1.0, 1.15, 1.2, 1.2, 1.15, 1.05, 0.95, 0.9];
const RHYTHMS = [INTERACTIVE_RHYTHM, INTERACTIVE_RHYTHM, SERVICE_RHYTHM, SERVICE_RHYTHM];
/** Log-sd of a host's personal multiplier on each expected count. */
const HABIT_SIGMA = 0.5;
/** Uploads differ most between hosts (backup agents, sync clients, build servers): a wider habit. */
const UPLOAD_HABIT_SIGMA = 0.8;
/** Log-sd of the step-to-step noise on each latent factor. */
const STEP_SIGMA = 0.1;

/**
 * Checks the options and plans the attacks: which hosts, which kind, and each host's seed.
 * @throws InvalidOptionError for a bad size, seed, rate or attack name, or too few steps for an attack
 */
function planHosts(options: SequenceDataOptions): { seeds: Uint32Array; profiles: Uint8Array; attackOf: Uint8Array } {
  const { hosts, steps, seed } = options;
  const rate = options.anomalyRate ?? 0;
  const attacks = options.attacks ?? (SEQUENCE_ATTACK_NAMES.slice(1) as SequenceAttackName[]);
  const where = 'sequenceHosts';
  for (const [name, v] of [['hosts', hosts], ['steps', steps]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidOptionError(`${where}: ${name} must be a positive integer, got ${v}`, name);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidOptionError(`${where}: seed must be a non-negative integer, got ${seed}`, 'seed');
  if (!(rate >= 0 && rate <= 0.5)) throw new InvalidOptionError(`${where}: anomalyRate must be a number in [0, 0.5], got ${rate}`, 'anomalyRate');
  const codes = attacks.map((a) => SEQUENCE_ATTACK_NAMES.indexOf(a));
  if (codes.some((c) => c < 1) || (attacks.length === 0 && rate > 0)) {
    throw new InvalidOptionError(`${where}: attacks must be a non-empty list of ${SEQUENCE_ATTACK_NAMES.slice(1).join(', ')}, got ${JSON.stringify(attacks)}`, 'attacks');
  }
  const rng = new Random(seed);
  const seeds = new Uint32Array(hosts);
  const profiles = new Uint8Array(hosts);
  for (let h = 0; h < hosts; h++) {
    seeds[h] = rng.nextUint32();
    profiles[h] = sampleProfile(rng);
  }
  const attackOf = new Uint8Array(hosts);
  if (rate === 0) return { seeds, profiles, attackOf };
  const longest = Math.max(...codes.map((c) => ATTACK_STEPS[c]!.maxSpan));
  if (steps < ATTACK_CONTEXT_STEPS + longest) {
    throw new InvalidOptionError(`${where}: steps must be >= ${ATTACK_CONTEXT_STEPS + longest} to place attacks after ${ATTACK_CONTEXT_STEPS} normal steps, got ${steps}`, 'steps');
  }
  const meanLabelled = codes.reduce((s, c) => s + ATTACK_STEPS[c]!.meanLabelled, 0) / codes.length;
  const count = Math.min(hosts, Math.round((rate * hosts * steps) / meanLabelled));
  const chosen = rng.sampleWithoutReplacement(hosts, count);
  // Round-robin over the kinds, skipping a kind the host's profile cannot carry (see ATTACK_STEPS).
  let next = 0;
  for (let i = 0; i < chosen.length; i++) {
    const h = chosen[i]!;
    let k = 0;
    while (k < codes.length && !ATTACK_STEPS[codes[(next + k) % codes.length]!]!.profiles.includes(profiles[h]!)) k++;
    if (k === codes.length) continue; // no requested kind fits this host
    attackOf[h] = codes[(next + k) % codes.length]!;
    next = (next + k + 1) % codes.length;
  }
  return { seeds, profiles, attackOf };
}

/**
 * Yields each host's series in host order (host `h` has id `h`). Hosts are independent: each has
 * its own generator seeded from the plan, so the series of a host does not depend on the others.
 * @throws InvalidOptionError (before the first host) for bad options
 */
export function* sequenceHosts(options: SequenceDataOptions): Generator<HostSequence, void, undefined> {
  const { seeds, profiles, attackOf } = planHosts(options);
  for (let h = 0; h < seeds.length; h++) yield hostSeries(h, options.steps, seeds[h]!, profiles[h]!, attackOf[h]!);
}

/**
 * All hosts in memory (for tests, the demo and small experiments; gen-data streams
 * {@link sequenceHosts} instead). Rows are host after host, each host in time order.
 * @throws InvalidOptionError for bad options
 */
export function generateSequenceData(options: SequenceDataOptions): SequenceData {
  const { hosts: n, steps } = options;
  const rows = n * steps;
  const raw = new Float32Array(rows * CORE_FEATURE_DIM);
  const hosts = new Int32Array(rows);
  const labels = new Uint8Array(rows);
  const attackType = new Uint8Array(rows);
  const profile = new Uint8Array(n);
  for (const s of sequenceHosts(options)) {
    const at = s.host * steps;
    raw.set(s.raw, at * CORE_FEATURE_DIM);
    hosts.fill(s.host, at, at + steps);
    labels.set(s.labels, at);
    attackType.set(s.attackType, at);
    profile[s.host] = s.profile;
  }
  return { raw, hosts, labels, attackType, attackNames: SEQUENCE_ATTACK_NAMES, profile, profileNames: HOST_PROFILES };
}

/** A host identity: profile, life-long factors, habits and the phase of its clock. */
interface HostIdentity {
  profile: number;
  means: HostProfile;
  factors: HostFactors;
}

function drawIdentity(rng: Random, profile: number): HostIdentity {
  const base = PROFILE_MEANS[profile]!;
  const habit = (sigma = HABIT_SIGMA): number => Math.exp(sigma * rng.normal() - 0.5 * sigma * sigma);
  const means: HostProfile = {
    processes: base.processes * habit(),
    uniqueK: base.uniqueK * sampleLogUniform(rng, 0.85, 1.15),
    entropy: base.entropy + rng.uniform(-0.15, 0.15),
    bytesOut: base.bytesOut * habit(UPLOAD_HABIT_SIGMA),
    bytesIn: base.bytesIn * habit(),
    destIps: base.destIps * habit(),
    failed: base.failed * habit(),
    writes: base.writes * habit(),
    renames: base.renames * habit(),
    extensionK: base.extensionK * sampleLogUniform(rng, 0.85, 1.15),
    privilege: base.privilege * habit(),
    admin: base.admin * habit(),
  };
  const factors = sampleFactors(rng, { activity: 1, network: 1, files: 1, admin: 1 });
  return { profile, means, factors };
}

/** Draws the row of `id` at clock slot `slot` into `row`. */
function drawStep(rng: Random, id: HostIdentity, slot: number, scratch: HostFactors, row: Float64Array): void {
  const f = id.factors;
  const noise = (): number => Math.exp(STEP_SIGMA * rng.normal());
  scratch.activity = f.activity * RHYTHMS[id.profile]![slot]! * noise();
  scratch.network = f.network * noise();
  scratch.files = f.files * noise();
  scratch.admin = f.admin * noise();
  sampleProfileRow(rng, id.means, scratch, row);
}

/** One host's series (profile code `profile`); `attack` 0 = none, else a code of {@link SEQUENCE_ATTACK_NAMES}. */
function hostSeries(host: number, steps: number, seed: number, profile: number, attack: number): HostSequence {
  const rng = new Random(seed);
  const id = drawIdentity(rng, profile);
  const phase = rng.int(0, STEPS_PER_DAY);
  const raw = new Float32Array(steps * CORE_FEATURE_DIM);
  const labels = new Uint8Array(steps);
  const attackType = new Uint8Array(steps);
  const row = new Float64Array(CORE_FEATURE_DIM);
  const scratch: HostFactors = { activity: 1, network: 1, files: 1, admin: 1 };
  let plan: AttackPlan | null = null;
  let other: HostIdentity | null = null;
  if (attack !== 0) {
    plan = ATTACK_STEPS[attack]!.plan(rng, steps);
    // The behaviour switch borrows a different host's identity: a fresh host of another profile.
    if (SEQUENCE_ATTACK_NAMES[attack] === 'behaviour_switch') other = drawIdentity(rng, (id.profile + rng.int(1, HOST_PROFILES.length)) % HOST_PROFILES.length);
  }
  for (let t = 0; t < steps; t++) {
    const slot = (phase + t) % STEPS_PER_DAY;
    const k = plan === null ? -1 : t - plan.start;
    const inAttack = plan !== null && k >= 0 && k < plan.span;
    drawStep(rng, inAttack && other !== null ? other : id, slot, scratch, row);
    if (inAttack && applyAttack(rng, plan!, k, row)) {
      labels[t] = 1;
      attackType[t] = attack;
    }
    raw.set(row, t * CORE_FEATURE_DIM);
  }
  return { host, profile: id.profile, raw, labels, attackType };
}

/**
 * The sequence attacks of the per-host generator. Each changes a few features of a host by factors
 * that stay inside what normal hosts do (a single attack row looks like some other normal host), so
 * only the change against the host's own recent history and the order of steps give it away.
 */
import type { Random } from '../tensor/index.js';
import { CORE_FEATURES } from './feature-schema.js';
import { COLUMN as C } from './host-profiles.js';
import { sampleLogUniform } from './host-sampling.js';

/** Sequence attack kinds; the code of each is its index in {@link SEQUENCE_ATTACK_NAMES} (0 = normal). */
export type SequenceAttackName = 'slow_exfiltration' | 'beaconing' | 'staged_intrusion' | 'behaviour_switch';

/** `attackType` code -> name for sequence data. */
export const SEQUENCE_ATTACK_NAMES: readonly ['normal', ...SequenceAttackName[]] = Object.freeze([
  'normal',
  'slow_exfiltration',
  'beaconing',
  'staged_intrusion',
  'behaviour_switch',
]);

/** Where one attack sits in its host's series and its drawn parameters. */
export interface AttackPlan {
  code: number;
  /** First step of the attack (>= the context steps). */
  start: number;
  /** Steps from the first to the last attack step. */
  span: number;
  /** slow_exfiltration: first and last bytes-out factor; beaconing: [beacon period in steps, 0]. */
  param: readonly [number, number];
  /** staged_intrusion: steps of recon and of privilege change (the rest is lateral movement). */
  stages: readonly [number, number];
}

/** How an attack kind is laid out: the host profiles it targets, its longest span, mean labelled steps and its planner. */
export interface AttackSteps {
  /** Profile codes (HOST_PROFILES) of the hosts this attack is placed on. */
  profiles: readonly number[];
  maxSpan: number;
  meanLabelled: number;
  plan(rng: Random, steps: number): AttackPlan;
}

/** Attacks start after at least this many normal steps of their host (the default window). */
export const ATTACK_CONTEXT_STEPS = 16;

/**
 * Span ranges (inclusive) per kind. Every attack but beaconing (whose bursts are apart) spans at most
 * half the default window, so a window ending inside an attack still holds the host's normal steps.
 */
const EXFIL_SPAN = [5, 8] as const;
const BEACON_SPAN = [12, 20] as const;
const BEACON_PERIOD = [3, 4] as const;
const STAGE_SPANS = [[2, 3], [1, 2], [2, 3]] as const;
const SWITCH_SPAN = [3, 6] as const;

const mid = ([lo, hi]: readonly [number, number]): number => (lo + hi) / 2;

/**
 * Exfiltration targets user endpoints (workstation, developer): a server or domain controller
 * already uploads near the top of the fleet's range, so a ramp inside that range has no room there.
 */
const ENDPOINTS = [0, 1];
const ANY_HOST = [0, 1, 2, 3];

/** Mean number of beacons, ceil(span / period) over the uniform span and period ranges. */
function meanBeacons(): number {
  let sum = 0, n = 0;
  for (let s = BEACON_SPAN[0]; s <= BEACON_SPAN[1]; s++) {
    for (let p = BEACON_PERIOD[0]; p <= BEACON_PERIOD[1]; p++, n++) sum += Math.ceil(s / p);
  }
  return sum / n;
}

function place(rng: Random, code: number, steps: number, span: number, param: readonly [number, number] = [0, 0], stages: readonly [number, number] = [0, 0]): AttackPlan {
  return { code, start: rng.int(ATTACK_CONTEXT_STEPS, steps - span + 1), span, param, stages };
}

/** Per attack code (index 0 = normal, unused). */
export const ATTACK_STEPS: readonly (AttackSteps | null)[] = [
  null,
  {
    profiles: ENDPOINTS,
    maxSpan: EXFIL_SPAN[1],
    meanLabelled: mid(EXFIL_SPAN),
    plan: (rng, steps) => place(rng, 1, steps, rng.int(EXFIL_SPAN[0], EXFIL_SPAN[1] + 1), [sampleLogUniform(rng, 4, 6), sampleLogUniform(rng, 8, 14)]),
  },
  {
    profiles: ANY_HOST,
    maxSpan: BEACON_SPAN[1],
    meanLabelled: meanBeacons(),
    plan: (rng, steps) => place(rng, 2, steps, rng.int(BEACON_SPAN[0], BEACON_SPAN[1] + 1), [rng.int(BEACON_PERIOD[0], BEACON_PERIOD[1] + 1), 0]),
  },
  {
    profiles: ANY_HOST,
    maxSpan: STAGE_SPANS.reduce((s, r) => s + r[1], 0),
    meanLabelled: STAGE_SPANS.reduce((s, r) => s + mid(r), 0),
    plan: (rng, steps) => {
      const [recon, priv, lateral] = STAGE_SPANS.map(([lo, hi]) => rng.int(lo, hi + 1)) as [number, number, number];
      return place(rng, 3, steps, recon + priv + lateral, [0, 0], [recon, priv]);
    },
  },
  {
    profiles: ANY_HOST,
    maxSpan: SWITCH_SPAN[1],
    meanLabelled: mid(SWITCH_SPAN),
    plan: (rng, steps) => place(rng, 4, steps, rng.int(SWITCH_SPAN[0], SWITCH_SPAN[1] + 1)),
  },
];

/**
 * Attacks never push a feature above this normalized value (endpoint-v1 units; about the fleet's
 * 99.5th percentile in this generator's normal rows), so every attack row stays inside the range
 * normal hosts reach.
 */
const PLAUSIBLE_Z = 2.3;
const RAW_CAP = CORE_FEATURES.map((f) => (f.transform === 'log1p' ? Math.expm1(f.offset + PLAUSIBLE_Z * f.scale) : f.offset + PLAUSIBLE_Z * f.scale));

/** `row[col] *= factor` (rounded), capped at the plausible maximum (never lowered below its own value). */
function raise(row: Float64Array, col: number, factor: number): void {
  row[col] = Math.max(row[col]!, Math.min(Math.round(row[col]! * factor), Math.round(RAW_CAP[col]!)));
}

const scale = (rng: Random, row: Float64Array, col: number, low: number, high: number): void => raise(row, col, sampleLogUniform(rng, low, high));

/**
 * Applies step `k` (0-based within the span) of `plan` to the normal row `row`; returns whether the
 * step is an attack step (a beacon's quiet steps are not). The behaviour switch changes nothing
 * here: its rows are drawn from another host's identity by the caller.
 */
export function applyAttack(rng: Random, plan: AttackPlan, k: number, row: Float64Array): boolean {
  switch (plan.code) {
    case 1: { // slow exfiltration: bytes out ramps geometrically from param[0] to param[1] times the host's own level
      const [first, last] = plan.param;
      raise(row, C.OUT, first * Math.pow(last / first, k / (plan.span - 1)));
      return true;
    }
    case 2: // beaconing: a small outbound burst every param[0] steps
      if (k % plan.param[0] !== 0) return false;
      scale(rng, row, C.OUT, 3, 5);
      scale(rng, row, C.DEST, 2.5, 4);
      scale(rng, row, C.FAILED, 2, 3);
      return true;
    case 3: {
      const [recon, priv] = plan.stages;
      if (k < recon) { // scanning: more destinations, more failed connections
        scale(rng, row, C.DEST, 3, 5);
        scale(rng, row, C.FAILED, 3, 6);
      } else if (k < recon + priv) { // privilege change
        scale(rng, row, C.PRIV, 4, 8);
        scale(rng, row, C.ADMIN, 3, 5);
        row[C.ENTROPY] = Math.max(row[C.ENTROPY]!, Math.min(row[C.ENTROPY]! + rng.uniform(0.3, 0.5), RAW_CAP[C.ENTROPY]!));
      } else { // lateral movement with the new rights
        scale(rng, row, C.ADMIN, 3, 5);
        scale(rng, row, C.DEST, 2, 3.5);
        scale(rng, row, C.FAILED, 2, 4);
      }
      return true;
    }
    default: // behaviour switch
      return true;
  }
}

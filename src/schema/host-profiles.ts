/**
 * The host model shared by the synthetic generators (per-row `generateHostData`, per-host series
 * `sequenceHosts`): four host profiles with their daily expectations, four gamma latent factors
 * with mean 1, and the formula that draws one row of the 12 endpoint-v1 features from a profile
 * and factors. See docs/feature-schema.md.
 */
import type { Random } from '../tensor/index.js';
import { CORE_FEATURES } from './feature-schema.js';
import { sampleGamma, sampleNegBinomial } from './host-sampling.js';

/** Host profile names; `profile` codes index this list. */
export const HOST_PROFILES: readonly string[] = Object.freeze(['workstation', 'developer', 'server', 'domain_controller']);
const PROFILE_CUMULATIVE = [0.45, 0.7, 0.9, 1];

/** Daily expectations of one host profile at activity 1 (counts per 24 h window). */
export interface HostProfile {
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

/** The profiles by code, in {@link HOST_PROFILES} order. */
export const PROFILE_MEANS: readonly HostProfile[] = Object.freeze([
  // workstation
  { processes: 3000, uniqueK: 1.0, entropy: 4.1, bytesOut: 5e7, bytesIn: 5e8, destIps: 150, failed: 100, writes: 1e4, renames: 250, extensionK: 1.0, privilege: 40, admin: 10 },
  // developer box
  { processes: 1e4, uniqueK: 1.2, entropy: 4.5, bytesOut: 5e8, bytesIn: 2e9, destIps: 300, failed: 200, writes: 7e4, renames: 2000, extensionK: 1.2, privilege: 150, admin: 20 },
  // server
  { processes: 6000, uniqueK: 0.9, entropy: 3.8, bytesOut: 2.5e9, bytesIn: 1.2e9, destIps: 1500, failed: 500, writes: 3.5e4, renames: 500, extensionK: 0.5, privilege: 100, admin: 60 },
  // domain controller
  { processes: 7000, uniqueK: 0.9, entropy: 3.9, bytesOut: 7e8, bytesIn: 1e9, destIps: 4000, failed: 1000, writes: 2e4, renames: 400, extensionK: 0.5, privilege: 400, admin: 500 },
]);

/** The latent factors of a row, each with mean 1: overall activity, network load, file load, admin workload. */
export interface HostFactors {
  activity: number;
  network: number;
  files: number;
  admin: number;
}

// Negative-binomial dispersion k (variance mean + mean^2/k): day-level counts are smooth, the
// variation between rows comes from the profile and the latent factors.
const COUNT_DISPERSION = 100;
// Shape of the gamma latent factors (mean 1, coefficient of variation 1/sqrt(shape)).
const FACTOR_SHAPE = 4;
const BYTES_SIGMA = 0.2;
const SMALL_SIGMA = 0.05;

/** Column of a core feature by name. */
export function featureIndex(name: string): number {
  return CORE_FEATURES.findIndex((f) => f.name === name);
}

/** Core-feature columns by short name, for the generators' formulas. */
export const COLUMN = Object.freeze({
  PROC: featureIndex('process_spawn_count'),
  UNIQ: featureIndex('unique_process_count'),
  ENTROPY: featureIndex('cmdline_entropy'),
  OUT: featureIndex('net_bytes_out'),
  IN: featureIndex('net_bytes_in'),
  DEST: featureIndex('net_unique_dest_ips'),
  FAILED: featureIndex('net_failed_connections'),
  WRITES: featureIndex('file_write_count'),
  RENAMES: featureIndex('file_rename_count'),
  EXTS: featureIndex('file_unique_extensions'),
  PRIV: featureIndex('privilege_escalation_events'),
  ADMIN: featureIndex('admin_session_count'),
});

/** Draws a profile code with the fleet mix: workstation 45 %, developer 25 %, server 20 %, domain controller 10 %. */
export function sampleProfile(rng: Random): number {
  const u = rng.next();
  let p = 0;
  while (u >= PROFILE_CUMULATIVE[p]!) p++;
  return p;
}

/** Draws the four latent factors, each `Gamma(4, 1/4)`, into `out`. */
export function sampleFactors(rng: Random, out: HostFactors): HostFactors {
  out.activity = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  out.network = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  out.files = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  out.admin = sampleGamma(rng, FACTOR_SHAPE, 1 / FACTOR_SHAPE);
  return out;
}

/**
 * Draws one row of the 12 core features into `row` from the expectations `h` scaled by the factors `f`.
 * Counts are negative binomial (gamma–Poisson), distinct counts follow Heaps' law
 * (`K * total^beta`), bytes in/out are correlated lognormals (log-correlation 0.7).
 */
export function sampleProfileRow(rng: Random, h: HostProfile, f: HostFactors, row: Float64Array): void {
  const { activity, network, files, admin } = f;
  const k = COUNT_DISPERSION;
  const c = COLUMN;
  row[c.PROC] = sampleNegBinomial(rng, h.processes * activity, k);
  row[c.UNIQ] = Math.min(row[c.PROC]!, Math.round(h.uniqueK * Math.sqrt(row[c.PROC]!) * Math.exp(SMALL_SIGMA * rng.normal())));
  row[c.ENTROPY] = Math.max(0, h.entropy + 0.15 * Math.log(activity) + SMALL_SIGMA * rng.normal());
  // Bytes in and out share the traffic factors and a correlated lognormal term (log-corr 0.7).
  const z1 = rng.normal();
  const z2 = 0.7 * z1 + Math.sqrt(1 - 0.49) * rng.normal();
  const meanCorrection = -0.5 * BYTES_SIGMA * BYTES_SIGMA;
  row[c.OUT] = Math.round(h.bytesOut * activity * network * Math.exp(BYTES_SIGMA * z1 + meanCorrection));
  row[c.IN] = Math.round(h.bytesIn * activity * network * Math.exp(BYTES_SIGMA * z2 + meanCorrection));
  row[c.DEST] = sampleNegBinomial(rng, h.destIps * network * Math.sqrt(activity), k);
  row[c.FAILED] = sampleNegBinomial(rng, h.failed * Math.sqrt(network * activity), k);
  row[c.WRITES] = sampleNegBinomial(rng, h.writes * files * activity, k);
  row[c.RENAMES] = sampleNegBinomial(rng, h.renames * files * activity, k);
  row[c.EXTS] = Math.round(h.extensionK * Math.pow(row[c.WRITES]!, 0.35) * Math.exp(SMALL_SIGMA * rng.normal()));
  row[c.PRIV] = sampleNegBinomial(rng, h.privilege * admin * Math.sqrt(activity), k);
  row[c.ADMIN] = sampleNegBinomial(rng, h.admin * admin, k);
}

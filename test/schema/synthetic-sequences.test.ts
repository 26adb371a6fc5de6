import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import {
  ATTACK_CONTEXT_STEPS, CORE_FEATURE_DIM as D, ENDPOINT_V1, HOST_PROFILES, SEQUENCE_ATTACK_NAMES, STEPS_PER_DAY,
  generateSequenceData, normalizeCore, sequenceHosts,
} from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';

const col = (name: string): number => ENDPOINT_V1.featureNames.indexOf(name);
const data = generateSequenceData({ hosts: 400, steps: 80, seed: 11, anomalyRate: 0.04 });
const z = normalizeCore(data.raw);
const STEPS = 80;

/** Attack runs per host: [host, first step, last step, code]. */
function attackRuns(): [number, number, number, number][] {
  const runs: [number, number, number, number][] = [];
  for (let h = 0; h < 400; h++) {
    let first = -1, last = -1, code = 0;
    for (let t = 0; t < STEPS; t++) {
      const c = data.attackType[h * STEPS + t]!;
      if (c === 0) continue;
      if (first < 0) first = t;
      last = t;
      code = c;
    }
    if (first >= 0) runs.push([h, first, last, code]);
  }
  return runs;
}

describe('generateSequenceData / sequenceHosts', () => {
  it('is deterministic per seed, and a host does not depend on how many hosts follow it', () => {
    const a = generateSequenceData({ hosts: 5, steps: 30, seed: 2 });
    const b = generateSequenceData({ hosts: 5, steps: 30, seed: 2 });
    const c = generateSequenceData({ hosts: 5, steps: 30, seed: 3 });
    expect(a.raw).toEqual(b.raw);
    expect(a.raw).not.toEqual(c.raw);
    const longer = generateSequenceData({ hosts: 9, steps: 30, seed: 2 });
    expect(longer.raw.subarray(0, a.raw.length)).toEqual(a.raw);
  });

  it('lays rows out host after host with contiguous host ids, one profile per host', () => {
    expect(data.raw.length).toBe(400 * STEPS * D);
    for (let i = 0; i < data.hosts.length; i++) expect(data.hosts[i]).toBe(Math.floor(i / STEPS));
    expect(new Set(data.profile).size).toBe(HOST_PROFILES.length);
  });

  it('writes non-negative integer counts and finite entropy', () => {
    const entropy = col('cmdline_entropy');
    for (let i = 0; i < data.raw.length; i++) {
      const v = data.raw[i]!;
      expect(v >= 0 && Number.isFinite(v)).toBe(true);
      if (i % D !== entropy) expect(Number.isInteger(v)).toBe(true);
    }
  });

  it('labels attack steps consistently; the share is near the rate; each attack starts after the context steps', () => {
    let labelled = 0;
    for (let i = 0; i < data.labels.length; i++) {
      labelled += data.labels[i]!;
      expect(data.labels[i] === 1).toBe(data.attackType[i]! > 0);
    }
    expect(labelled / data.labels.length).toBeGreaterThan(0.03);
    expect(labelled / data.labels.length).toBeLessThan(0.05);
    const runs = attackRuns();
    expect(new Set(runs.map((r) => r[3])).size).toBe(SEQUENCE_ATTACK_NAMES.length - 1);
    for (const [, first] of runs) expect(first).toBeGreaterThanOrEqual(ATTACK_CONTEXT_STEPS);
  });

  it('beacons are periodic: 3 or 4 steps between labelled steps', () => {
    for (const [h, first, last, code] of attackRuns()) {
      if (SEQUENCE_ATTACK_NAMES[code] !== 'beaconing') continue;
      const steps: number[] = [];
      for (let t = first; t <= last; t++) if (data.labels[h * STEPS + t] === 1) steps.push(t);
      const gaps = new Set(steps.slice(1).map((t, i) => t - steps[i]!));
      expect(gaps.size).toBe(1);
      expect([3, 4]).toContain([...gaps][0]);
    }
  });

  it('a staged intrusion scans first (destinations up, privilege events not) and changes privileges after', () => {
    const dest = col('net_unique_dest_ips'), priv = col('privilege_escalation_events');
    const delta = (h: number, t: number, j: number, first: number): number => {
      let s = 0;
      for (let u = first - 12; u < first; u++) s += z[(h * STEPS + u) * D + j]!;
      return z[(h * STEPS + t) * D + j]! - s / 12;
    };
    let n = 0, destFirst = 0, privFirst = 0, privLater = 0;
    for (const [h, first, last, code] of attackRuns()) {
      if (SEQUENCE_ATTACK_NAMES[code] !== 'staged_intrusion') continue;
      n++;
      destFirst += delta(h, first, dest, first);
      privFirst += Math.max(delta(h, first, priv, first), delta(h, first + 1, priv, first));
      let most = -Infinity;
      for (let t = first + 2; t <= last; t++) most = Math.max(most, delta(h, t, priv, first));
      privLater += most;
    }
    expect(n).toBeGreaterThan(5);
    expect(destFirst / n).toBeGreaterThan(0.5);
    expect(privFirst / n).toBeLessThan(0.4);
    expect(privLater / n).toBeGreaterThan(1);
  });

  it('every attack row is plausible on its own: each feature within the 0.1%..99.9% range of normal rows', () => {
    for (let j = 0; j < D; j++) {
      const normal: number[] = [];
      for (let i = 0; i < data.labels.length; i++) if (data.labels[i] === 0) normal.push(z[i * D + j]!);
      normal.sort((a, b) => a - b);
      const lo = normal[Math.floor(normal.length * 0.001)]!, hi = normal[Math.floor(normal.length * 0.999)]!;
      let outside = 0, attacks = 0;
      for (let i = 0; i < data.labels.length; i++) {
        if (data.labels[i] === 0) continue;
        attacks++;
        if (z[i * D + j]! < lo || z[i * D + j]! > hi) outside++;
      }
      expect(outside / attacks, ENDPOINT_V1.featureNames[j]).toBeLessThan(0.02);
    }
  });

  it('interactive hosts follow a daily rhythm of 12 steps', () => {
    const proc = col('process_spawn_count');
    let sameSlot = 0, halfDay = 0, n = 0;
    for (let h = 0; h < 400; h++) {
      if (data.profile[h] !== 0) continue;
      for (let t = STEPS_PER_DAY; t < STEPS; t++) {
        const v = z[(h * STEPS + t) * D + proc]!;
        sameSlot += Math.abs(v - z[(h * STEPS + t - STEPS_PER_DAY) * D + proc]!);
        halfDay += Math.abs(v - z[(h * STEPS + t - STEPS_PER_DAY / 2) * D + proc]!);
        n++;
      }
    }
    expect(sameSlot / n).toBeLessThan(0.5 * (halfDay / n));
  });

  it('throws InvalidOptionError for bad options before yielding', () => {
    expectError(() => sequenceHosts({ hosts: 0, steps: 10, seed: 0 }).next(), InvalidOptionError, /^sequenceHosts: hosts must be a positive integer, got 0$/);
    expectError(() => sequenceHosts({ hosts: 2, steps: 10, seed: -1 }).next(), InvalidOptionError, /^sequenceHosts: seed must be a non-negative integer, got -1$/);
    expectError(() => sequenceHosts({ hosts: 2, steps: 100, seed: 0, anomalyRate: 0.6 }).next(), InvalidOptionError, /anomalyRate must be a number in \[0, 0\.5\], got 0\.6/);
    expectError(() => sequenceHosts({ hosts: 2, steps: 30, seed: 0, anomalyRate: 0.1 }).next(), InvalidOptionError, /^sequenceHosts: steps must be >= 36 to place attacks after 16 normal steps, got 30$/);
    expectError(() => sequenceHosts({ hosts: 2, steps: 100, seed: 0, anomalyRate: 0.1, attacks: ['ransomware' as 'beaconing'] }).next(), InvalidOptionError, /attacks must be a non-empty list of slow_exfiltration, beaconing, staged_intrusion, behaviour_switch/);
  });
});

/**
 * How the threads of a session wait for each other (./session.ts): spin on the state word first,
 * then sleep in Atomics.wait. Which of the two pays depends on the machine, measured on the 2-core
 * virtual machine this project is benchmarked on (docs/kernels.md, "Worker synchronization"):
 *
 * - With a core to spare, sleeping is what costs: waking a thread that sleeps in Atomics.wait takes
 *   20-30 µs when the other core is busy and far longer when the hypervisor has halted the idle
 *   virtual CPU, twice per training step (the caller wakes the worker, the worker wakes the
 *   caller). A worker that spins through the 50-150 µs between two steps (gradient sum, optimizer
 *   step, next batch) takes the next call at once.
 * - On a busy machine (more runnable threads than cores) a spinning thread only burns the time
 *   slices the other thread of the same step needs: spinning made a 2-thread W1 step several times
 *   slower there, while sleeping let both threads' slices do work.
 *
 * On the quiet 2-core machine (load ~1.2, 2026-12-05, W1 alternating DADM_SPIN_MS=0 and 1 in one
 * session) sleeping still won: 670,014 and 808,112 samples/s against 427,040 and 533,022 spinning,
 * because both virtual CPUs spinning starve the host's own work. So {@link SPIN_MS} is 0 (sleep at
 * once) by default; the mechanism stays for machines with idle cores beyond the two threads, where
 * `DADM_SPIN_MS=1` can be measured against it.
 *
 * When the spin is not 0, a session spins only while the machine is not short of CPU: Linux's CPU pressure (the share of
 * the last 10 s in which some runnable thread waited for a core, /proc/pressure/cpu) below
 * {@link BUSY_PRESSURE}, or where that file is missing, a 1-minute load average below the core
 * count. It is read at most every {@link RECHECK_MS}. The environment variable `DADM_SPIN_MS` (a
 * number of milliseconds >= 0) fixes the spin instead, e.g. to compare both ways on one machine.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { InvalidOptionError } from '../../errors.js';

/** The default spin before sleeping while the machine has a core to spare: none (measured above). */
export const SPIN_MS = 0;
/** CPU pressure (percent of time some thread waited for a core) from which threads sleep at once. */
export const BUSY_PRESSURE = 20;
const RECHECK_MS = 250;

let checkedAt = -Infinity;
let budget = SPIN_MS;

/**
 * How long to spin before sleeping now: `DADM_SPIN_MS` when set, else {@link SPIN_MS} while the
 * machine has a core to spare and 0 when it is busy.
 * @throws InvalidOptionError when `DADM_SPIN_MS` is not a number >= 0
 */
export function spinBudgetMs(): number {
  const now = performance.now();
  if (now - checkedAt >= RECHECK_MS) {
    checkedAt = now;
    budget = fixedSpinMs() ?? (SPIN_MS > 0 && !machineIsBusy() ? SPIN_MS : 0);
  }
  return budget;
}

function fixedSpinMs(): number | null {
  const value = typeof process === 'object' ? process.env['DADM_SPIN_MS'] : undefined;
  if (value === undefined || value === '') return null;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidOptionError(`DADM_SPIN_MS must be a number of milliseconds >= 0, got ${JSON.stringify(value)}`, 'DADM_SPIN_MS');
  return ms;
}

function machineIsBusy(): boolean {
  let pressure: string | null = null;
  try {
    pressure = readFileSync('/proc/pressure/cpu', 'utf8');
  } catch {
    // No pressure stall information here (not Linux, or a kernel without it): the load average decides.
  }
  return isBusy(pressure, loadavg()[0]!, availableParallelism());
}

/**
 * Whether the machine is short of CPU: `pressure` is the text of /proc/pressure/cpu (null where
 * missing), whose "some avg10" at or above {@link BUSY_PRESSURE} says so; without it, a 1-minute
 * `load` at or above the `cores`.
 */
export function isBusy(pressure: string | null, load: number, cores: number): boolean {
  const some = pressure === null ? null : /some avg10=([0-9.]+)/.exec(pressure);
  if (some !== null) return Number(some[1]) >= BUSY_PRESSURE;
  return load >= cores;
}

/**
 * Spins until `states[i]` is no longer `value` or `ms` pass.
 * @returns whether the state changed
 */
export function spinWhile(states: Int32Array, i: number, value: number, ms: number): boolean {
  const end = performance.now() + ms;
  do {
    for (let k = 0; k < 256; k++) if (Atomics.load(states, i) !== value) return true;
  } while (performance.now() < end);
  return false;
}

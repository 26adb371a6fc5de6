/** How session threads wait: the busy-machine test and the bounded spin. */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../src/errors.js';
import { BUSY_PRESSURE, SPIN_MS, isBusy, spinBudgetMs, spinWhile } from '../../../src/tensor/threads/spin.js';
import { expectError } from '../expect-error.js';

const pressure = (avg10: number): string => `some avg10=${avg10.toFixed(2)} avg60=1.00 avg300=0.50 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`;

describe('isBusy', () => {
  it('reads the "some avg10" CPU pressure, busy from BUSY_PRESSURE percent on, whatever the load', () => {
    expect(isBusy(pressure(BUSY_PRESSURE - 0.01), 9, 2)).toBe(false);
    expect(isBusy(pressure(BUSY_PRESSURE), 0, 2)).toBe(true);
    expect(isBusy(pressure(97.98), 0, 2)).toBe(true);
  });

  it('falls back to the load average against the cores without pressure information', () => {
    expect(isBusy(null, 1.9, 2)).toBe(false);
    expect(isBusy(null, 2, 2)).toBe(true);
    expect(isBusy('unexpected text', 0.5, 2)).toBe(false);
  });
});

describe('spinBudgetMs', () => {
  // The choice is re-read at most every 250 ms.
  const reread = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
  afterEach(async () => {
    delete process.env['DADM_SPIN_MS'];
    await reread();
  });

  it('is SPIN_MS or nothing', () => {
    expect([0, SPIN_MS]).toContain(spinBudgetMs());
  });

  it('takes DADM_SPIN_MS when set, and throws InvalidOptionError for a value that is not a number >= 0', async () => {
    process.env['DADM_SPIN_MS'] = '0.25';
    await reread();
    expect(spinBudgetMs()).toBe(0.25);
    process.env['DADM_SPIN_MS'] = '-1';
    await reread();
    expectError(() => spinBudgetMs(), InvalidOptionError, /DADM_SPIN_MS must be a number of milliseconds >= 0, got "-1"/);
  });
});

describe('spinWhile', () => {
  it('returns true at once when the word already differs', () => {
    const states = Int32Array.of(1, 2);
    expect(spinWhile(states, 1, 1, 1_000)).toBe(true);
  });

  it('gives up after the time given when the word keeps its value', () => {
    const states = Int32Array.of(1);
    const t0 = performance.now();
    expect(spinWhile(states, 0, 1, 2)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2);
  });
});

import { describe, expect, it } from 'vitest';
import { demoLines } from '../../src/cli/demo.js';
import type { DemoSummary } from '../../src/pipeline/index.js';

/** A summary with the steps the threshold lines read; the numbers are made up, the wording is checked. */
function summary(epochs: number, flaggedFraction: number): DemoSummary {
  return {
    outDir: 'demo-out',
    data: { rows: 20000, anomalies: 400 },
    train: { metrics: { modelType: 'autoencoder', threshold: 0.5, epochs: Array.from({ length: epochs }, () => ({})), flaggedFraction } },
    score: { labels: { rocAuc: 0.999, averagePrecision: 0.98, precision: 0.9, recall: 0.43 } },
    seconds: {},
  } as unknown as DemoSummary;
}

describe('demoLines', () => {
  it('says what the threshold trades off next to the detection figures', () => {
    const lines = demoLines(summary(3, 0.0101));
    const i = lines.findIndex((l) => l.startsWith('  detection ROC-AUC'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i]).toMatch(/precision 0\.9\d* \/ recall 0\.43\d* at the threshold$/);
    expect(lines[i + 1]).toBe('  threshold a false-alarm budget (about 1.0% of validation rows above it): a lower one (threshold.method target_fpr, threshold.target_fpr) catches more attacks and flags more normal hosts');
  });

  it('counts epochs in words that agree with the number', () => {
    expect(demoLines(summary(1, 0.01)).find((l) => l.startsWith('  model'))).toMatch(/, 1 epoch$/);
    expect(demoLines(summary(3, 0.01)).find((l) => l.startsWith('  model'))).toMatch(/, 3 epochs$/);
  });

  it('prints no threshold line without labels', () => {
    const s = summary(3, 0.01);
    delete (s as { score?: unknown }).score;
    expect(demoLines(s).some((l) => l.startsWith('  threshold'))).toBe(false);
  });
});

/** The demo's report step: report.html in the demo directory, from the files the earlier steps left. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STEPS, type DemoSummary } from '../../src/pipeline/index.js';
import { makeReportFiles, type ReportFiles } from '../report/report-files.js';

let f: ReportFiles;
beforeAll(() => {
  f = makeReportFiles('dadm-demo-report-');
}, 60_000);

describe('demo step report', () => {
  it('comes last and writes report.html with every section', () => {
    const step = DEMO_STEPS.at(-1)!;
    expect(step.name).toBe('report');
    const summary: DemoSummary = { outDir: f.dir, seconds: {} };
    step.run({ outDir: f.dir, rows: 1500, anomalyRate: 0.04, seed: 0 }, summary);
    const output = join(f.dir, 'report.html');
    expect(summary.report).toEqual({ output, bytes: readFileSync(output).length, sections: ['training', 'labels', 'drift', 'explanations', 'quantization'] });
  });
});

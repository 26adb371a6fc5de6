/** `dadm report` on the command line: help, output, and one-line errors. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeReportFiles, type ReportFiles } from '../report/report-files.js';
import { expectOneLineError, run } from './helpers.js';

let f: ReportFiles;
beforeAll(() => {
  f = makeReportFiles('dadm-cli-report-');
}, 60_000);

describe('dadm report', () => {
  it('has help with its options and examples', async () => {
    const r = await run('report', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: dadm report --model FILE --data FILE --output FILE \[--labels FILE\]/);
    expect(r.out).toContain('--quantized FILE');
    expect(r.out).toMatch(/Examples:\n {2}dadm report --model out\/model\.safetensors/);
  });

  it('writes the HTML and prints its path, size and sections', async () => {
    const out = join(f.dir, 'cli.html');
    const r = await run('report', '--model', f.model, '--data', f.data, '--labels', f.labels, '--reference', f.reference, '--current', f.current, '--quantized', f.quantized, '--output', out);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote ${out} (${Math.ceil(readFileSync(out).length / 1024)} KiB; scores, training, labels, drift, explanations, quantization)\n`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta name="generator" content="dadm ');
  });

  it('prints a JSON summary with --json', async () => {
    const out = join(f.dir, 'cli-json.html');
    const r = await run('report', '--model', f.model, '--data', f.data, '--output', out, '--explain-rows', '0', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ output: out, bytes: readFileSync(out).length, sections: ['scores', 'training'] });
  });

  it('exits 2 with one line for a reference without a current batch, and writes nothing', async () => {
    const out = join(f.dir, 'never.html');
    const r = await run('report', '--model', f.model, '--data', f.data, '--reference', f.reference, '--output', out);
    expect(r.code).toBe(2);
    expectOneLineError(r, /^dadm report: --current must be given with --reference \(drift compares the two\), got only --reference/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 without --output, for a bad --explain-method and for a --top-k above the feature count', async () => {
    const base = ['report', '--model', f.model, '--data', f.data];
    expectOneLineError(await run(...base), /^dadm report: --output must be given, got nothing; run dadm report --help/);
    const out = join(f.dir, 'x.html');
    const method = await run(...base, '--output', out, '--explain-method', 'lime');
    expect(method.code).toBe(2);
    expectOneLineError(method, /^dadm report: --explain-method must be one of reconstruction, shap, got 'lime'/);
    const topK = await run(...base, '--output', out, '--top-k', '13');
    expect(topK.code).toBe(2);
    expectOneLineError(topK, /^dadm report: --top-k must be an integer in \[1, 12\], got 13/);
  });

  it('exits 1 with one line for an output folder that does not exist', async () => {
    const r = await run('report', '--model', f.model, '--data', f.data, '--output', join(f.dir, 'missing', 'r.html'));
    expect(r.code).toBe(1);
    expectOneLineError(r, /^dadm report: .*missing\/r\.html: output folder .*missing must exist, got ENOENT \(the folder does not exist\)/);
  });
});

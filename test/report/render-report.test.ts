/** renderReport: one self-contained page, names escaped, absent sections left out cleanly. */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import { HOSTILE_FEATURE, HOSTILE_FILE, fullReportData, minimalReportData } from './report-fixture.js';

const SECTIONS = ['training', 'scores', 'drift', 'explanations', 'quantization'];

describe('renderReport', () => {
  const html = renderReport(fullReportData());

  it('is one HTML document with its styles inline and a policy that forbids scripts and requests', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"/>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;;`);
    expect(html).toMatch(/<style>[^<]*--sans: system-ui/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    // No element loads anything: no src, no link other than to an anchor of the page, no CSS import or url().
    expect(html).not.toMatch(/<[a-z][^>]*\ssrc=/i);
    expect(html).not.toMatch(/<[a-z][^>]*\shref="(?!#)/i);
    expect(html).not.toMatch(/<link|<img|@import|url\(/i);
  });

  it('escapes feature names and file names everywhere they appear', () => {
    expect(html).toContain('&lt;script&gt;alert(&quot;feature&quot;)&lt;/script&gt;');
    expect(html).toContain('x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.npy');
    expect(html).not.toContain(HOSTILE_FEATURE);
    expect(html).not.toContain(HOSTILE_FILE);
  });

  it('has every section, each linked from the navigation, and one accessible SVG per chart', () => {
    for (const id of SECTIONS) {
      expect(html).toContain(`<section id="${id}"`);
      expect(html).toContain(`<a href="#${id}">`);
    }
    // loss, scores, ROC, PR, 3 drift bar charts, 2 distributions, 2 quantization charts
    const charts = html.match(/<svg class="chart" id="([^"]+)"/g)!;
    expect(charts).toHaveLength(11);
    expect(html.match(/role="img" aria-labelledby="[^"]+-title [^"]+-desc"/g)).toHaveLength(11);
  });

  it('leaves out sections without data, with their links', () => {
    const min = renderReport(minimalReportData());
    expect(min).toContain('<section id="scores"');
    for (const id of SECTIONS.filter((s) => s !== 'scores')) {
      expect(min).not.toContain(`id="${id}"`);
      expect(min).not.toContain(`href="#${id}"`);
    }
    expect(min.match(/<svg class="chart"/g)).toHaveLength(1);
    expect(min).not.toContain('ROC');
  });

  it('leaves out the explanations when no row was explained, and ROC when the labels hold one class', () => {
    const d = fullReportData();
    const html2 = renderReport({ ...d, explanations: { ...d.explanations!, rows: [] }, labels: { ...d.labels!, rocAuc: null, roc: null } });
    expect(html2).not.toContain('id="explanations"');
    expect(html2).not.toContain('id="chart-roc"');
    expect(html2).toContain('id="chart-pr"');
  });

  it('is deterministic: the same data gives the same bytes', () => {
    expect(renderReport(fullReportData())).toBe(html);
  });

  it('draws the threshold and the drift levels as labelled reference lines', () => {
    expect(html).toMatch(/class="marker-threshold" d="M[\d.]+ [\d.]+V[\d.]+"/);
    expect(html).toContain('>threshold 0.2</text>');
    expect(html.match(/class="marker-retrain"/g)).toHaveLength(3);
    expect(html.match(/class="marker-warn"/g)).toHaveLength(3);
  });
});

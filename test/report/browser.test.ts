/**
 * The report in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core)
 * opens a full report from file://, and every chart must have drawn (marks with path data and a
 * bounding box inside the chart), with no console error and no request other than the file itself.
 * A PNG screenshot goes to the test's temporary folder (copied to $DADM_REPORT_SCREENSHOT when set).
 * Chromium missing is a failure, not a skip: CI installs it (.ci/run).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report } from '../../src/pipeline/index.js';
import { renderReport } from '../../src/report/index.js';
import { HOSTILE_FEATURE, fullReportData } from './report-fixture.js';
import { makeReportFiles, type ReportFiles } from './report-files.js';

const CHROMIUM = process.env.DADM_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CHART_IDS = [
  'chart-loss',
  'chart-scores',
  'chart-roc',
  'chart-pr',
  'chart-drift-psi',
  'chart-drift-wasserstein',
  'chart-drift-ksstatistic',
  'chart-dist-0',
  'chart-dist-1',
  'chart-dist-2',
  'chart-dist-3',
  'chart-quantization',
  'chart-quantization-diff',
];

let f: ReportFiles;
let html: string;
let context: BrowserContext | undefined;
const profile = mkdtempSync(join(tmpdir(), 'dadm-chromium-profile-'));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`report browser test: Chromium must be installed at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does, or set DADM_CHROMIUM), got no such file`);
  }
  f = makeReportFiles('dadm-report-browser-');
  html = join(f.dir, 'report.html');
  report({ model: f.model, data: f.data, labels: f.labels, reference: f.reference, current: f.current, quantized: f.quantized, output: html, generatedAt: null });
  // A fresh profile per run: nothing cached, nothing synced.
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20_000, viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** Opens `file` in a new page, recording console errors, page errors, dialogs and every request. */
async function open(file: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await context!.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => errors.push(`dialog: ${d.message()}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 10_000 });
  return { page, requests, errors };
}

/** The little of the DOM the chart check uses (the project compiles without the DOM library). */
interface DomNode {
  id: string;
  textContent: string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
  getBBox?(): { x: number; y: number; width: number; height: number };
  viewBox?: { baseVal: { width: number; height: number } };
}

interface DrawnChart {
  id: string;
  title: string;
  width: number;
  height: number;
  tickLabels: number;
  marks: { d: number; x: number; y: number; w: number; h: number }[];
  viewBox: { width: number; height: number };
}

describe('the report in headless Chromium', () => {
  it('draws every chart, logs no error and requests nothing but the file', async () => {
    const { page, requests, errors } = await open(html);
    const charts = await page.evaluate((): DrawnChart[] => {
      const doc = (globalThis as unknown as { document: DomNode }).document;
      return Array.from(doc.querySelectorAll('svg.chart'), (svg) => {
        const box = svg.getBoundingClientRect();
        const vb = svg.viewBox!.baseVal;
        const marks = Array.from(svg.querySelectorAll('path[class*="mark-"], path.bar'), (p) => {
          const b = p.getBBox!();
          return { d: (p.getAttribute('d') ?? '').length, x: b.x, y: b.y, w: b.width, h: b.height };
        });
        return { id: svg.id, title: svg.querySelector('title')?.textContent ?? '', width: box.width, height: box.height, tickLabels: svg.querySelectorAll('.tick-label').length, marks, viewBox: { width: vb.width, height: vb.height } };
      });
    });
    expect(charts.map((c) => c.id)).toEqual(CHART_IDS);
    for (const c of charts) {
      const where = `${c.id}: `;
      expect(c.title.length, `${where}accessible title`).toBeGreaterThan(3);
      expect(c.width, `${where}width`).toBeGreaterThan(250);
      expect(c.height, `${where}height`).toBeGreaterThan(180);
      expect(c.tickLabels, `${where}tick labels`).toBeGreaterThanOrEqual(4);
      expect(c.marks.length, `${where}data marks`).toBeGreaterThan(0);
      for (const m of c.marks) {
        expect(m.d, `${where}path data`).toBeGreaterThan(0);
        // Inside the chart (a dot's zero-size box may sit on the plot's edge).
        expect(m.x, `${where}mark x`).toBeGreaterThanOrEqual(-1);
        expect(m.y, `${where}mark y`).toBeGreaterThanOrEqual(-1);
        expect(m.x + m.w, `${where}mark right`).toBeLessThanOrEqual(c.viewBox.width + 1);
        expect(m.y + m.h, `${where}mark bottom`).toBeLessThanOrEqual(c.viewBox.height + 1);
      }
      expect(c.marks.some((m) => m.w > 1 || m.h > 1), `${where}a mark with an extent`).toBe(true);
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    const png = join(f.dir, 'report.png');
    await page.screenshot({ path: png, fullPage: true, timeout: 15_000 });
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(50_000);
    if (process.env.DADM_REPORT_SCREENSHOT) copyFileSync(png, process.env.DADM_REPORT_SCREENSHOT);
    await page.close();
  }, 60_000);

  it('shows hostile feature and file names as text: no script element, no dialog', async () => {
    const file = join(f.dir, 'hostile.html');
    writeFileSync(file, renderReport(fullReportData()));
    const { page, errors } = await open(file);
    expect(await page.locator('script, img').count()).toBe(0);
    expect(await page.locator('.category-label', { hasText: HOSTILE_FEATURE }).count()).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});

/**
 * `renderReport`: ReportData → one self-contained HTML page. No script, no external resource: the
 * page's Content-Security-Policy forbids both (default-src 'none'), so a browser opening the file
 * makes no request and runs no code. Sections without data are left out, with their links.
 */
import { escapeHtml } from './escape.js';
import { formatCount, formatNumber, formatPercent, formatRate } from './format.js';
import { statCards, type StatCard } from './html.js';
import type { ReportData } from './report-data.js';
import { explanationsSection, driftSection, quantizationSection } from './sections-monitor.js';
import { scoresSection, trainingSection } from './sections-model.js';
import { STYLES } from './styles.js';
import { tag } from './svg.js';

/** Blocks everything but the inline stylesheet and inline style attributes. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The headline numbers at the top: one per section that has data. */
function overview(d: ReportData): StatCard[] {
  const s = d.scores;
  const cards: StatCard[] = [{ label: 'flagged rows', value: formatPercent(s.flagged / s.rows), detail: `${formatCount(s.flagged)} of ${formatCount(s.rows)} above ${formatNumber(s.threshold)}` }];
  if (d.labels !== null) cards.push({ label: 'ROC-AUC', value: formatRate(d.labels.rocAuc), detail: `recall ${formatPercent(d.labels.atThreshold.recall)} at the threshold` });
  if (d.training !== null) {
    const best = d.training.epochs.find((e) => e.epoch === d.training!.bestEpoch);
    cards.push({ label: 'validation loss', value: formatNumber(best?.validationLoss ?? null), detail: `epoch ${d.training.bestEpoch} of ${d.training.epochs.length}` });
  }
  if (d.drift !== null) cards.push({ label: 'drift', value: d.drift.verdict, tone: d.drift.verdict, detail: `${formatCount(d.drift.rows)} current rows` });
  if (d.quantization !== null) cards.push({ label: 'int8 rank agreement', value: formatRate(d.quantization.spearman, 5), detail: `${formatPercent(d.quantization.flipFraction)} decisions flipped` });
  return cards;
}

/**
 * Renders the report as one HTML document (UTF-8 text). Pure: the same data gives the same string.
 * Every name and path in `data` is HTML-escaped.
 * @param data what to show; `scores` is required, every other section may be null
 * @returns `<!doctype html>…` with inline CSS and inline SVG charts
 */
export function renderReport(data: ReportData): string {
  const m = data.model;
  const sections: [string, string, string][] = [];
  if (data.training !== null) sections.push(['training', 'Training', trainingSection(data.training)]);
  sections.push(['scores', data.labels === null ? 'Scores' : 'Scores and detection', scoresSection(data.scores, m, data.labels)]);
  if (data.drift !== null) sections.push(['drift', 'Drift', driftSection(data.drift)]);
  if (data.explanations !== null && data.explanations.rows.length > 0) sections.push(['explanations', 'Top flagged rows', explanationsSection(data.explanations)]);
  if (data.quantization !== null) sections.push(['quantization', 'int8 vs float', quantizationSection(data.quantization)]);
  const subtitle = `${m.kind} · ${m.format} · schema ${m.schema} (${m.features} features) · threshold ${formatNumber(m.threshold)}`;
  const inputs = [['model', m.path], ...data.inputs]
    .map(([role, path]) => tag('dt', {}, escapeHtml(role!)) + tag('dd', {}, escapeHtml(path!)))
    .join('');
  const header = tag(
    'header',
    { class: 'page' },
    tag('h1', {}, escapeHtml(data.title)) + tag('p', { class: 'subtitle' }, escapeHtml(subtitle)) + tag('dl', { class: 'inputs' }, inputs) + statCards(overview(data)),
  );
  const nav = tag('nav', { class: 'toc', 'aria-label': 'sections' }, sections.map(([id, name]) => tag('a', { href: `#${id}` }, escapeHtml(name))).join(''));
  const when = data.generatedAt === null ? '' : ` on ${data.generatedAt}`;
  const footer = tag('footer', {}, escapeHtml(`Written by ${data.generator}${when}. Self-contained: no script, no network access.`));
  const head =
    tag('meta', { charset: 'utf-8' }) +
    tag('meta', { 'http-equiv': 'Content-Security-Policy', content: CSP }) +
    tag('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }) +
    tag('meta', { name: 'generator', content: data.generator }) +
    tag('title', {}, escapeHtml(data.title)) +
    tag('style', {}, STYLES);
  const body = header + nav + tag('main', {}, sections.map((s) => s[2]).join('')) + footer;
  return `<!doctype html>\n${tag('html', { lang: 'en' }, tag('head', {}, head) + tag('body', {}, body))}\n`;
}

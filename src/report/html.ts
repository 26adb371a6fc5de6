/** HTML building blocks of the page: sections, stat cards, tables and verdict badges. */
import { escapeHtml } from './escape.js';
import type { ReportVerdict } from './report-data.js';
import { tag } from './svg.js';

/** `<code>` around escaped text (file paths in prose). */
export function code(s: string): string {
  return tag('code', {}, escapeHtml(s));
}

/** A section of the page: anchor id, heading, a one-paragraph lead, then the content (markup). */
export function section(id: string, heading: string, lead: string, content: string): string {
  return tag('section', { id, class: 'section' }, tag('h2', {}, escapeHtml(heading)) + tag('p', { class: 'lead' }, lead) + content);
}

/** One headline number: label, value and an optional line under it; `tone` colours the value. */
export interface StatCard {
  label: string;
  value: string;
  detail?: string;
  tone?: ReportVerdict | 'neutral';
}

/** A row of headline numbers. */
export function statCards(cards: readonly StatCard[]): string {
  const items = cards.map((c) =>
    tag(
      'div',
      { class: `card tone-${c.tone ?? 'neutral'}` },
      tag('div', { class: 'card-label' }, escapeHtml(c.label)) +
        tag('div', { class: 'card-value' }, escapeHtml(c.value)) +
        (c.detail === undefined ? '' : tag('div', { class: 'card-detail' }, escapeHtml(c.detail))),
    ),
  );
  return tag('div', { class: 'cards' }, items.join(''));
}

/** A table cell: plain text (escaped), or `{ html }` for markup built by this module. */
export type Cell = string | { html: string; numeric?: boolean } | { text: string; numeric: boolean };

function cell(name: 'td' | 'th', c: Cell): string {
  if (typeof c === 'string') return tag(name, {}, escapeHtml(c));
  if ('html' in c) return tag(name, c.numeric === true ? { class: 'num' } : {}, c.html);
  return tag(name, c.numeric ? { class: 'num' } : {}, escapeHtml(c.text));
}

/** A table with a header row; numeric header cells align right like their columns. */
export function table(head: readonly Cell[], rows: readonly (readonly Cell[])[], caption?: string): string {
  const cap = caption === undefined ? '' : tag('caption', {}, escapeHtml(caption));
  const thead = tag('thead', {}, tag('tr', {}, head.map((c) => cell('th', c)).join('')));
  const tbody = tag('tbody', {}, rows.map((r) => tag('tr', {}, r.map((c) => cell('td', c)).join(''))).join(''));
  return tag('div', { class: 'table-wrap' }, tag('table', {}, cap + thead + tbody));
}

/** A number cell. */
export function num(text: string): Cell {
  return { text, numeric: true };
}

/** The verdict as a coloured badge. */
export function badge(verdict: ReportVerdict): string {
  return tag('span', { class: `badge tone-${verdict}` }, escapeHtml(verdict));
}

/** A bulleted list of plain-text lines (escaped); empty string for no lines. */
export function list(lines: readonly string[], className = 'plain-list'): string {
  return lines.length === 0 ? '' : tag('ul', { class: className }, lines.map((l) => tag('li', {}, escapeHtml(l))).join(''));
}

/** Charts side by side (two per row on a wide screen, one on a narrow one). */
export function chartGrid(figures: readonly string[], className = 'grid-2'): string {
  return tag('div', { class: `chart-grid ${className}` }, figures.join(''));
}

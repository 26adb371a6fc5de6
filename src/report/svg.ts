/**
 * SVG primitives: elements with escaped attributes, path data for lines, step areas, bars and dots,
 * axes with ticks and grid lines, legends. Colours and fonts come from the page's CSS classes
 * (styles.ts), so every chart uses one palette.
 */
import { escapeHtml } from './escape.js';
import type { Scale } from './scale.js';

/** Attribute values; undefined and false leave the attribute out. */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

/** One element: `<name attrs>content</name>`, or self-closed without content. Attribute values are escaped; content is not (it is markup). */
export function tag(name: string, attrs: Attrs, content?: string): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    a += v === true ? ` ${k}` : ` ${k}="${escapeHtml(typeof v === 'number' ? px(v) : v)}"`;
  }
  return content === undefined ? `<${name}${a}/>` : `<${name}${a}>${content}</${name}>`;
}

/** A text element; `text` is escaped. */
export function text(x: number, y: number, value: string, attrs: Attrs = {}): string {
  return tag('text', { x, y, ...attrs }, escapeHtml(value));
}

/** A tooltip (SVG `<title>` child of the element it describes); `value` is escaped. */
export function tooltip(value: string): string {
  return tag('title', {}, escapeHtml(value));
}

/** A pixel coordinate with one decimal (a tenth of a pixel is below what a screen shows). */
export function px(v: number): string {
  return String(Math.round(v * 10) / 10 + 0);
}

/**
 * Path data through `points` (pixels). A point closer than `minGap` px to the last kept one is
 * skipped (the last point is always kept): a curve of 20,000 points becomes a few hundred with no
 * visible change.
 */
export function linePath(points: readonly (readonly [number, number])[], minGap = 0.5): string {
  if (points.length === 0) return '';
  let d = `M${px(points[0]![0])} ${px(points[0]![1])}`;
  let [lx, ly] = points[0]!;
  for (let i = 1; i < points.length; i++) {
    const [x, y] = points[i]!;
    if (i < points.length - 1 && Math.abs(x - lx) < minGap && Math.abs(y - ly) < minGap) continue;
    d += `L${px(x)} ${px(y)}`;
    lx = x;
    ly = y;
  }
  return d;
}

/**
 * Closed path data of a histogram: bin i spans `xs[i] .. xs[i+1]` at height `ys[i]`, drawn as one
 * outline from `base` up and along the bin tops and back down (`xs` has one more entry than `ys`).
 */
export function stepAreaPath(xs: readonly number[], ys: readonly number[], base: number): string {
  let d = `M${px(xs[0]!)} ${px(base)}`;
  for (let i = 0; i < ys.length; i++) d += `V${px(ys[i]!)}H${px(xs[i + 1]!)}`;
  return `${d}V${px(base)}Z`;
}

/** Path data of a rectangle (a bar): corner (x, y), width w, height h. */
export function rectPath(x: number, y: number, w: number, h: number): string {
  return `M${px(x)} ${px(y)}h${px(w)}v${px(h)}h${px(-w)}Z`;
}

/**
 * Path data of dots: a zero-length segment per point, drawn round by `stroke-linecap: round`. Dots
 * are several pixels wide, so positions are rounded to whole pixels and a dot on an already drawn
 * pixel is left out (thousands of overlapping points cost nothing).
 */
export function dotsPath(points: readonly (readonly [number, number])[]): string {
  const drawn = new Set<string>();
  let d = '';
  for (const [x, y] of points) {
    const at = `M${Math.round(x)} ${Math.round(y)}`;
    if (drawn.has(at)) continue;
    drawn.add(at);
    d += `${at}h0`;
  }
  return d;
}

/** The plot area of a chart: inner rectangle in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Every how many ticks a label fits: labels of an x axis need their width plus a gap between tick
 * positions, so on a narrow axis only every second (third, ...) tick is labelled.
 */
function labelEvery(scale: Scale): number {
  const t = scale.ticks;
  if (t.length < 2) return 1;
  const spacing = Math.abs(scale.map(t[1]!) - scale.map(t[0]!));
  const widest = Math.max(...t.map((v) => textWidth(scale.format(v), 11)));
  return Math.max(1, Math.ceil((widest + 10) / Math.max(spacing, 1e-9)));
}

/** Ticks, tick labels, grid lines and the axis title of a horizontal (x) axis under the plot area. */
export function xAxis(scale: Scale, area: PlotArea, title: string, opts: { grid?: boolean } = {}): string {
  let g = tag('path', { class: 'axis-line', d: `M${px(area.left)} ${px(area.bottom)}H${px(area.right)}` });
  const every = labelEvery(scale);
  scale.ticks.forEach((t, i) => {
    const x = scale.map(t);
    if (opts.grid !== false) g += tag('path', { class: 'grid', d: `M${px(x)} ${px(area.top)}V${px(area.bottom)}` });
    g += tag('path', { class: 'tick', d: `M${px(x)} ${px(area.bottom)}v5` });
    if (i % every === 0) g += text(x, area.bottom + 18, scale.format(t), { class: 'tick-label', 'text-anchor': 'middle' });
  });
  g += text((area.left + area.right) / 2, area.bottom + 38, title, { class: 'axis-title', 'text-anchor': 'middle' });
  return tag('g', { class: 'axis x-axis' }, g);
}

/** The same for a vertical (y) axis left of the plot area; the title reads bottom to top. */
export function yAxis(scale: Scale, area: PlotArea, title: string, opts: { grid?: boolean } = {}): string {
  let g = tag('path', { class: 'axis-line', d: `M${px(area.left)} ${px(area.top)}V${px(area.bottom)}` });
  let widest = 0;
  for (const t of scale.ticks) {
    const y = scale.map(t);
    const label = scale.format(t);
    widest = Math.max(widest, textWidth(label, 11));
    if (opts.grid !== false) g += tag('path', { class: 'grid', d: `M${px(area.left)} ${px(y)}H${px(area.right)}` });
    g += tag('path', { class: 'tick', d: `M${px(area.left - 5)} ${px(y)}h5` });
    g += text(area.left - 8, y + 4, label, { class: 'tick-label', 'text-anchor': 'end' });
  }
  const x = area.left - 8 - widest - 12;
  g += text(x, (area.top + area.bottom) / 2, title, { class: 'axis-title', 'text-anchor': 'middle', transform: `rotate(-90 ${px(x)} ${px((area.top + area.bottom) / 2)})` });
  return tag('g', { class: 'axis y-axis' }, g);
}

/** Width in pixels of `s` in the system sans-serif at `size` px, estimated (no font metrics without a browser). */
export function textWidth(s: string, size: number): number {
  return s.length * size * 0.58;
}

/** How a legend entry shows its series. */
export type LegendMark = 'line' | 'dash' | 'area' | 'dot';

/** One legend entry: a mark in the CSS class of its series and a label. */
export interface LegendItem {
  label: string;
  className: string;
  mark: LegendMark;
}

/** A legend in one row, right-aligned at `right`, baseline `y`. */
export function legend(items: readonly LegendItem[], right: number, y: number): string {
  const widths = items.map((it) => 22 + textWidth(it.label, 12) + 14);
  let x = right - widths.reduce((a, b) => a + b, 0);
  let g = '';
  items.forEach((it, i) => {
    const mark =
      it.mark === 'area'
        ? tag('path', { class: it.className, d: rectPath(x, y - 9, 16, 10) })
        : it.mark === 'dot'
          ? tag('path', { class: it.className, d: dotsPath([[x + 8, y - 4]]) })
          : tag('path', { class: it.className, d: `M${px(x)} ${px(y - 4)}h16` });
    g += mark + text(x + 22, y, it.label, { class: 'legend-label' });
    x += widths[i]!;
  });
  return tag('g', { class: 'legend' }, g);
}

/** Options of {@link chartSvg}. */
export interface ChartFrame {
  /** Unique within the page: ids of the title and description elements derive from it. */
  id: string;
  /** Accessible name (also the SVG tooltip); the visible title is the figure's caption. */
  title: string;
  /** Accessible description: what the chart shows and its key reading. */
  description: string;
  width: number;
  height: number;
}

/** An `<svg role="img">` of the given size (scaling to its container's width) around `body`. */
export function chartSvg(frame: ChartFrame, body: string): string {
  const t = `${frame.id}-title`;
  const d = `${frame.id}-desc`;
  const head = tag('title', { id: t }, escapeHtml(frame.title)) + tag('desc', { id: d }, escapeHtml(frame.description));
  // width/height make the chart render at its design size (text at its intended pixel size); CSS shrinks it on narrow screens.
  return tag('svg', { class: 'chart', id: frame.id, width: frame.width, height: frame.height, viewBox: `0 0 ${frame.width} ${frame.height}`, role: 'img', 'aria-labelledby': `${t} ${d}` }, head + body);
}

/** A figure: caption (the visible chart title), the chart, and an optional note under it. */
export function figure(caption: string, svg: string, note?: string): string {
  const n = note === undefined ? '' : tag('p', { class: 'note' }, escapeHtml(note));
  return tag('figure', { class: 'figure' }, tag('figcaption', {}, escapeHtml(caption)) + svg + n);
}

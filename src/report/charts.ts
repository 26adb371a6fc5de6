/**
 * The report's three chart kinds, built from the primitives of svg.ts: an x–y chart (lines and dots,
 * e.g. loss by epoch, ROC, float vs int8 scores), a histogram (overlaid step areas) and a horizontal
 * bar chart (one bar per category, e.g. PSI per feature). Each returns one `<svg>` string.
 */
import { formatNumber } from './format.js';
import { makeScale, type Scale, type ScaleKind } from './scale.js';
import { chartSvg, tooltip, dotsPath, legend, linePath, px, rectPath, stepAreaPath, tag, text, textWidth, xAxis, yAxis, type ChartFrame, type LegendMark, type PlotArea } from './svg.js';

/** One axis: title, linear or log, and the data range it must show (default: the data's own). */
export interface AxisSpec {
  title: string;
  kind: ScaleKind;
  extent?: readonly [number, number];
  /** Widen to nice numbers (default true). */
  nice?: boolean;
  /** About how many tick intervals (default 5). */
  tickCount?: number;
}

/** A reference line across the plot at a data value, with a short label. */
export interface Marker {
  axis: 'x' | 'y';
  value: number;
  label: string;
  /** CSS class of the line (default `marker`). */
  className?: string;
}

/** A series of an x–y chart: a line (solid or dashed) or dots, in the colour of its CSS class. */
export interface XySeries {
  label: string;
  className: string;
  mark: Exclude<LegendMark, 'area'>;
  points: readonly (readonly [number, number])[];
}

/** Options of {@link xyChart}. */
export interface XyChartOptions extends Omit<ChartFrame, 'width' | 'height'> {
  x: AxisSpec;
  y: AxisSpec;
  series: readonly XySeries[];
  markers?: readonly Marker[];
  /** Square plot (ROC, precision–recall, float vs int8). */
  square?: boolean;
}

const WIDTH = 680;
const HEIGHT = 320;

/** Smallest and largest value of `values` (for a log axis: of the positive ones). */
function extentOf(values: Iterable<number>, kind: ScaleKind): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (kind === 'log' && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : kind === 'log' ? [1, 10] : [0, 1];
}

function scaleFor(spec: AxisSpec, data: Iterable<number>, range: readonly [number, number]): Scale {
  const extent = spec.extent ?? extentOf(data, spec.kind);
  return makeScale({ kind: spec.kind, extent, range, ...(spec.nice === undefined ? {} : { nice: spec.nice }), ...(spec.tickCount === undefined ? {} : { tickCount: spec.tickCount }) });
}

/** The reference lines of a chart, with labels inside the plot area. */
function markerLines(markers: readonly Marker[], xs: Scale, ys: Scale, area: PlotArea): string {
  let g = '';
  for (const m of markers) {
    const cls = m.className ?? 'marker';
    if (m.axis === 'x') {
      const x = xs.map(m.value);
      if (x < area.left - 0.5 || x > area.right + 0.5) continue;
      const anchorEnd = x > (area.left + area.right) / 2 + 80;
      g += tag('path', { class: cls, d: `M${px(x)} ${px(area.top)}V${px(area.bottom)}` });
      g += text(anchorEnd ? x - 6 : x + 6, area.top + 14, m.label, { class: 'marker-label', 'text-anchor': anchorEnd ? 'end' : 'start' });
    } else {
      const y = ys.map(m.value);
      if (y < area.top - 0.5 || y > area.bottom + 0.5) continue;
      g += tag('path', { class: cls, d: `M${px(area.left)} ${px(y)}H${px(area.right)}` });
      g += text(area.right - 6, y - 6, m.label, { class: 'marker-label', 'text-anchor': 'end' });
    }
  }
  return g;
}

/** Lines and dots over two axes, with legend and reference lines. */
export function xyChart(o: XyChartOptions): string {
  const width = o.square === true ? 440 : WIDTH;
  const height = o.square === true ? 400 : HEIGHT;
  const area: PlotArea = { left: 72, top: 36, right: width - 20, bottom: height - 52 };
  const xs = scaleFor(o.x, o.series.flatMap((s) => s.points.map((p) => p[0])), [area.left, area.right]);
  const ys = scaleFor(o.y, o.series.flatMap((s) => s.points.map((p) => p[1])), [area.bottom, area.top]);
  let body = xAxis(xs, area, o.x.title) + yAxis(ys, area, o.y.title);
  body += markerLines(o.markers ?? [], xs, ys, area);
  for (const s of o.series) {
    const pts = s.points.filter(([x, y]) => (o.x.kind !== 'log' || x > 0) && (o.y.kind !== 'log' || y > 0)).map(([x, y]) => [xs.map(x), ys.map(y)] as const);
    const d = s.mark === 'dot' ? dotsPath(pts) : linePath(pts);
    body += tag('path', { class: `${s.className} mark-${s.mark}`, d }, tooltip(s.label));
  }
  body += legend(o.series.map((s) => ({ label: s.label, className: `${s.className} mark-${s.mark}`, mark: s.mark })), area.right, 20);
  return chartSvg({ id: o.id, title: o.title, description: o.description, width, height }, body);
}

/** One overlaid series of a histogram: a value per bin. */
export interface HistogramSeries {
  label: string;
  className: string;
  values: readonly number[];
}

/** Options of {@link histogramChart}. */
export interface HistogramChartOptions extends Omit<ChartFrame, 'width' | 'height'> {
  /** `[bins + 1]` ascending bin edges (all > 0 for a log axis). */
  edges: readonly number[];
  xKind: ScaleKind;
  xTitle: string;
  yTitle: string;
  series: readonly HistogramSeries[];
  markers?: readonly Marker[];
  /** Smaller chart for small multiples. */
  compact?: boolean;
}

/** Overlaid step-area histograms over shared bins, from 0 up. */
export function histogramChart(o: HistogramChartOptions): string {
  const width = o.compact === true ? 380 : WIDTH;
  const height = o.compact === true ? 240 : HEIGHT;
  const area: PlotArea = { left: 72, top: 36, right: width - 20, bottom: height - 52 };
  const xs = makeScale({ kind: o.xKind, extent: [o.edges[0]!, o.edges[o.edges.length - 1]!], range: [area.left, area.right], nice: false, tickCount: o.compact === true ? 4 : 6 });
  let top = 0;
  for (const s of o.series) for (const v of s.values) top = Math.max(top, v);
  const ys = makeScale({ kind: 'linear', extent: [0, top > 0 ? top : 1], range: [area.bottom, area.top], tickCount: 4 });
  let body = xAxis(xs, area, o.xTitle, { grid: false }) + yAxis(ys, area, o.yTitle);
  const xPix = o.edges.map((e) => xs.map(e));
  for (const s of o.series) {
    body += tag('path', { class: `${s.className} mark-area`, d: stepAreaPath(xPix, s.values.map((v) => ys.map(v)), area.bottom) }, tooltip(s.label));
  }
  body += markerLines(o.markers ?? [], xs, ys, area);
  body += legend(o.series.map((s) => ({ label: s.label, className: `${s.className} mark-area`, mark: 'area' as const })), area.right, 20);
  return chartSvg({ id: o.id, title: o.title, description: o.description, width, height }, body);
}

/** Options of {@link barChart}. */
export interface BarChartOptions extends Omit<ChartFrame, 'width' | 'height'> {
  /** One label per bar, top to bottom. */
  categories: readonly string[];
  values: readonly number[];
  /** CSS class per bar (its colour). */
  classNames: readonly string[];
  /** Tooltip per bar. */
  tooltips: readonly string[];
  xTitle: string;
  /** Reference lines (e.g. the warn and retrain levels). */
  levels?: readonly Marker[];
  /** Legend entries (e.g. the verdict colours). */
  legendItems?: readonly { label: string; className: string }[];
  width?: number;
}

const BAR_ROW = 22;

/** Horizontal bars from 0, one row per category, labels on the left and the value at the bar's end. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 380;
  const labelWidth = Math.min(200, Math.max(...o.categories.map((c) => textWidth(c, 12)), 20));
  const area: PlotArea = { left: labelWidth + 16, top: 40, right: width - 52, bottom: 40 + BAR_ROW * o.categories.length };
  const height = area.bottom + 52;
  const top = Math.max(...o.values, ...(o.levels ?? []).map((l) => l.value), 0);
  const xs = makeScale({ kind: 'linear', extent: [0, top > 0 ? top : 1], range: [area.left, area.right], tickCount: 4 });
  let body = xAxis(xs, area, o.xTitle);
  o.categories.forEach((c, i) => {
    const y = area.top + i * BAR_ROW;
    const w = Math.max(0.5, xs.map(o.values[i]!) - area.left);
    body += text(area.left - 8, y + BAR_ROW / 2 + 4, c, { class: 'category-label', 'text-anchor': 'end' });
    body += tag('path', { class: `bar ${o.classNames[i]}`, d: rectPath(area.left, y + 4, w, BAR_ROW - 8) }, tooltip(o.tooltips[i]!));
    body += text(area.left + w + 4, y + BAR_ROW / 2 + 4, formatNumber(o.values[i]!, 3), { class: 'bar-value' });
  });
  body += markerLines(o.levels ?? [], xs, xs, { ...area, top: area.top - 18 });
  body += legend((o.legendItems ?? []).map((l) => ({ ...l, mark: 'area' as const })), area.right, 14);
  return chartSvg({ id: o.id, title: o.title, description: o.description, width, height }, body);
}

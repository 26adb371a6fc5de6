/** The sections about the model in use: drift of a new batch, explanations of flagged rows, int8 vs float. */
import { barChart, histogramChart, xyChart, type Marker } from './charts.js';
import { escapeHtml } from './escape.js';
import { formatCount, formatNumber, formatPercent, formatRate } from './format.js';
import { badge, chartGrid, code, list, num, section, statCards, table, type Cell, type StatCard } from './html.js';
import type { ReportDrift, ReportDriftRow, ReportExplanations, ReportQuantization, ReportVerdict } from './report-data.js';
import { wideRange } from './scale.js';
import { figure, tag } from './svg.js';

/** Most severe first. */
const SEVERITY: Readonly<Record<ReportVerdict, number>> = { retrain: 0, warn: 1, ok: 2, 'insufficient-data': 3 };
/** Bars shown per statistic; the rest are summarized in a note. */
const MAX_BARS = 24;

const VERDICT_LEGEND = (['ok', 'warn', 'retrain'] as const).map((v) => ({ label: v, className: `tone-${v}` }));

/** Features by severity, then by PSI (largest first). */
function worstFirst(rows: readonly ReportDriftRow[]): ReportDriftRow[] {
  return [...rows].sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status] || b.psi - a.psi);
}

/** One bar chart per statistic, features in the same order in each. */
function driftBars(d: ReportDrift, rows: readonly ReportDriftRow[]): string[] {
  const stats = [
    { key: 'psi', title: 'PSI', axis: 'population stability index' },
    { key: 'wasserstein', title: 'Wasserstein-1', axis: 'Wasserstein-1 (model-input units)' },
    { key: 'ksStatistic', title: 'KS statistic', axis: 'two-sample KS statistic' },
  ] as const;
  return stats.map((s) => {
    const levels: Marker[] = [
      { axis: 'x', value: d.levels[s.key].warn, label: 'warn', className: 'marker-warn' },
      { axis: 'x', value: d.levels[s.key].retrain, label: 'retrain', className: 'marker-retrain' },
    ];
    const chart = barChart({
      id: `chart-drift-${s.key.toLowerCase()}`,
      title: `${s.title} per feature`,
      description: `${s.title} of each feature between the reference and the current batch, coloured by the feature's verdict; dashed lines at the warn (${d.levels[s.key].warn}) and retrain (${d.levels[s.key].retrain}) levels.`,
      categories: rows.map((r) => r.name),
      values: rows.map((r) => r[s.key]),
      classNames: rows.map((r) => `tone-${r.status}`),
      tooltips: rows.map((r) => `${r.name}: ${s.title} ${formatNumber(r[s.key])} (${r.status})`),
      xTitle: s.axis,
      levels,
      legendItems: VERDICT_LEGEND,
    });
    return figure(`${s.title} per feature`, chart);
  });
}

/** Reference vs current distribution of the worst features, as small multiples. */
function distributionCharts(d: ReportDrift): string[] {
  return d.distributions.map((dist, i) => {
    const chart = histogramChart({
      id: `chart-dist-${i}`,
      title: `${dist.name}: reference vs current`,
      description: `Share of rows per bin of ${dist.name} in the training reference and in the current batch (verdict ${dist.status}).`,
      edges: dist.edges,
      xKind: 'linear',
      xTitle: `${dist.name} (training-file units)`,
      yTitle: 'share of rows',
      series: [
        { label: 'reference', className: 's-reference', values: dist.reference },
        { label: 'current', className: 's-current', values: dist.current },
      ],
      compact: true,
    });
    return figure(`${dist.name} — ${dist.status}`, chart);
  });
}

/** Drift of the current batch: verdict, per-feature statistics, the worst features' distributions. */
export function driftSection(d: ReportDrift): string {
  const rows = worstFirst(d.features);
  const shown = rows.slice(0, MAX_BARS);
  const counts = (['retrain', 'warn', 'ok', 'insufficient-data'] as const).map((v) => [v, d.features.filter((f) => f.status === v).length] as const).filter(([, n]) => n > 0);
  const cards: StatCard[] = [
    { label: 'verdict', value: d.verdict, tone: d.verdict, detail: counts.map(([v, n]) => `${n} ${v}`).join(', ') },
    { label: 'current rows', value: formatCount(d.rows), detail: d.validRows === d.rows ? 'all used' : `${formatCount(d.validRows)} used` },
  ];
  if (d.score !== null) cards.push({ label: 'anomaly score drift', value: d.score.status, tone: d.score.status, detail: `PSI ${formatNumber(d.score.psi, 3)}, KS ${formatNumber(d.score.ksStatistic, 3)}` });
  const lead = `The batch ${code(d.current)} against the training reference ${code(d.reference)}: how far each feature's distribution has moved. Verdict ${badge(d.verdict)}.`;
  let content = statCards(cards) + list(d.reasons, 'reasons');
  content += chartGrid(driftBars(d, shown), 'grid-3');
  if (rows.length > shown.length) content += tag('p', { class: 'note' }, escapeHtml(`${rows.length - shown.length} more features are not drawn; the least drifted are left out.`));
  if (d.distributions.length > 0) {
    content += tag('h3', {}, 'Most drifted features');
    content += chartGrid(distributionCharts(d), 'grid-small');
  }
  if (d.score !== null) {
    const s = d.score;
    content += table(['', num('PSI'), num('Wasserstein-1'), num('KS statistic'), 'verdict'], [['anomaly score', num(formatNumber(s.psi)), num(formatNumber(s.wasserstein)), num(formatNumber(s.ksStatistic)), { html: badge(s.status) }]]);
  }
  content += list(d.warnings, 'warnings');
  return section('drift', 'Drift', lead, content);
}

/** The top flagged rows, each with its features' contributions as small bars. */
export function explanationsSection(e: ReportExplanations): string {
  let largest = 0;
  let longest = 0;
  for (const r of e.rows) {
    for (const f of r.top) {
      largest = Math.max(largest, Math.abs(f.contribution));
      longest = Math.max(longest, f.name.length);
    }
  }
  const rows: Cell[][] = e.rows.map((r) => {
    const bars = r.top
      .map((f) => {
        const width = largest > 0 ? (100 * Math.abs(f.contribution)) / largest : 0;
        const bar = tag('span', { class: `contrib-bar${f.contribution < 0 ? ' negative' : ''}`, style: `width:${width.toFixed(1)}%` }, '');
        return tag(
          'div',
          { class: 'contrib' },
          tag('span', { class: 'contrib-name' }, escapeHtml(f.name)) +
            tag('span', { class: 'contrib-track' }, bar) +
            tag('span', { class: 'contrib-value num' }, escapeHtml(formatNumber(f.contribution, 3))) +
            tag('span', { class: 'contrib-raw num' }, escapeHtml(`value ${formatNumber(f.value, 3)}`)),
        );
      })
      .join('');
    return [num(String(r.row)), num(formatNumber(r.score)), { html: bars }];
  });
  const lead =
    `The ${e.rows.length} highest-scoring of the ${formatCount(e.flagged)} flagged rows and the features that drove each score ` +
    `(${escapeHtml(e.method)}: ${escapeHtml(e.unit)}). Value is the row's value of that feature, in training-file units.`;
  // One name column width for every row (names are in a monospace font, so ch is exact), so the bars line up.
  const aligned = tag('div', { style: `--name-width:${Math.min(longest, 40) + 1}ch` }, table([num('row'), num('score'), 'top features'], rows));
  return section('explanations', 'Top flagged rows', lead, aligned);
}

/** Float vs int8 scores of the same rows. */
export function quantizationSection(q: ReportQuantization): string {
  const cards: StatCard[] = [
    { label: 'rank agreement', value: formatRate(q.spearman, 5), detail: 'Spearman correlation of the scores' },
    { label: 'decisions flipped', value: formatPercent(q.flipFraction), detail: `of ${formatCount(q.rows)} rows`, tone: q.flipFraction > 0.01 ? 'warn' : 'neutral' },
    { label: 'largest score difference', value: formatNumber(q.maxAbsDiff, 3) },
  ];
  if (q.floatRocAuc !== null && q.quantizedRocAuc !== null) cards.push({ label: 'ROC-AUC int8', value: formatRate(q.quantizedRocAuc), detail: `float ${formatRate(q.floatRocAuc)}` });
  if (q.floatBytes !== null && q.quantizedBytes !== null) {
    cards.push({ label: 'int8 file size', value: `${formatCount(q.quantizedBytes)} B`, detail: `${formatPercent(q.quantizedBytes / q.floatBytes)} of the float model's ${formatCount(q.floatBytes)} B` });
  }
  const all = [...q.points.float, ...q.points.quantized];
  const log = wideRange(all, 100);
  const kind = log ? 'log' : 'linear';
  const agree: [number, number][] = [];
  const flipped: [number, number][] = [];
  q.points.float.forEach((f, i) => {
    const p: [number, number] = [f, q.points.quantized[i]!];
    ((f > q.threshold) === (p[1] > q.threshold) ? agree : flipped).push(p);
  });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of all) if (!log || v > 0) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  // A little room around the points instead of whole decades (which could leave one empty).
  [lo, hi] = log ? [lo / 1.25, hi * 1.25] : [lo - 0.04 * (hi - lo), hi + 0.04 * (hi - lo)];
  const threshold: Marker[] = [{ axis: 'x', value: q.threshold, label: 'threshold', className: 'marker-threshold' }];
  const scatter = xyChart({
    id: 'chart-quantization',
    title: 'int8 against float scores',
    description: `Anomaly score of ${q.points.float.length} rows under the float and the int8 model; points on the diagonal agree. ${flipped.length} of them change their decision at the threshold ${formatNumber(q.threshold)}.`,
    x: { title: log ? 'float score (log scale)' : 'float score', kind, extent: [lo, hi], nice: false },
    y: { title: log ? 'int8 score (log scale)' : 'int8 score', kind, extent: [lo, hi], nice: false },
    square: true,
    series: [
      { label: 'equal scores', className: 's-chance', mark: 'dash', points: [[lo, lo], [hi, hi]] },
      { label: 'same decision', className: 's-agree', mark: 'dot', points: agree },
      { label: 'decision flipped', className: 's-flip', mark: 'dot', points: flipped },
    ],
    markers: [...threshold, { axis: 'y', value: q.threshold, label: '', className: 'marker-threshold' }],
  });
  // The difference is what quantization adds: relative to the score when scores are positive (an
  // autoencoder's error), else in score units.
  const relative = q.points.float.every((f) => f > 0);
  const diff = (f: number, v: number): number => (relative ? (v - f) / f : v - f);
  const difference = xyChart({
    id: 'chart-quantization-diff',
    title: 'int8 minus float score',
    description: `Difference between the int8 and the float score of the same ${q.points.float.length} rows${relative ? ', relative to the float score' : ''}; 0 means equal.`,
    x: { title: log ? 'float score (log scale)' : 'float score', kind, extent: [lo, hi], nice: false },
    y: { title: relative ? '(int8 − float) / float' : 'int8 − float', kind: 'linear' },
    square: true,
    series: [
      { label: 'same decision', className: 's-agree', mark: 'dot', points: agree.map(([f, v]) => [f, diff(f, v)] as const) },
      { label: 'decision flipped', className: 's-flip', mark: 'dot', points: flipped.map(([f, v]) => [f, diff(f, v)] as const) },
    ],
    markers: [...threshold, { axis: 'y', value: 0, label: '', className: 'marker-chance' }],
  });
  const note = q.points.float.length < q.rows ? `${formatCount(q.points.float.length)} of the ${formatCount(q.rows)} rows are drawn: the rows whose decision flipped, rows above the threshold and an even spread of the rest.` : undefined;
  const charts = chartGrid([figure('int8 against float scores', scatter), figure('int8 minus float score', difference, note)]);
  const lead =
    `The int8 model ${code(q.quantizedModel)} against the float model ${code(q.floatModel)} on the same ${formatCount(q.rows)} rows. ` +
    `Quantization should keep the ranking (rank agreement near 1) and the decisions at the threshold.`;
  return section('quantization', 'int8 vs float', lead, statCards(cards) + charts);
}

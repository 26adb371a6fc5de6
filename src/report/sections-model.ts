/** The sections about the model itself: training loss, the score distribution, detection quality. */
import { histogramChart, xyChart, type Marker, type XySeries } from './charts.js';
import { formatCount, formatNumber, formatPercent, formatRate } from './format.js';
import { chartGrid, code, num, section, statCards, table, type StatCard } from './html.js';
import type { ReportLabels, ReportModel, ReportScores, ReportTraining } from './report-data.js';
import { wideRange } from './scale.js';
import { figure } from './svg.js';
import { niceLogDomain } from './ticks.js';

/** Training and validation loss by epoch, with the kept epoch marked. */
export function trainingSection(t: ReportTraining): string {
  const series: XySeries[] = [];
  const mark = t.epochs.length > 1 ? 'line' : 'dot';
  const train = t.epochs.filter((e) => e.trainLoss !== null).map((e) => [e.epoch, e.trainLoss!] as const);
  const valid = t.epochs.filter((e) => e.validationLoss !== null).map((e) => [e.epoch, e.validationLoss!] as const);
  if (train.length > 0) series.push({ label: 'training loss', className: 's-train', mark, points: train });
  if (valid.length > 0) series.push({ label: 'validation loss', className: 's-valid', mark, points: valid });
  const last = t.epochs[t.epochs.length - 1]!.epoch;
  const logY = wideRange([...train, ...valid].map((p) => p[1]), 20);
  const chart = xyChart({
    id: 'chart-loss',
    title: 'Loss by epoch',
    description: `Training and validation loss for ${last} epochs; the weights of epoch ${t.bestEpoch} were kept.`,
    x: { title: 'epoch', kind: 'linear', extent: [1, Math.max(2, last)], nice: false, tickCount: Math.min(5, Math.max(1, last - 1)) },
    y: { title: logY ? 'loss (log scale)' : 'loss', kind: logY ? 'log' : 'linear' },
    series,
    markers: [{ axis: 'x', value: t.bestEpoch, label: `kept: epoch ${t.bestEpoch}` }],
  });
  const stop = t.stoppedEarly ? `Training stopped early after epoch ${last}` : `Training ran all ${last} epochs`;
  const lead =
    `Mean loss of the ${formatCount(t.trainingRows)} training rows and of the ${formatCount(t.validationRows)} held-out validation rows after each epoch ` +
    `(from ${code(t.source)}). ${stop}; the weights of epoch ${t.bestEpoch}, with the lowest validation loss, were kept.`;
  return section('training', 'Training', lead, chartGrid([figure('Loss by epoch', chart)], 'grid-1'));
}

/** Headline numbers of the scores (and of the labels when given). */
function scoreCards(s: ReportScores, model: ReportModel, labels: ReportLabels | null): StatCard[] {
  const cards: StatCard[] = [
    { label: 'rows scored', value: formatCount(s.rows) },
    { label: 'flagged', value: formatCount(s.flagged), detail: `${formatPercent(s.flagged / s.rows)} of rows` },
    { label: 'threshold', value: formatNumber(s.threshold), detail: model.thresholdMethod ?? 'from the model file' },
  ];
  if (labels !== null) {
    const a = labels.atThreshold;
    cards.push({ label: 'ROC-AUC', value: formatRate(labels.rocAuc), detail: `average precision ${formatRate(labels.averagePrecision)}` });
    cards.push({ label: 'precision at threshold', value: formatPercent(a.precision), detail: `${formatCount(a.tp)} of ${formatCount(a.tp + a.fp)} flagged are anomalies` });
    cards.push({ label: 'recall at threshold', value: formatPercent(a.recall), detail: `${formatCount(a.tp)} of ${formatCount(labels.positives)} anomalies flagged` });
  }
  return cards;
}

/** The score histogram with the threshold; by label when labels are given. */
function scoreHistogram(s: ReportScores): string {
  const h = s.histogram;
  const share = (counts: readonly number[]): number[] => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (total > 0 ? c / total : 0));
  };
  const series =
    s.byLabel === null
      ? [{ label: 'all rows', className: 's-all', values: h.counts }]
      : [
          { label: 'label 0 (normal)', className: 's-normal', values: share(s.byLabel.normal) },
          { label: 'label 1 (anomaly)', className: 's-anomaly', values: share(s.byLabel.anomalous) },
        ];
  const marker: Marker = { axis: 'x', value: s.threshold, label: `threshold ${formatNumber(s.threshold)}`, className: 'marker-threshold' };
  const chart = histogramChart({
    id: 'chart-scores',
    title: 'Anomaly score distribution',
    description: `Histogram of the anomaly scores of ${s.rows} rows; ${s.flagged} score above the threshold ${formatNumber(s.threshold)}.`,
    edges: h.edges,
    xKind: h.scale,
    xTitle: h.scale === 'log' ? 'anomaly score (log scale)' : 'anomaly score',
    yTitle: s.byLabel === null ? 'rows' : 'share of the label’s rows',
    series,
    markers: [marker],
  });
  const note = s.byLabel === null ? undefined : 'Each label’s bars add up to 1, so the few anomalies stay visible next to the many normal rows.';
  return figure('Score distribution', chart, note);
}

/** ROC and precision–recall curves with the model's operating point. */
function labelCharts(l: ReportLabels): string[] {
  const a = l.atThreshold;
  const figures: string[] = [];
  if (l.roc !== null) {
    // False positive rates that matter to an analyst are far below 1%: a log axis from one false
    // positive (1 / negatives) to 1 shows them; a linear one squeezes a good detector into its corner.
    const fpr = a.fp + a.tn > 0 ? a.fp / (a.fp + a.tn) : 0;
    const [lo] = niceLogDomain(1 / Math.max(1, l.negatives), 1);
    const chart = xyChart({
      id: 'chart-roc',
      title: 'ROC curve',
      description: `True positive rate against false positive rate (log scale) over all thresholds (no chance line: it is not straight on a log axis); area ${formatRate(l.rocAuc)}. At the model's threshold: false positive rate ${formatPercent(fpr)}, recall ${formatPercent(a.recall)}.`,
      x: { title: 'false positive rate (log scale)', kind: 'log', extent: [lo, 1] },
      y: { title: 'true positive rate (recall)', kind: 'linear', extent: [0, 1], nice: false },
      square: true,
      series: [
        { label: `ROC (AUC ${formatRate(l.rocAuc)})`, className: 's-curve', mark: 'line', points: l.roc.fpr.map((x, i) => [x, l.roc!.tpr[i]!] as const) },
        // No false positive at all: the point sits on the axis's left end.
        { label: fpr > 0 ? 'at threshold' : 'at threshold (no false positive)', className: 's-point', mark: 'dot', points: [[Math.max(fpr, lo), a.recall]] },
      ],
    });
    figures.push(figure('ROC curve', chart));
  }
  if (l.precisionRecall !== null) {
    const pr = l.precisionRecall;
    const base = l.positives / (l.positives + l.negatives);
    const chart = xyChart({
      id: 'chart-pr',
      title: 'Precision–recall curve',
      description: `Precision against recall over all thresholds; average precision ${formatRate(l.averagePrecision)}. At the model's threshold: precision ${formatPercent(a.precision)}, recall ${formatPercent(a.recall)}.`,
      x: { title: 'recall', kind: 'linear', extent: [0, 1], nice: false },
      y: { title: 'precision', kind: 'linear', extent: [0, 1], nice: false },
      square: true,
      series: [
        { label: `precision–recall (AP ${formatRate(l.averagePrecision)})`, className: 's-curve', mark: 'line', points: pr.recall.map((r, i) => [r, pr.precision[i]!] as const) },
        { label: 'at threshold', className: 's-point', mark: 'dot', points: [[a.recall, a.precision]] },
      ],
      markers: [{ axis: 'y', value: base, label: `share of anomalies ${formatPercent(base)}`, className: 'marker-chance' }],
    });
    figures.push(figure('Precision–recall curve', chart));
  }
  return figures;
}

/** The confusion matrix at the threshold. */
function confusionTable(l: ReportLabels): string {
  const a = l.atThreshold;
  return table(
    ['', num('flagged (score > threshold)'), num('not flagged'), num('total')],
    [
      ['label 1 (anomaly)', num(formatCount(a.tp)), num(formatCount(a.fn)), num(formatCount(a.tp + a.fn))],
      ['label 0 (normal)', num(formatCount(a.fp)), num(formatCount(a.tn)), num(formatCount(a.fp + a.tn))],
    ],
    `At the threshold: precision ${formatPercent(a.precision)}, recall ${formatPercent(a.recall)}, F1 ${formatNumber(a.f1, 3)}`,
  );
}

/** Score distribution, threshold and (with labels) detection quality. */
export function scoresSection(s: ReportScores, model: ReportModel, labels: ReportLabels | null): string {
  const lead =
    `Anomaly scores of every row (higher = more anomalous). A row is flagged when its score is above the threshold ${formatNumber(s.threshold)}` +
    (labels === null ? '.' : `; the labels hold ${formatCount(labels.positives)} anomalies among ${formatCount(labels.positives + labels.negatives)} rows.`);
  let content = statCards(scoreCards(s, model, labels));
  content += chartGrid([scoreHistogram(s)], 'grid-1');
  if (labels !== null) {
    const charts = labelCharts(labels);
    if (charts.length > 0) content += chartGrid(charts);
    content += confusionTable(labels);
  }
  return section('scores', labels === null ? 'Scores' : 'Scores and detection quality', lead, content);
}

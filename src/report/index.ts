/**
 * The HTML report: pure functions from a typed {@link ReportData} to one self-contained HTML page
 * with hand-written SVG charts (docs/report.md). Depends on nothing else in dadm; the pipeline
 * (src/pipeline/report.ts) gathers the data and calls {@link renderReport}.
 */
export { renderReport } from './render-report.js';
export type {
  ReportData,
  ReportModel,
  ReportTraining,
  ReportHistogram,
  ReportScores,
  ReportLabels,
  ReportDrift,
  ReportDriftRow,
  ReportDistribution,
  ReportExplanations,
  ReportQuantization,
  ReportVerdict,
} from './report-data.js';
export { histogramOf, type HistogramOptions } from './histogram.js';
export { scatterSample } from './scatter-sample.js';
export { escapeHtml } from './escape.js';
export { niceStep, linearTicks, niceDomain, niceLogDomain, logTicks, formatTick } from './ticks.js';
export { makeScale, type Scale, type ScaleKind, type ScaleOptions } from './scale.js';

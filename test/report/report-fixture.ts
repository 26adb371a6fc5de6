/**
 * A hand-written ReportData with every section, small and fixed, for the renderer's tests. Names
 * and paths include hostile strings that must reach the page as text.
 */
import type { ReportData } from '../../src/report/index.js';

export const HOSTILE_FEATURE = '<script>alert("feature")</script>';
export const HOSTILE_FILE = 'x"><img src=x onerror=alert(1)>.npy';

export function fullReportData(): ReportData {
  const features = ['net_bytes_in', HOSTILE_FEATURE, 'file_write_count', 'cmdline_entropy'];
  return {
    title: 'Model report: model.safetensors',
    generator: 'dadm 0.0.0-test',
    generatedAt: null,
    model: { path: 'out/model.safetensors', kind: 'autoencoder', format: 'safetensors checkpoint', threshold: 0.2, thresholdMethod: 'validation-quantile', schema: 'endpoint-v1', features: 4 },
    inputs: [
      ['data', HOSTILE_FILE],
      ['labels', 'labels.npy'],
    ],
    training: {
      source: 'out/metrics.json',
      epochs: [1, 2, 3, 4, 5].map((epoch) => ({ epoch, trainLoss: 1 / epoch ** 2, validationLoss: 0.8 / epoch ** 2 + 0.01 })),
      bestEpoch: 5,
      stoppedEarly: false,
      trainingRows: 900,
      validationRows: 100,
    },
    scores: {
      rows: 1000,
      flagged: 12,
      threshold: 0.2,
      histogram: { edges: [0.001, 0.01, 0.1, 1, 10], scale: 'log', counts: [100, 700, 188, 12] },
      byLabel: { normal: [100, 700, 180, 0], anomalous: [0, 0, 8, 12] },
    },
    labels: {
      positives: 20,
      negatives: 980,
      rocAuc: 0.97,
      averagePrecision: 0.8,
      atThreshold: { precision: 1, recall: 0.6, f1: 0.75, tp: 12, fp: 0, tn: 980, fn: 8 },
      roc: { fpr: [0, 0, 0.01, 0.1, 1], tpr: [0, 0.6, 0.8, 0.95, 1] },
      precisionRecall: { recall: [1, 0.9, 0.6, 0.3, 0], precision: [0.02, 0.5, 1, 1, 1] },
    },
    drift: {
      reference: 'out/drift_reference.npz',
      current: HOSTILE_FILE,
      rows: 500,
      validRows: 500,
      verdict: 'retrain',
      levels: { psi: { warn: 0.1, retrain: 0.25 }, wasserstein: { warn: 0.1, retrain: 0.25 }, ksStatistic: { warn: 0.1, retrain: 0.2 } },
      features: features.map((name, i) => ({ name, psi: [0.4, 0.12, 0.01, 0.002][i]!, wasserstein: [0.5, 0.15, 0.02, 0.01][i]!, ksStatistic: [0.3, 0.12, 0.02, 0.01][i]!, status: (['retrain', 'warn', 'ok', 'ok'] as const)[i]! })),
      score: { name: 'anomaly score', psi: 0.3, wasserstein: 0.05, ksStatistic: 0.25, status: 'retrain' },
      distributions: [
        { name: 'net_bytes_in', status: 'retrain', edges: [-2, -1, 0, 1, 2, 3], reference: [0.1, 0.4, 0.4, 0.1, 0], current: [0, 0.1, 0.4, 0.4, 0.1] },
        { name: HOSTILE_FEATURE, status: 'warn', edges: [0, 1, 2, 3], reference: [0.5, 0.3, 0.2], current: [0.3, 0.4, 0.3] },
      ],
      reasons: [`net_bytes_in retrain: PSI 0.4 >= 0.25`, `${HOSTILE_FEATURE} warn: PSI 0.12 >= 0.1`],
      warnings: ['500 rows against 1000 reference rows: warn levels raised to the sampling noise'],
    },
    explanations: {
      method: 'reconstruction',
      unit: 'each feature’s share of the squared reconstruction error',
      flagged: 12,
      rows: [
        { row: 7, score: 3.2, top: [{ name: HOSTILE_FEATURE, contribution: 0.7, value: 4.5 }, { name: 'net_bytes_in', contribution: 0.2, value: -1 }] },
        { row: 3, score: 1.1, top: [{ name: 'cmdline_entropy', contribution: 0.5, value: 2 }, { name: 'file_write_count', contribution: 0.3, value: 0.1 }] },
      ],
    },
    quantization: {
      floatModel: 'out/model.onnx',
      quantizedModel: 'out/model_quantized.onnx',
      rows: 1000,
      spearman: 0.9998,
      maxAbsDiff: 0.004,
      flipFraction: 0.001,
      threshold: 0.2,
      floatRocAuc: 0.97,
      quantizedRocAuc: 0.9701,
      floatBytes: 21000,
      quantizedBytes: 16000,
      points: { float: [0.005, 0.02, 0.1, 0.19, 0.21, 2], quantized: [0.0051, 0.0199, 0.1002, 0.201, 0.209, 2.01] },
    },
  };
}

/** The same report with only the required scores section. */
export function minimalReportData(): ReportData {
  const d = fullReportData();
  return { ...d, inputs: [['data', 'data.npy']], training: null, scores: { ...d.scores, byLabel: null }, labels: null, drift: null, explanations: null, quantization: null };
}

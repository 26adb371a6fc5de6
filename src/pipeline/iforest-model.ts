/**
 * The isolation-forest side of the pipeline: how many rows the fit needs, fitting on the bounded
 * row sample, the checkpoint tensors, and loading them back.
 */
import { FormatError } from '../errors.js';
import { IsolationForest, type ForestArrays, type IsolationForestMeta } from '../iforest/index.js';
import type { SafetensorsContents, SafetensorsTensorLike } from '../io/index.js';
import type { DadmConfig } from './config.js';
import { parseJson } from './checkpoint.js';

/** Score kernel on model input (already standardized): writes `[n]` scores into `out`. */
export type ScoreKernel = (x: Float32Array, n: number, cols: number, out: Float32Array) => void;

/** Rows per tree, resolved like scikit-learn against the training row count. */
export function forestRowsPerTree(config: DadmConfig, trainingRows: number): number {
  const m = config.iforest.maxSamples;
  if (m === 'auto') return Math.min(256, trainingRows);
  if (m <= 1) return Math.floor(m * trainingRows);
  return Math.min(m, trainingRows);
}

/**
 * Training rows the fit sample must hold: each tree draws `rowsPerTree` of them, so
 * `rowsPerTree * nEstimators` distinct rows are enough for every draw to be a uniform sample of
 * the whole training set (and all rows when the file is smaller).
 */
export function forestSampleRows(config: DadmConfig, trainingRows: number): number {
  return Math.min(trainingRows, Math.max(2, forestRowsPerTree(config, trainingRows) * config.iforest.nEstimators));
}

/**
 * Fits the forest on the (uniform, standardized) sample `[n, cols]` of the training rows. When the
 * sample is smaller than the training set, `maxSamples` is passed as the resolved row count so
 * that trees are as large as they would be on the whole set.
 */
export function fitForest(sample: Float32Array, n: number, cols: number, config: DadmConfig, trainingRows: number): IsolationForest {
  const o = config.iforest;
  const perTree = forestRowsPerTree(config, trainingRows);
  const maxSamples = n < trainingRows && perTree >= 2 ? perTree : o.maxSamples;
  const forest = new IsolationForest({
    nEstimators: o.nEstimators,
    maxSamples,
    maxFeatures: o.maxFeatures,
    bootstrap: o.bootstrap,
    contamination: o.contamination,
    seed: config.training.seed,
  });
  return forest.fit({ data: sample, shape: [n, cols] });
}

/** The forest's score kernel: `anomalyScore` (higher = more anomalous), rounded to float32. */
export function forestKernel(forest: IsolationForest): ScoreKernel {
  return (x, n, cols, out) => {
    const s = forest.anomalyScore({ data: n * cols === x.length ? x : x.subarray(0, n * cols), shape: [n, cols] });
    for (let i = 0; i < n; i++) out[i] = s[i]!;
  };
}

const TENSOR_NAMES: Record<keyof ForestArrays, string> = {
  nodeOffsets: 'trees.node_offsets',
  childrenLeft: 'trees.children_left',
  childrenRight: 'trees.children_right',
  feature: 'trees.feature',
  threshold: 'trees.threshold',
  nNodeSamples: 'trees.n_node_samples',
  features: 'trees.features',
};

/** Checkpoint tensors (layout of docs/iforest.md) and the `iforest` metadata key. */
export function forestCheckpoint(forest: IsolationForest): { tensors: Map<string, SafetensorsTensorLike>; metadata: Record<string, string> } {
  const { arrays, meta } = forest.toArrays();
  const tensors = new Map<string, SafetensorsTensorLike>();
  for (const key of Object.keys(TENSOR_NAMES) as (keyof ForestArrays)[]) {
    const data = arrays[key];
    const shape = key === 'features' ? [meta.options.nEstimators, meta.maxFeatures] : [data.length];
    tensors.set(TENSOR_NAMES[key], { data, shape });
  }
  return { tensors, metadata: { iforest: JSON.stringify(meta), score: 'isolation forest anomaly score 2^(-E[h(x)]/c(max_samples)), higher = more anomalous' } };
}

/**
 * Rebuilds the forest from checkpoint contents.
 * @throws FormatError naming the file for a missing or mistyped tensor or invalid forest
 */
export function loadForest(path: string, contents: SafetensorsContents): IsolationForest {
  const metaText = contents.metadata.iforest;
  if (metaText === undefined) throw new FormatError(`${path}: metadata key 'iforest' must be present, got nothing (corrupted checkpoint)`, path);
  const meta = parseJson(path, 'iforest', metaText) as IsolationForestMeta;
  const arrays = {} as Record<keyof ForestArrays, unknown>;
  for (const key of Object.keys(TENSOR_NAMES) as (keyof ForestArrays)[]) {
    const t = contents.tensors.get(TENSOR_NAMES[key]);
    const want = key === 'threshold' ? 'F64' : 'I32';
    if (t === undefined || t.dtype !== want) {
      throw new FormatError(`${path}: tensor ${TENSOR_NAMES[key]} must be ${want}, got ${t === undefined ? 'nothing' : t.dtype}`, path);
    }
    arrays[key] = t.data;
  }
  try {
    return IsolationForest.fromArrays({ arrays: arrays as unknown as ForestArrays, meta });
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${path}: ${err.message}`, path);
    throw err;
  }
}

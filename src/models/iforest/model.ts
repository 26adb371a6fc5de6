/**
 * The isolation-forest kind's fitted model: how many rows the fit needs, fitting on the bounded row
 * sample, the checkpoint tensors (layout of docs/iforest.md) and loading them back.
 */
import type { DadmConfig } from '../../config/index.js';
import { FormatError } from '../../errors.js';
import { IsolationForest, type ForestArrays, type IsolationForestMeta } from '../../iforest/index.js';
import type { onnx } from '../../onnx/index.js';
import { readRecordAndArrays } from '../checkpoint.js';
import type { ExplainHooks, FittedModel, InputShape, ModelState, OnnxExportContext, ParallelScoreKernel, ScoreKernel, StoredModel } from '../kind.js';
import { exportForest } from './export.js';

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
export function fitForest(sample: { rows: Float32Array; n: number; cols: number }, config: DadmConfig, trainingRows: number): IsolationForest {
  const o = config.iforest;
  const perTree = forestRowsPerTree(config, trainingRows);
  const maxSamples = sample.n < trainingRows && perTree >= 2 ? perTree : o.maxSamples;
  const forest = new IsolationForest({
    nEstimators: o.nEstimators,
    maxSamples,
    maxFeatures: o.maxFeatures,
    bootstrap: o.bootstrap,
    contamination: o.contamination,
    seed: config.training.seed,
    threads: config.threads,
  });
  return forest.fit({ data: sample.rows, shape: [sample.n, sample.cols] });
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

/** A fitted isolation forest; its score is `anomalyScore` (higher = more anomalous), rounded to float32. */
export class IforestModel implements FittedModel {
  readonly kind = 'iforest' as const;
  readonly input: InputShape;
  readonly score: ScoreKernel;
  readonly explain: ExplainHooks;

  constructor(readonly forest: IsolationForest) {
    this.input = { form: 'rows', steps: 1, width: forest.nFeaturesIn };
    this.score = forestKernel(forest);
    const { compiled, denominator, nFeaturesIn } = forest.compiledTrees();
    this.explain = { shapModel: { kind: 'isolation-forest', ...compiled, denominator, inputDim: nFeaturesIn }, reconstruct: null };
  }

  /** The same trees scoring on `threads` threads (IsolationForest's `threads` option). */
  parallelScore(threads: number): ParallelScoreKernel {
    const forest = IsolationForest.fromArrays(this.forest.toArrays(), { threads });
    return { kernel: forestKernel(forest), close: () => undefined };
  }

  /** The forest arrays under `trees.*` and the `iforest` / `score` metadata keys. */
  state(): ModelState {
    const { arrays, meta } = this.forest.toArrays();
    const tensors: ModelState['tensors'] = new Map();
    for (const key of Object.keys(TENSOR_NAMES) as (keyof ForestArrays)[]) {
      const data = arrays[key];
      const shape = key === 'features' ? [meta.options.nEstimators, meta.maxFeatures] : [data.length];
      tensors.set(TENSOR_NAMES[key], { data, shape });
    }
    return { tensors, metadata: { iforest: JSON.stringify(meta), score: 'isolation forest anomaly score 2^(-E[h(x)]/c(max_samples)), higher = more anomalous' } };
  }

  exportOnnx(ctx: OnnxExportContext): onnx.ModelProto {
    return exportForest(this.forest, ctx);
  }

  /** Trees and nodes, e.g. `{ trees: 100, nodes: 3482 }`. */
  describe(): Record<string, number> {
    const { roots, firstChild } = this.forest.compiledTrees().compiled;
    return { trees: roots.length, nodes: firstChild.length };
  }
}

/**
 * Rebuilds the forest from its checkpoint part.
 * @throws FormatError naming the file for a missing or mistyped tensor or an invalid forest
 */
export function loadForest(stored: StoredModel): IforestModel {
  const { path } = stored;
  const tensors = Object.fromEntries((Object.keys(TENSOR_NAMES) as (keyof ForestArrays)[]).map((k) => [k, { name: TENSOR_NAMES[k], dtype: k === 'threshold' ? 'F64' : 'I32' }])) as Record<keyof ForestArrays, { name: string; dtype: string }>;
  const { meta, arrays } = readRecordAndArrays(stored, 'iforest', tensors);
  try {
    return new IforestModel(IsolationForest.fromArrays({ arrays: arrays as unknown as ForestArrays, meta: meta as IsolationForestMeta }));
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${path}: ${err.message}`, path);
    throw err;
  }
}

/** `anomalyScore` of the first `n` rows as a {@link ScoreKernel}. */
function forestKernel(forest: IsolationForest): ScoreKernel {
  const cols = forest.nFeaturesIn;
  return (x, n, out) => {
    const s = forest.anomalyScore({ data: n * cols === x.length ? x : x.subarray(0, n * cols), shape: [n, cols] });
    for (let i = 0; i < n; i++) out[i] = s[i]!;
  };
}

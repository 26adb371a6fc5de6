/**
 * The ECOD kind's fitted model: ECOD's per-feature tables over the schema's active columns (the
 * leading ones; padding columns are constant and carry no tail), its checkpoint tensors and loading
 * them back, and the ONNX graph with the scaler folded into the table thresholds.
 */
import { ECOD, type EcodArrays, type EcodMeta } from '../../ecod/index.js';
import { FormatError } from '../../errors.js';
import type { onnx } from '../../onnx/index.js';
import { exportEcod } from '../../onnx-writer/index.js';
import { readRecordAndArrays } from '../checkpoint.js';
import { kernelScoreFn, type ExplainHooks, type FittedModel, type InputShape, type ModelState, type OnnxExportContext, type ScoreKernel, type StoredModel } from '../kind.js';
import { foldScalerIntoSteps } from '../scaler-fold.js';

const TENSOR_NAMES: Record<keyof EcodArrays, string> = { thresholds: 'tables.thresholds', values: 'tables.values', offsets: 'tables.offsets' };
const TENSOR_DTYPES: Record<keyof EcodArrays, string> = { thresholds: 'F32', values: 'F64', offsets: 'I32' };

/** A fitted ECOD reading rows `[width]`; its tables cover the first `ecod.nFeaturesIn` columns. Score: ECOD's anomaly score, rounded to float32. */
export class EcodModel implements FittedModel {
  readonly kind = 'ecod' as const;
  readonly input: InputShape;
  readonly score: ScoreKernel;
  readonly explain: ExplainHooks;

  constructor(
    readonly ecod: ECOD,
    width: number,
  ) {
    const active = ecod.nFeaturesIn;
    this.input = { form: 'rows', steps: 1, width };
    let columns = new Float32Array(0);
    this.score = (x, n, out) => {
      let data = x.subarray(0, n * width);
      if (active < width) {
        if (columns.length < n * active) columns = new Float32Array(n * active);
        for (let r = 0; r < n; r++) for (let j = 0; j < active; j++) columns[r * active + j] = x[r * width + j]!;
        data = columns.subarray(0, n * active);
      }
      const s = ecod.anomalyScore({ data, shape: [n, active] });
      for (let i = 0; i < n; i++) out[i] = s[i]!;
    };
    this.explain = { shapModel: kernelScoreFn(this.score, width), reconstruct: null };
  }

  /** The tables under `tables.*` (layout of docs/ecod.md) and the `ecod` / `score` metadata keys. */
  state(): ModelState {
    const { arrays, meta } = this.ecod.toArrays();
    const tensors: ModelState['tensors'] = new Map();
    for (const key of Object.keys(TENSOR_NAMES) as (keyof EcodArrays)[]) tensors.set(TENSOR_NAMES[key], { data: arrays[key], shape: [arrays[key].length] });
    return { tensors, metadata: { ecod: JSON.stringify(meta), score: 'ECOD: sum over the active features of the tail score -log(tail probability), higher = more anomalous' } };
  }

  /** `exportEcod` over the input width, its thresholds mapped to raw units when the run standardizes. */
  exportOnnx(ctx: OnnxExportContext): onnx.ModelProto {
    const { arrays, meta } = this.ecod.toArrays();
    const columns = Array.from({ length: meta.nFeaturesIn }, (_, j) => j);
    const tables = ctx.standardizer === null ? arrays : foldScalerIntoSteps(arrays, columns, ctx.standardizer);
    return exportEcod({ arrays: tables, meta }, { opset: ctx.opset, dynamicBatch: ctx.dynamicBatch, metadata: ctx.metadata, inputWidth: this.input.width });
  }

  /** Features and table steps, e.g. `{ features: 12, steps: 4757 }`. */
  describe(): Record<string, number> {
    const { arrays, meta } = this.ecod.toArrays();
    return { features: meta.nFeaturesIn, steps: arrays.values.length };
  }
}

/**
 * Rebuilds ECOD from its checkpoint part.
 * @throws FormatError naming the file for a missing or mistyped tensor or invalid tables
 */
export function loadEcod(stored: StoredModel): EcodModel {
  const { path } = stored;
  const tensors = Object.fromEntries((Object.keys(TENSOR_NAMES) as (keyof EcodArrays)[]).map((k) => [k, { name: TENSOR_NAMES[k], dtype: TENSOR_DTYPES[k] }])) as Record<keyof EcodArrays, { name: string; dtype: string }>;
  const { meta, arrays } = readRecordAndArrays(stored, 'ecod', tensors);
  let ecod: ECOD;
  try {
    ecod = ECOD.fromArrays({ arrays: arrays as unknown as EcodArrays, meta: meta as EcodMeta });
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${path}: ${err.message}`, path);
    throw err;
  }
  if (ecod.nFeaturesIn > stored.schema.activeFeatures) {
    throw new FormatError(`${path}: ECOD tables must cover at most the schema's ${stored.schema.activeFeatures} active features, got ${ecod.nFeaturesIn}`, path);
  }
  return new EcodModel(ecod, stored.schema.dim);
}

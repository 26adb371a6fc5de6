/**
 * `dadm export-onnx`: a checkpoint (any registered kind) as a self-describing model.onnx that scores
 * raw items exactly like the checkpoint, checked by scoring a few rows both ways before the file is
 * written. The checkpoint is read once. See docs/pipeline.md "## export-onnx" and docs/onnx.md "## Exporters".
 */
import type { ModelKind } from '../config/index.js';
import { DadmError } from '../errors.js';
import type { Limits } from '../limits.js';
import { writeFileAtomic } from '../io/index.js';
import { checkpointDetector, itemSize, loadOnnxDetector, modelKind, readCheckpoint, readCheckpointFile, type CheckpointDetector } from '../models/index.js';
import { EXPORT_OPSET_RANGE, checkExportOpset, encodeModel, modelMetadata, type onnx } from '../onnx/index.js';
import { Random } from '../tensor/index.js';
import { packageVersion } from '../version.js';
import { refuseSameFile } from './same-file.js';

/** The opsets export-onnx writes (the exporters' range), for `--help` and option checks. */
export { EXPORT_OPSET_RANGE };

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** model.safetensors written by `train`. */
  checkpoint: string;
  /** Where to write the .onnx file (atomically); without it nothing is written and the bytes are only returned (`encoded`). */
  output?: string;
  /** Default-domain opset in {@link EXPORT_OPSET_RANGE}; default the checkpoint config's `onnx.opset`. */
  opset?: number;
  /** Symbolic batch dimension; default the checkpoint config's `onnx.dynamicBatch`. */
  dynamicBatch?: boolean;
  /**
   * Autoencoder only: fold the scaler into the first layer. Default false: folding saves no work
   * (the standardized input is still computed for the error) and hurts int8 quantization, since the
   * first MatMul would then read raw features.
   */
  foldScaler?: boolean;
  /** Overrides of the default limits of the files read (src/limits.ts; the CLI passes config.yaml's `limits`). */
  limits?: Partial<Limits>;
}

/** What {@link exportOnnx} wrote. */
export interface ExportOnnxResult {
  modelType: ModelKind;
  /** The file written, or null when no `output` was given. */
  output: string | null;
  /** Size of the model in bytes. */
  bytes: number;
  /** The encoded model (what was written). */
  encoded: Uint8Array;
  opset: number;
  dynamicBatch: boolean;
  /** Node count per op type (`domain:Op` outside the default domain). */
  ops: Record<string, number>;
  /** Rows scored by both the checkpoint and dadm's runtime on the exported bytes. */
  selfCheck: { rows: number; maxAbsDiff: number; tolerance: number };
}

/** Rows of the self-check, and its tolerance relative to max(1, |score|). */
const CHECK_ROWS = 16;
const CHECK_TOLERANCE = 1e-4;

/**
 * Exports a checkpoint to ONNX through its kind's `exportOnnx` (the scaler inside the graph, the
 * schema's active features). Metadata (`modelMetadata` keys) describes model type, schema, features,
 * threshold and scaler. Before writing, 16 seeded items are scored with the checkpoint and with
 * dadm's runtime on the encoded bytes.
 * @throws FormatError for a checkpoint that is not ours or is corrupted
 * @throws InvalidOptionError for an opset outside {@link EXPORT_OPSET_RANGE}
 * @throws UsageError when `output` names the checkpoint file
 * @throws DadmError when the runtime's scores differ from the checkpoint's by more than
 *   1e-4 x max(1, |score|) (nothing is written then)
 */
export function exportOnnx(opts: ExportOnnxOptions): ExportOnnxResult {
  // Checked before the checkpoint is read, so a bad option is reported as such whatever the file.
  if (opts.opset !== undefined) checkExportOpset(opts.opset, 'export-onnx');
  if (opts.output !== undefined) refuseSameFile('export-onnx', [{ option: 'output', path: opts.output }], [{ option: 'checkpoint', path: opts.checkpoint }]);
  const detector = checkpointDetector(readCheckpoint(opts.checkpoint, readCheckpointFile(opts.checkpoint, '--checkpoint', opts.limits), opts.limits));
  const { model, bytes, opset, dynamicBatch, selfCheck } = checkedOnnx(detector, opts, opts.output ?? 'exported model');
  if (opts.output !== undefined) writeFileAtomic(opts.output, bytes);
  const ops: Record<string, number> = {};
  for (const node of model.graph!.node ?? []) {
    const op = node.domain ? `${node.domain}:${node.opType}` : node.opType!;
    ops[op] = (ops[op] ?? 0) + 1;
  }
  return { modelType: detector.modelType, output: opts.output ?? null, bytes: bytes.length, encoded: bytes, opset, dynamicBatch, ops, selfCheck };
}

/** What {@link checkedOnnx} built: the model, its encoded bytes, the options used and the self-check. */
export interface CheckedOnnx {
  model: onnx.ModelProto;
  bytes: Uint8Array;
  opset: number;
  dynamicBatch: boolean;
  selfCheck: ExportOnnxResult['selfCheck'];
}

/**
 * The encoded ONNX model of a loaded checkpoint (options default to its config's `onnx` section),
 * after 16 seeded items scored by the checkpoint and by dadm's runtime on the bytes agreed.
 * @param label names the output in messages
 * @throws as {@link exportOnnx}
 */
export function checkedOnnx(detector: CheckpointDetector, opts: Pick<ExportOnnxOptions, 'opset' | 'dynamicBatch' | 'foldScaler' | 'limits'>, label: string): CheckedOnnx {
  if (opts.opset !== undefined) checkExportOpset(opts.opset, 'export-onnx');
  const opset = opts.opset ?? detector.config.onnx.opset;
  const dynamicBatch = opts.dynamicBatch ?? detector.config.onnx.dynamicBatch;
  const model = checkpointToOnnx(detector, { opset, dynamicBatch, foldScaler: opts.foldScaler ?? false });
  const bytes = encodeModel(model);
  return { model, bytes, opset, dynamicBatch, selfCheck: selfCheckScores(detector, { output: label, bytes, limits: opts.limits }) };
}

/** The ONNX model of a loaded checkpoint. @throws as {@link exportOnnx} */
export function checkpointToOnnx(d: CheckpointDetector, options: { opset: number; dynamicBatch: boolean; foldScaler: boolean }): onnx.ModelProto {
  const { schema, standardizer } = d;
  const metadata = modelMetadata({
    modelType: modelKind(d.modelType).onnxName,
    dadmVersion: packageVersion(),
    schemaName: schema.name,
    schemaVersion: schema.version,
    schemaHash: schema.hash,
    featureNames: schema.featureNames,
    activeFeatures: schema.activeFeatures < schema.dim ? Array.from({ length: schema.activeFeatures }, (_, j) => j) : null,
    threshold: d.threshold,
    thresholdMethod: d.thresholdMethod,
    thresholdFpr: d.thresholdFpr,
    scaler: standardizer === null ? 'none' : 'standard (inside the graph: feed raw rows)',
  });
  return d.model.exportOnnx({ ...options, standardizer, schema, metadata });
}

/**
 * Scores seeded items (N(0, 1) in model-input units, mapped back through the scaler, zero padding)
 * with the checkpoint and with dadm's runtime on `bytes`.
 * @throws DadmError when they differ by more than the tolerance
 */
function selfCheckScores(engine: CheckpointDetector, onnx: { output: string; bytes: Uint8Array; limits: Partial<Limits> | undefined }): ExportOnnxResult['selfCheck'] {
  const { dim, activeFeatures } = engine.schema;
  const s = engine.standardizer;
  const rows = new Random(0).normalFill(new Float32Array(CHECK_ROWS * itemSize(engine.input)));
  for (let k = 0; k < rows.length; k++) {
    const j = k % dim;
    rows[k] = j >= activeFeatures ? 0 : s === null ? rows[k]! : rows[k]! * s.scale[j]! + s.mean[j]!;
  }
  const want = engine.score(rows, CHECK_ROWS);
  const got = loadOnnxDetector(onnx.output, onnx.bytes, onnx.limits).score(rows, CHECK_ROWS);
  let maxAbsDiff = 0;
  for (let i = 0; i < CHECK_ROWS; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (!(diff <= CHECK_TOLERANCE * Math.max(1, Math.abs(want[i]!)))) {
      throw new DadmError(
        `export-onnx: dadm's runtime must reproduce the checkpoint's scores within ${CHECK_TOLERANCE} x max(1, |score|), got ${got[i]} vs ${want[i]} on self-check row ${i} (the exported model is wrong; please report)`,
      );
    }
  }
  return { rows: CHECK_ROWS, maxAbsDiff, tolerance: CHECK_TOLERANCE };
}

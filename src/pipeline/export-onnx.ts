/**
 * `dadm export-onnx`: a checkpoint (autoencoder or isolation forest) as a self-describing model.onnx
 * that scores raw rows exactly like the checkpoint, checked by scoring a few rows both ways before
 * the file is written. See docs/pipeline.md "## export-onnx" and docs/onnx.md "## Exporters".
 */
import { readFileSync, statSync } from 'node:fs';
import { DadmError, InvalidOptionError } from '../errors.js';
import type { ForestArrays } from '../iforest/index.js';
import { writeFileAtomic } from '../io/index.js';
import {
  EXPORT_OPSET_RANGE,
  encodeModel,
  exportAutoencoder,
  exportIsolationForest,
  modelMetadata,
  type AutoencoderActivation,
  type AutoencoderLayerSpec,
  type onnx,
} from '../onnx-writer/index.js';
import { decodeModel } from '../runtime/index.js';
import type { Standardizer } from '../schema/index.js';
import { Random } from '../tensor/index.js';
import { loadAutoencoder } from './autoencoder-model.js';
import { readCheckpoint, type ParsedCheckpoint } from './checkpoint.js';
import { loadForest } from './iforest-model.js';
import { loadCheckpoint } from './load-checkpoint.js';
import { loadOnnxDetector } from './onnx-scorer.js';
import { refuseSameFile } from './same-file.js';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** model.safetensors written by `train`. */
  checkpoint: string;
  /** Where to write the .onnx file (atomically). */
  output: string;
  /** Default-domain opset in [13, 21]; default the checkpoint config's `onnx.opset`. */
  opset?: number;
  /** Symbolic batch dimension; default the checkpoint config's `onnx.dynamicBatch`. */
  dynamicBatch?: boolean;
  /**
   * Autoencoder only: fold the scaler into the first layer. Default false: folding saves no work
   * (the standardized input is still computed for the error) and hurts int8 quantization, since the
   * first MatMul would then read raw features.
   */
  foldScaler?: boolean;
}

/** What {@link exportOnnx} wrote. */
export interface ExportOnnxResult {
  modelType: 'autoencoder' | 'iforest';
  output: string;
  /** File size in bytes. */
  bytes: number;
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
 * Exports a checkpoint to ONNX: an autoencoder through `exportAutoencoder` (PyTorch-layout layers,
 * scaler, active features of the schema), a forest through `exportIsolationForest` (a scaler is
 * folded into its thresholds exactly, see {@link rawThresholdFor}). Metadata (`modelMetadata` keys
 * plus `dadm.threshold_method`, `dadm.scaler`) describes model type, schema, features and threshold.
 * Before writing, 16 seeded rows are scored with the checkpoint and with dadm's runtime on the
 * encoded bytes.
 * @throws FormatError for a checkpoint that is not ours or is corrupted
 * @throws InvalidOptionError for an opset outside [13, 21]
 * @throws UsageError when `output` names the checkpoint file
 * @throws DadmError when the runtime's scores differ from the checkpoint's by more than
 *   1e-4 x max(1, |score|) (nothing is written then)
 */
export function exportOnnx(opts: ExportOnnxOptions): ExportOnnxResult {
  const [lo, hi] = EXPORT_OPSET_RANGE;
  if (opts.opset !== undefined && !(Number.isInteger(opts.opset) && opts.opset >= lo && opts.opset <= hi)) {
    // Checked before the checkpoint is read, so a bad option is reported as such whatever the file.
    throw new InvalidOptionError(`export-onnx: opset must be an integer in [${lo}, ${hi}], got ${opts.opset}`, 'opset');
  }
  refuseSameFile('export-onnx', [{ option: 'output', path: opts.output }], [{ option: 'checkpoint', path: opts.checkpoint }]);
  const c = readCheckpoint(opts.checkpoint);
  const opset = opts.opset ?? c.config.onnx.opset;
  const dynamicBatch = opts.dynamicBatch ?? c.config.onnx.dynamicBatch;
  const model = checkpointToOnnx(c, { opset, dynamicBatch, foldScaler: opts.foldScaler ?? false });
  const bytes = encodeModel(model);
  const selfCheck = selfCheckScores(opts.checkpoint, opts.output, bytes);
  writeFileAtomic(opts.output, bytes);
  const ops: Record<string, number> = {};
  for (const node of model.graph!.node ?? []) {
    const op = node.domain ? `${node.domain}:${node.opType}` : node.opType!;
    ops[op] = (ops[op] ?? 0) + 1;
  }
  return { modelType: c.modelType, output: opts.output, bytes: statSync(opts.output).size, opset, dynamicBatch, ops, selfCheck };
}

/** The ONNX model of a parsed checkpoint. @throws as {@link exportOnnx} */
export function checkpointToOnnx(c: ParsedCheckpoint, options: { opset: number; dynamicBatch: boolean; foldScaler: boolean }): onnx.ModelProto {
  const { schema, standardizer } = c;
  const active = schema.activeFeatures < schema.dim ? Array.from({ length: schema.activeFeatures }, (_, j) => j) : null;
  const metadata = modelMetadata({
    modelType: c.modelType === 'iforest' ? 'isolation_forest' : 'autoencoder',
    dadmVersion: dadmVersion(),
    schemaName: schema.name,
    schemaVersion: schema.version,
    schemaHash: schema.hash,
    featureNames: schema.featureNames,
    activeFeatures: active,
    threshold: c.threshold,
    extra: { 'dadm.threshold_method': c.thresholdMethod, 'dadm.scaler': standardizer === null ? 'none' : 'standard (inside the graph: feed raw rows)' },
  });
  const { opset, dynamicBatch } = options;
  if (c.modelType === 'iforest') {
    const { arrays, meta } = loadForest(c.path, c.contents).toArrays();
    const folded = standardizer === null ? arrays : foldForestScaler(arrays, meta.maxFeatures, standardizer);
    return exportIsolationForest({ arrays: folded, meta }, { opset, dynamicBatch, metadata });
  }
  const { model, arch } = loadAutoencoder(c.path, c.contents);
  const layers: AutoencoderLayerSpec[] = [];
  const state = model.stateDict();
  for (const part of ['encoder', 'decoder']) {
    for (let i = 0; state.has(`${part}.${i}.weight`); i += 2) {
      layers.push({ weight: state.get(`${part}.${i}.weight`)!.data, bias: state.get(`${part}.${i}.bias`)!.data });
    }
  }
  return exportAutoencoder(
    {
      layers,
      activation: arch.activation as AutoencoderActivation,
      inputDim: arch.input_dim,
      activeFeatures: active,
      ...(standardizer !== null ? { scaler: { mean: standardizer.mean, std: standardizer.scale } } : {}),
      metadata,
    },
    { opset, dynamicBatch, foldScaler: options.foldScaler },
  );
}

/**
 * A forest fitted on standardized rows, rewritten to read raw rows with the same decisions: the
 * engine tests `fround((x - mean) / scale) <= t`, which is monotone in the float32 x, so it holds
 * exactly for x up to some float32 x*; x* becomes the node's threshold.
 */
function foldForestScaler(a: ForestArrays, maxFeatures: number, s: Standardizer): ForestArrays {
  const threshold = a.threshold.slice();
  const nTrees = a.nodeOffsets.length - 1;
  for (let t = 0; t < nTrees; t++) {
    for (let node = a.nodeOffsets[t]!; node < a.nodeOffsets[t + 1]!; node++) {
      if (a.childrenLeft[node] === -1) continue;
      const col = a.features[t * maxFeatures + a.feature[node]!]!;
      threshold[node] = rawThresholdFor(a.threshold[node]!, s.mean[col]!, s.scale[col]!);
    }
  }
  return { ...a, threshold };
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
/** Largest finite float32 as an ordered key (bit pattern 0x7f7fffff). */
const MAX_KEY = 0x7f7fffff;

/** The float32 with ordered key k: keys run monotonically with the values, 0 = +-0. */
function fromKey(k: number): number {
  I32[0] = k >= 0 ? k : -k | 0x80000000;
  return F32[0]!;
}

/**
 * The largest float32 x with `fround((x - mean) / scale) <= t` (scale > 0), by bisection over the
 * ordered float32 bit patterns; +Infinity when every finite x passes, -Infinity when none does.
 */
export function rawThresholdFor(t: number, mean: number, scale: number): number {
  const passes = (k: number): boolean => Math.fround((fromKey(k) - mean) / scale) <= t;
  if (passes(MAX_KEY)) return Infinity;
  if (!passes(-MAX_KEY)) return -Infinity;
  let lo = -MAX_KEY; // passes
  let hi = MAX_KEY; // fails
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return fromKey(lo);
}

/**
 * Scores seeded rows (N(0, 1) in model-input units, mapped back through the scaler, zero padding)
 * with the checkpoint and with dadm's runtime on `bytes`.
 * @throws DadmError when they differ by more than the tolerance
 */
function selfCheckScores(checkpoint: string, output: string, bytes: Uint8Array): ExportOnnxResult['selfCheck'] {
  const engine = loadCheckpoint(checkpoint);
  const { dim, activeFeatures } = engine.schema;
  const rows = new Random(0).normalFill(new Float32Array(CHECK_ROWS * dim));
  for (let i = 0; i < CHECK_ROWS; i++) {
    for (let j = 0; j < dim; j++) {
      const k = i * dim + j;
      const s = engine.standardizer;
      rows[k] = j >= activeFeatures ? 0 : s === null ? rows[k]! : rows[k]! * s.scale[j]! + s.mean[j]!;
    }
  }
  const want = engine.score(rows, CHECK_ROWS);
  const got = loadOnnxDetector(output, decodeModel(bytes)).score(rows, CHECK_ROWS);
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

/** The package version (package.json two levels up from src/pipeline/ and dist/pipeline/). */
function dadmVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

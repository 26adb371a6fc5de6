/**
 * `dadm quantize`: int8 dynamic quantization of a model.onnx file (src/quant's `quantizeDynamic`),
 * and, with check data, how far the quantized model's scores are from the float model's on it.
 * See docs/pipeline.md "## quantize" and docs/quantization.md.
 */
import { InvalidOptionError } from '../errors.js';
import type { Limits } from '../limits.js';
import { writeFileAtomic } from '../io/index.js';
import { decodeModelFile, loadOnnxDetector } from '../models/index.js';
import { readOnnxFile } from '../runtime/index.js';
import { METADATA_KEYS, encodeModel, type onnx } from '../onnx/index.js';
import { DADM_SELECTION, compareScores, quantizeDynamic, type QuantizeReport, type WeightType } from '../quant/index.js';
import { rocAuc, spearman } from '../stats/index.js';
import { refuseSameFile } from './same-file.js';
import { readLabels, scoreDataFile } from './score.js';

/** Options of {@link quantizeModel} (the `quantizeDynamic` options, plus files). */
export interface QuantizeModelOptions {
  /** The float model.onnx. */
  model: string;
  /**
   * Where to write the quantized model (atomically); must not be `model`. Without it nothing is
   * written and the bytes are only returned (`encoded`).
   */
  output?: string;
  /** One scale per output column. Default false. */
  perChannel?: boolean;
  /** Default 'int8'. */
  weightType?: WeightType;
  /** 7-bit weight ranges. Default false. */
  reduceRange?: boolean;
  /** Node names left in float (e.g. `layers.3.MatMul`). */
  exclude?: readonly string[];
  /** Nodes whose weight has fewer elements stay in float. Default 1024; 0 quantizes small layers too. */
  minWeights?: number;
  /** Output layers (the reconstruction layer) stay in float. Default true. */
  keepOutputLayers?: boolean;
  /** Nodes whose rewrite would not shrink the file stay in float. Default true. */
  requireSmaller?: boolean;
  /** Data .npy `[rows, D]` scored by both models for the accuracy report. Optional. */
  checkData?: string;
  /** Labels .npy `[rows]` of 0/1 for the check data: adds ROC-AUC of both models. Optional. */
  labels?: string;
  /** Sequence models with 2-D check rows: host ids .npy `[rows]` (as `score --hosts`). */
  checkHosts?: string;
  /** Overrides of the default limits of the files read (src/limits.ts; the CLI passes config.yaml's `limits`). */
  limits?: Partial<Limits>;
}

/** Float vs quantized scores on the check data (higher score = more anomalous). */
export interface QuantizeCheck {
  rows: number;
  maxAbsDiff: number;
  /** `max |q - f| / |f|`. */
  maxRelDiff: number;
  /** Spearman rank correlation of the two score vectors (NaN when one is constant). */
  spearman: number;
  /** The model's `dadm.threshold`, null when it has none (then no flips are counted). */
  threshold: number | null;
  /** Fraction of rows whose `score > threshold` decision differs; null without threshold. */
  flipFraction: number | null;
  /** With labels (both classes present): ROC-AUC of each model; else null. */
  floatRocAuc: number | null;
  quantRocAuc: number | null;
}

/** What {@link quantizeModel} did. */
export interface QuantizeModelResult {
  model: string;
  /** The file written, or null when no `output` was given. */
  output: string | null;
  /** The encoded quantized model (what was written). */
  encoded: Uint8Array;
  /**
   * The quantizer's report: rewritten and skipped nodes (with reasons) and a one-line message. Its
   * `sizeBefore`/`sizeAfter` are the sizes of the input and output files (= `bytesBefore`/`bytesAfter`).
   */
  report: QuantizeReport;
  /** False when no node was quantized: the output is then the input model re-encoded, unchanged. */
  changed: boolean;
  /** Sizes in bytes of the input and output models. */
  bytesBefore: number;
  bytesAfter: number;
  check: QuantizeCheck | null;
}

/**
 * Reads `model`, quantizes it with `quantizeDynamic` under dadm's selection rules by default (weights
 * of >= 1024 elements, output layers in float, only nodes that shrink the file; docs/quantization.md),
 * records the options and rewritten nodes in the
 * metadata key `dadm.quantization` (when any node was rewritten), writes `output`, and with `checkData` compares both models' scores through
 * dadm's runtime (rows checked against the model's schema like `score`).
 * @throws UsageError when `output` is the input file (also through another path or a link)
 * @throws InvalidOptionError for an `exclude` entry that is not a node of the model, for bad quantizer options, or for an
 *   already quantized model
 * @throws FormatError for a file that is not an ONNX model; DataError for unusable check data or labels
 */
export function quantizeModel(opts: QuantizeModelOptions): QuantizeModelResult {
  if (opts.output !== undefined) refuseSameFile('quantize', [{ option: 'output', path: opts.output }], [{ option: 'model', path: opts.model }]);
  const bytesBefore = readOnnxFile(opts.model, '--model', opts.limits);
  const float = decodeModelFile(opts.model, bytesBefore, opts.limits);
  checkExclude(opts.model, float, opts.exclude ?? []);
  const selection = {
    minWeights: opts.minWeights ?? DADM_SELECTION.minWeights,
    keepOutputLayers: opts.keepOutputLayers ?? DADM_SELECTION.keepOutputLayers,
    requireSmaller: opts.requireSmaller ?? DADM_SELECTION.requireSmaller,
  };
  const { model: quantized, report: rewrite } = quantizeDynamic(float, {
    ...(opts.perChannel !== undefined ? { perChannel: opts.perChannel } : {}),
    ...(opts.weightType !== undefined ? { weightType: opts.weightType } : {}),
    ...(opts.reduceRange !== undefined ? { reduceRange: opts.reduceRange } : {}),
    ...(opts.exclude !== undefined ? { nodesToExclude: opts.exclude } : {}),
    ...selection,
  });
  const settings = { weightType: opts.weightType ?? 'int8', perChannel: opts.perChannel ?? false, reduceRange: opts.reduceRange ?? false, exclude: opts.exclude ?? [], ...selection };
  if (rewrite.quantized.length > 0) setMetadata(quantized, METADATA_KEYS.quantization, JSON.stringify({ ...settings, quantizedNodes: rewrite.quantized.map((q) => q.node) }));
  const bytes = encodeModel(quantized);
  // Check before writing, so that a model the runtime cannot load leaves no file behind.
  const check = opts.checkData === undefined ? null : checkScores(opts, float, bytes);
  if (opts.output !== undefined) writeFileAtomic(opts.output, bytes);
  const bytesAfter = bytes.length;
  // quantizeDynamic measured its own output, before the metadata above was added: report the files instead.
  const report = { ...rewrite, sizeBefore: bytesBefore.length, sizeAfter: bytesAfter };
  return { model: opts.model, output: opts.output ?? null, encoded: bytes, report, changed: report.quantized.length > 0, bytesBefore: bytesBefore.length, bytesAfter, check };
}

/**
 * @throws InvalidOptionError (option 'exclude') for a name that is not a node of the model, listing
 *   the quantizable nodes
 */
function checkExclude(path: string, model: onnx.ModelProto, exclude: readonly string[]): void {
  const nodes = model.graph?.node ?? [];
  const names = new Set(nodes.map((n) => n.name));
  for (const name of exclude) {
    if (names.has(name)) continue;
    const linear = nodes.filter((n) => n.opType === 'MatMul' || n.opType === 'Gemm').map((n) => n.name);
    const known = linear.length > 0 ? `; its MatMul/Gemm nodes: ${linear.join(', ')}` : '; it has no MatMul/Gemm node';
    throw new InvalidOptionError(`quantize: exclude entries must name nodes of ${path}, got '${name}'${known}`, 'exclude');
  }
}

function setMetadata(model: onnx.ModelProto, key: string, value: string): void {
  const props = (model.metadataProps ?? []).filter((p) => p.key !== key);
  props.push({ key, value });
  props.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
  model.metadataProps = props;
}

/** The options naming quantize's check files, for messages. */
const CHECK_OPTIONS = { data: '--check-data', hosts: '--check-hosts' };

/** Scores the check data with both models through dadm's runtime and compares them. */
function checkScores(opts: QuantizeModelOptions, float: onnx.ModelProto, quantBytes: Uint8Array): QuantizeCheck {
  const f = loadOnnxDetector(opts.model, float, opts.limits);
  const q = loadOnnxDetector(opts.output ?? 'quantized model', quantBytes, opts.limits);
  const floatScores = scoreDataFile(f, opts.checkData!, { hosts: opts.checkHosts, options: CHECK_OPTIONS, needsFile: 'quantize scores it with both models' }).scores;
  const quantScores = scoreDataFile({ ...f, kernel: q.kernel }, opts.checkData!, { hosts: opts.checkHosts, options: CHECK_OPTIONS, needsFile: 'quantize scores it with both models' }).scores;
  const threshold = f.threshold;
  const cmp = compareScores(floatScores, quantScores, threshold ?? 0);
  let floatRocAuc: number | null = null;
  let quantRocAuc: number | null = null;
  if (opts.labels !== undefined) {
    const labels = readLabels(opts.labels, floatScores.length, opts.limits);
    let positives = 0;
    for (let i = 0; i < labels.length; i++) positives += labels[i]!;
    if (positives > 0 && positives < labels.length) {
      floatRocAuc = rocAuc(floatScores, labels);
      quantRocAuc = rocAuc(quantScores, labels);
    }
  }
  return {
    rows: floatScores.length,
    maxAbsDiff: cmp.maxAbsDiff,
    maxRelDiff: cmp.maxRelDiff,
    spearman: floatScores.length >= 2 ? spearman(floatScores, quantScores) : NaN,
    threshold,
    flipFraction: threshold === null ? null : cmp.flipFraction,
    floatRocAuc,
    quantRocAuc,
  };
}


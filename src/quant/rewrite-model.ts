import { cloneModel, encodeModel, onnx, toNumber } from '../onnx/index.js';
import { FormatError, InvalidOptionError, UnsupportedOpError } from '../errors.js';
import { NameRegistry, subgraphs, usedTensorNames } from './name-registry.js';
import { handlerFor } from './op-handlers.js';
import { RewriteContext, type ResolvedQuantOptions } from './rewrite-context.js';
import { NodeSelector, fieldBytes } from './selection-rules.js';

/** One node the quantizer rewrote. `node` is the node's name, or its first output when unnamed. */
export interface QuantizedNodeReport {
  node: string;
  opType: string;
  /** The original weight initializer. */
  weight: string;
  perChannel: boolean;
  /**
   * Encoded bytes the rewrite saves: the float node and weight (a shared weight split evenly among its
   * readers) minus the new nodes and initializers (a shared activation quantizer counted at its first reader).
   */
  bytesSaved: number;
}

/** One node of a selected op type that stayed in float, and why. */
export interface SkippedNodeReport {
  node: string;
  opType: string;
  reason: string;
}

/** What {@link quantizeDynamic} did. */
export interface QuantizeReport {
  quantized: QuantizedNodeReport[];
  skipped: SkippedNodeReport[];
  /** Initializers no node reads any more (the float weights), removed from the output. */
  removedInitializers: string[];
  /**
   * Encoded sizes in bytes of the model passed in and of the returned model. A caller that changes the
   * model afterwards (`dadm quantize` adds metadata) must measure again: `quantizeModel` reports its files.
   */
  sizeBefore: number;
  sizeAfter: number;
  /** One-line summary, e.g. "quantized 4 of 4 MatMul/Gemm nodes". */
  message: string;
}

/** Ops whose presence means the model is already (partly) quantized. */
const QUANTIZED_OPS = new Set([
  'DynamicQuantizeLinear', 'MatMulInteger', 'ConvInteger', 'QuantizeLinear', 'DequantizeLinear',
  'DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'DynamicQuantizeLSTM',
]);

/** Default-domain opset that introduced DynamicQuantizeLinear. */
const MIN_OPSET = 11;

/** The result of one rewrite pass; `quantizedIndices[i]` is the graph index of `report.quantized[i]`. */
export interface RewriteResult {
  model: onnx.ModelProto;
  report: QuantizeReport;
  quantizedIndices: number[];
}

/**
 * Rewrites a deep copy of `model`: every selected node that the selection rules (and `sizeSkips`, node
 * index -> reason) do not keep in float goes through its handler, skipped nodes stay as they were, new
 * initializers are appended, and the inputs of rewritten nodes that nothing reads any more are removed.
 */
export function rewriteModel(
  model: onnx.ModelProto,
  options: ResolvedQuantOptions,
  sizeSkips: ReadonlyMap<number, string> = new Map(),
): RewriteResult {
  const sizeBefore = encodeModel(model).length;
  const out = cloneModel(model);
  const graph = out.graph;
  if (graph === undefined || graph === null) throw new FormatError('quantizeDynamic: model.graph must be present, got none');
  rejectQuantized(graph);
  checkExcludedNames(graph, options.nodesToExclude);

  const ctx = new RewriteContext(graph, new NameRegistry(graph), options);
  const selector = new NodeSelector(graph, options.selection, sizeSkips);
  const weightBytes = floatWeightBytes(graph);
  const nodes: onnx.NodeProto[] = [];
  const quantized: QuantizedNodeReport[] = [];
  const quantizedIndices: number[] = [];
  const skipped: SkippedNodeReport[] = [];
  const candidates = new Set<string>();
  (graph.node ?? []).forEach((node, index) => {
    const opType = node.opType ?? '';
    const label = node.name || node.output?.[0] || '';
    const selected = options.opTypesToQuantize.has(opType);
    const reason = !selected ? null : options.nodesToExclude.has(node.name ?? '') ? 'excluded by nodesToExclude' : selector.skipReason(index, node);
    if (reason !== null) {
      skipped.push({ node: label, opType, reason });
      nodes.push(node);
      return;
    }
    const initializersBefore = ctx.newInitializers.length;
    const outcome = handlerFor(opType, options.opTypesToQuantize)(node, ctx);
    if (outcome.kind === 'rewritten') {
      let added = 0;
      for (const n of outcome.nodes) added += fieldBytes(onnx.encodeMessage(onnx.NODE_PROTO, n).length);
      for (const t of ctx.newInitializers.slice(initializersBefore)) added += fieldBytes(onnx.encodeMessage(onnx.TENSOR_PROTO, t).length);
      const saved = fieldBytes(onnx.encodeMessage(onnx.NODE_PROTO, node).length) + (weightBytes.get(outcome.weight) ?? 0);
      nodes.push(...outcome.nodes);
      quantized.push({ node: label, opType, weight: outcome.weight, perChannel: options.perChannel, bytesSaved: Math.round(saved - added) });
      quantizedIndices.push(index);
      for (const name of node.input ?? []) candidates.add(name);
    } else {
      if (outcome.kind === 'skipped') skipped.push({ node: label, opType, reason: outcome.reason });
      nodes.push(node);
    }
  });
  if (quantized.length > 0) checkOpset(out);
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []), ...ctx.newInitializers];
  const removedInitializers = removeUnused(graph, candidates);
  const selected = [...options.opTypesToQuantize].join('/');
  const message =
    quantized.length === 0
      ? skipped.length === 0
        ? `no node was quantized: no ${selected} node has a constant rank-2 float32 weight`
        : `no node was quantized (${skipped.length} skipped, see report.skipped)`
      : `quantized ${quantized.length} of ${quantized.length + skipped.length} ${selected} nodes`;
  const report = { quantized, skipped, removedInitializers, sizeBefore, sizeAfter: encodeModel(out).length, message };
  return { model: out, report, quantizedIndices };
}

/** Encoded bytes of each float initializer, divided by the number of main-graph nodes that read it. */
function floatWeightBytes(graph: onnx.GraphProto): Map<string, number> {
  const readers = new Map<string, number>();
  for (const node of graph.node ?? []) for (const name of node.input ?? []) readers.set(name, (readers.get(name) ?? 0) + 1);
  const bytes = new Map<string, number>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    bytes.set(name, fieldBytes(onnx.encodeMessage(onnx.TENSOR_PROTO, t).length) / Math.max(1, readers.get(name) ?? 1));
  }
  return bytes;
}

function rejectQuantized(graph: onnx.GraphProto): void {
  for (const node of graph.node ?? []) {
    const opType = node.opType ?? '';
    if (QUANTIZED_OPS.has(opType) || opType.startsWith('QLinear')) {
      throw new InvalidOptionError(
        `quantizeDynamic: model must not be quantized already, got ${opType} node '${node.name || node.output?.[0] || ''}'`,
        'model',
      );
    }
    for (const sub of subgraphs(node)) rejectQuantized(sub);
  }
}

function checkExcludedNames(graph: onnx.GraphProto, excluded: ReadonlySet<string>): void {
  const names = new Set((graph.node ?? []).map((n) => n.name ?? ''));
  for (const name of excluded) {
    if (!names.has(name)) {
      throw new InvalidOptionError(`quantizeDynamic: nodesToExclude entries must name nodes of the graph, got '${name}'`, 'nodesToExclude');
    }
  }
}

/** Refuses to bump the opset: a newer opset can change other ops' semantics (e.g. Clip's min/max at 11). */
function checkOpset(model: onnx.ModelProto): void {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new FormatError('quantizeDynamic: model.opsetImport must include the default ONNX domain, got none');
  const version = toNumber(entry.version, 'quantizeDynamic: opset_import');
  if (version < MIN_OPSET) {
    throw new UnsupportedOpError(
      `quantizeDynamic: default-domain opset must be >= ${MIN_OPSET} for DynamicQuantizeLinear, got ${version}`,
      'DynamicQuantizeLinear',
    );
  }
}

/** Drops the candidate initializers (and their value_info) that no node or graph output reads. */
function removeUnused(graph: onnx.GraphProto, candidates: ReadonlySet<string>): string[] {
  const used = usedTensorNames(graph);
  const removed = new Set<string>();
  graph.initializer = (graph.initializer ?? []).filter((t) => {
    const name = t.name ?? '';
    const drop = candidates.has(name) && !used.has(name);
    if (drop) removed.add(name);
    return !drop;
  });
  if (removed.size > 0 && graph.valueInfo) graph.valueInfo = graph.valueInfo.filter((v) => !removed.has(v.name ?? ''));
  return [...removed];
}

import { toNumber, type onnx } from '../onnx/index.js';

/**
 * Which eligible nodes {@link quantizeDynamic} rewrites. onnxruntime's `quantize_dynamic` rewrites every
 * eligible node ({@link ONNXRUNTIME_SELECTION}); {@link DADM_SELECTION} keeps the nodes in float where int8
 * buys little size and costs the most accuracy. See docs/quantization.md "## Which nodes".
 */
export interface SelectionRules {
  /**
   * Nodes whose weight has fewer elements stay in float. The saving of such a node is a few hundred bytes
   * at most, but its rounding noise is as large as a big layer's. 1024 is TFLite's
   * `weights_min_num_elements` for dynamic-range quantization.
   */
  readonly minWeights: number;
  /**
   * Output layers stay in float: nodes from which no MatMul/Gemm can be reached, so nothing downstream
   * averages their rounding error away. In a reconstruction autoencoder this is the layer whose output
   * is subtracted from the input to form the anomaly score.
   */
  readonly keepOutputLayers: boolean;
  /** A node whose rewrite would not make the encoded model smaller stays in float. */
  readonly requireSmaller: boolean;
}

/** onnxruntime `quantize_dynamic`: every eligible node is rewritten. */
export const ONNXRUNTIME_SELECTION: SelectionRules = Object.freeze({ minWeights: 0, keepOutputLayers: false, requireSmaller: false });

/** `dadm quantize`'s default: big hidden layers only, and only when that shrinks the model. */
export const DADM_SELECTION: SelectionRules = Object.freeze({ minWeights: 1024, keepOutputLayers: true, requireSmaller: true });

/** Op types whose presence downstream makes a node a hidden (not an output) layer. */
const LINEAR_OPS = new Set(['MatMul', 'Gemm', 'Conv', 'ConvTranspose']);

/** Decides, per node of the main graph (by index), whether the selection rules keep it in float. */
export class NodeSelector {
  private readonly weightCounts = new Map<string, number>();
  private readonly outputLayers: ReadonlySet<number>;

  /**
   * @param sizeSkips node index -> reason, for nodes an earlier pass found not to shrink the model.
   */
  constructor(
    graph: onnx.GraphProto,
    private readonly rules: SelectionRules,
    private readonly sizeSkips: ReadonlyMap<number, string>,
  ) {
    for (const t of graph.initializer ?? []) {
      if (t.name) this.weightCounts.set(t.name, (t.dims ?? []).reduce((n: number, d) => n * toNumber(d, `quantizeDynamic: initializer '${t.name}'`), 1));
    }
    this.outputLayers = rules.keepOutputLayers ? outputLayerIndices(graph.node ?? []) : new Set();
  }

  /**
   * Why node `index` stays in float, or null. Rules about the weight apply only when input B is an
   * initializer; otherwise the op handler gives the precise reason.
   */
  skipReason(index: number, node: onnx.NodeProto): string | null {
    const sized = this.sizeSkips.get(index);
    if (sized !== undefined) return sized;
    const weight = node.input?.[1] ?? '';
    const count = this.weightCounts.get(weight);
    if (count === undefined) return null;
    if (count < this.rules.minWeights) {
      return `weight '${weight}' has ${count} elements, fewer than minWeights (${this.rules.minWeights})`;
    }
    if (this.outputLayers.has(index)) {
      return 'output layer: no MatMul/Gemm follows it, so its rounding error reaches the output undiluted (keepOutputLayers)';
    }
    return null;
  }
}

/**
 * Indices of the nodes from whose outputs no MatMul/Gemm/Conv node can be reached. One reverse pass:
 * ONNX graphs are topologically sorted, so every consumer comes after its producer. Reads by subgraphs
 * (If/Loop bodies) are not followed.
 */
export function outputLayerIndices(nodes: readonly onnx.NodeProto[]): Set<number> {
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, i) => {
    for (const name of node.input ?? []) {
      if (!name) continue;
      const list = consumers.get(name);
      if (list) list.push(i);
      else consumers.set(name, [i]);
    }
  });
  const reachesLinear = new Array<boolean>(nodes.length).fill(false);
  const out = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    for (const name of nodes[i]!.output ?? []) {
      for (const j of consumers.get(name) ?? []) {
        if (j > i && (LINEAR_OPS.has(nodes[j]!.opType ?? '') || reachesLinear[j]!)) reachesLinear[i] = true;
      }
    }
    if (!reachesLinear[i]) out.add(i);
  }
  return out;
}

/** Bytes a length-delimited message of `length` bytes takes inside its parent: tag, length varint, body. */
export function fieldBytes(length: number): number {
  let varint = 1;
  for (let v = length; v >= 0x80; v = Math.floor(v / 0x80)) varint++;
  return 1 + varint + length;
}

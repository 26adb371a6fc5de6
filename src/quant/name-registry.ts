import type { onnx } from '../onnx/index.js';
import { FormatError } from '../errors.js';

/**
 * Every tensor and node name of a graph (subgraphs included, since they may read outer-scope tensors),
 * so that each name the quantizer generates can be checked to be new.
 */
export class NameRegistry {
  private readonly tensors = new Set<string>();
  private readonly nodes = new Set<string>();

  constructor(graph: onnx.GraphProto) {
    this.collect(graph);
  }

  /**
   * Reserves a new tensor name.
   * @throws FormatError when the name already exists in the graph or was generated before.
   */
  claimTensor(name: string): string {
    if (this.tensors.has(name)) {
      throw new FormatError(`quantizeDynamic: generated tensor name '${name}' must not already exist in the graph, got an existing tensor with that name`);
    }
    this.tensors.add(name);
    return name;
  }

  /**
   * Reserves a new node name.
   * @throws FormatError when a node with that name already exists.
   */
  claimNode(name: string): string {
    if (this.nodes.has(name)) {
      throw new FormatError(`quantizeDynamic: generated node name '${name}' must not already exist in the graph, got an existing node with that name`);
    }
    this.nodes.add(name);
    return name;
  }

  private collect(graph: onnx.GraphProto): void {
    for (const list of [graph.input, graph.output, graph.valueInfo, graph.initializer]) {
      for (const item of list ?? []) if (item.name) this.tensors.add(item.name);
    }
    for (const node of graph.node ?? []) {
      if (node.name) this.nodes.add(node.name);
      for (const n of node.input ?? []) if (n) this.tensors.add(n);
      for (const n of node.output ?? []) if (n) this.tensors.add(n);
      for (const sub of subgraphs(node)) this.collect(sub);
    }
  }
}

/** The graphs held by a node's attributes (If branches, Loop/Scan bodies). */
export function subgraphs(node: onnx.NodeProto): onnx.GraphProto[] {
  const out: onnx.GraphProto[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/** Names read by any node of the graph or its subgraphs, plus the graph's outputs. */
export function usedTensorNames(graph: onnx.GraphProto, into = new Set<string>()): Set<string> {
  for (const node of graph.node ?? []) {
    for (const n of node.input ?? []) if (n) into.add(n);
    for (const sub of subgraphs(node)) usedTensorNames(sub, into);
  }
  for (const o of graph.output ?? []) if (o.name) into.add(o.name);
  return into;
}

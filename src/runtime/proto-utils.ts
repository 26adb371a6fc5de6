/**
 * The runtime's view of decoded protobuf messages (types from the ONNX toolkit) and node attributes
 * looked up by name, with the runtime's refusal messages.
 */
import { FormatError, UnsupportedOpError } from '../errors.js';
import { int64Value, onnx } from '../onnx/index.js';

export type ModelProto = onnx.ModelProto;
export type GraphProto = onnx.IGraphProto;
export type NodeProto = onnx.INodeProto;
export type TensorProto = onnx.ITensorProto;
export type AttributeProto = onnx.IAttributeProto;
export type DimensionProto = onnx.TensorShapeProto.Dimension;
export { onnx };

/** `Gemm "name"` for messages; falls back to the first output when the node has no name. */
export function nodeLabel(node: NodeProto): string {
  const name = node.name || (node.output?.[0] ?? '');
  return `${node.opType ?? '?'} "${name}"`;
}

/** Typed access to one node's attributes by name. */
export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(
    node: NodeProto,
    private readonly where: string,
  ) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? '', a);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? int64Value(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map((v) => int64Value(v)) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array(0)) : fallback;
  }

  strings(name: string): string[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.strings ?? []).map((s) => new TextDecoder().decode(s)) : undefined;
  }

  tensor(name: string): TensorProto | undefined {
    return this.byName.get(name)?.t ?? undefined;
  }

  /** Throws when the attribute is present with a value the runtime does not implement. */
  refuse(name: string, allowed: readonly (string | number)[], actual: string | number, opType: string): void {
    if (!allowed.includes(actual)) {
      throw new UnsupportedOpError(
        `${this.where}: attribute ${name} must be one of ${allowed.join(', ')}, got ${actual}`,
        opType,
      );
    }
  }

  /** Throws FormatError when a required attribute is absent. */
  required(name: string): AttributeProto {
    const a = this.byName.get(name);
    if (!a) throw new FormatError(`${this.where}: attribute ${name} must be present, got none`);
    return a;
  }
}

/**
 * Small readers for decoded protobuf fields: int64 values (protobufjs gives `Long` objects) and node
 * attributes looked up by name.
 */
import onnxProto from 'onnx-proto';
import { FormatError, UnsupportedOpError } from '../errors.js';

const { onnx } = onnxProto;
export type ModelProto = InstanceType<typeof onnx.ModelProto>;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type DimensionProto = onnxProto.onnx.TensorShapeProto.Dimension;
export { onnx };

/** protobufjs decodes int64 fields as `Long` objects (package `long`) when it cannot use numbers. */
interface LongLike {
  toNumber(): number;
}

/** Converts a protobuf int64 (number or Long) to a JS number (exact up to 2^53, rounded beyond). */
export function toNum(v: number | LongLike | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

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
    return a ? toNum(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map((v) => toNum(v)) : undefined;
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

/**
 * The runtime's view of decoded protobuf messages (types from the ONNX toolkit) and node attributes
 * looked up by name, with the runtime's refusal messages.
 */
import { FormatError, UnsupportedOpError } from '../errors.js';
import { onnx } from '../onnx/reader.js';
import { WASM_LOAD_MIN } from './load-gate.js';
import * as forest from './ops/forest.js';

export type ModelProto = onnx.ModelProto;
export type GraphProto = onnx.GraphProto;
export type NodeProto = onnx.NodeProto;
export type TensorProto = onnx.TensorProto;
export type AttributeProto = onnx.AttributeProto;

const utf8 = new TextDecoder();

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
    return a ? (a.i ?? 0) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  /** A small INTS attribute (axes, perm, …) as a number[] the caller may keep or change. */
  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? Array.from(a.ints ?? []) : undefined;
  }

  /** A small FLOATS attribute as a number[] the caller may keep or change. */
  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? Array.from(a.floats ?? []) : undefined;
  }

  /**
   * A bulk INTS attribute (a forest's node arrays) as the decoded typed array itself, not a copy: an
   * Int32Array when every value fits 32 bits, else a Float64Array (converted once if the model was
   * built in code with a number[]). Read only.
   */
  intArray(name: string): Float64Array | Int32Array | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    return a.ints instanceof Float64Array || a.ints instanceof Int32Array ? a.ints : Float64Array.from(a.ints ?? []);
  }

  /** A bulk FLOATS attribute as the decoded Float32Array itself (see {@link intArray}). Read only. */
  floatArray(name: string): Float32Array | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    return a.floats instanceof Float32Array ? a.floats : Float32Array.from(a.floats ?? []);
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? utf8.decode(a.s ?? new Uint8Array(0)) : fallback;
  }

  strings(name: string): string[] | undefined {
    const a = this.byName.get(name);
    return a ? Array.from(a.strings ?? [], (s) => utf8.decode(s)) : undefined;
  }

  /**
   * A STRINGS attribute whose values come from `names` (a forest's `nodes_modes`), as one byte per
   * element: its index in `names`, or {@link NO_CODE} for any other value. No string is made per
   * element when the model was decoded by the runtime (the list is a ByteList then).
   */
  codes(name: string, names: readonly string[]): Uint8Array | undefined {
    const list = this.byName.get(name)?.strings;
    if (list === undefined) return this.byName.has(name) ? new Uint8Array(0) : undefined;
    if (list instanceof onnx.ByteList) return (list.length >= WASM_LOAD_MIN ? forest.wasmCodes(list.source, list.pairs(), names) : null) ?? list.codes(names);
    return Uint8Array.from(list, (s) => {
      const k = names.indexOf(utf8.decode(s));
      return k < 0 ? onnx.NO_CODE : k;
    });
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

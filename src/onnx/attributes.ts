/**
 * Node attributes: the AttributeProto type is inferred from the JS value (as onnx.helper.make_attribute
 * does), with explicit `attr*` helpers where a JS value is ambiguous — most often a float that happens
 * to be whole (`alpha: 1` would be an INT; write `alpha: attrFloat(1)`), or an empty list.
 */
import { InvalidOptionError } from '../errors.js';
import { onnx } from './proto.js';

const AT = onnx.AttributeType;

/** An attribute value whose ONNX type was chosen explicitly by one of the `attr*` helpers. */
export class TypedAttribute {
  /** @param fields the AttributeProto fields except `name` (type and value) */
  constructor(readonly fields: Readonly<onnx.AttributeProto>) {}
}

/**
 * What a node attribute may be given as. Inference: boolean → INT (0/1); whole number or bigint →
 * INT; other number → FLOAT; string or Uint8Array → STRING; TensorProto → TENSOR; GraphProto → GRAPH;
 * arrays of those → INTS (all whole) / FLOATS / STRINGS / TENSORS / GRAPHS. `undefined` = omitted.
 */
export type AttributeValue =
  | TypedAttribute
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | onnx.TensorProto
  | onnx.GraphProto
  | readonly (number | bigint)[]
  | readonly string[]
  | readonly onnx.TensorProto[]
  | readonly onnx.GraphProto[];

/** A FLOAT attribute (stored as float32). */
export function attrFloat(value: number): TypedAttribute {
  return new TypedAttribute({ type: AT.FLOAT, f: value });
}

/** An INT attribute. @throws InvalidOptionError when `value` is not a safe integer. */
export function attrInt(value: number | bigint): TypedAttribute {
  return new TypedAttribute({ type: AT.INT, i: safeInt(value, 'attrInt') });
}

/** A STRING attribute (a JS string is stored as UTF-8). */
export function attrString(value: string | Uint8Array): TypedAttribute {
  return new TypedAttribute({ type: AT.STRING, s: utf8(value) });
}

/** A TENSOR attribute (e.g. the `value` of a Constant node). */
export function attrTensor(value: onnx.TensorProto): TypedAttribute {
  return new TypedAttribute({ type: AT.TENSOR, t: value });
}

/** A GRAPH attribute (a subgraph, e.g. a branch of If). */
export function attrGraph(value: onnx.GraphProto): TypedAttribute {
  return new TypedAttribute({ type: AT.GRAPH, g: value });
}

/** A FLOATS attribute (stored as float32). */
export function attrFloats(values: readonly number[]): TypedAttribute {
  return new TypedAttribute({ type: AT.FLOATS, floats: values.slice() });
}

/** An INTS attribute. @throws InvalidOptionError when an entry is not a safe integer. */
export function attrInts(values: readonly (number | bigint)[]): TypedAttribute {
  return new TypedAttribute({ type: AT.INTS, ints: values.map((v) => safeInt(v, 'attrInts')) });
}

/** A STRINGS attribute. */
export function attrStrings(values: readonly (string | Uint8Array)[]): TypedAttribute {
  return new TypedAttribute({ type: AT.STRINGS, strings: values.map(utf8) });
}

/** A TENSORS attribute. */
export function attrTensors(values: readonly onnx.TensorProto[]): TypedAttribute {
  return new TypedAttribute({ type: AT.TENSORS, tensors: values.slice() });
}

/** A GRAPHS attribute. */
export function attrGraphs(values: readonly onnx.GraphProto[]): TypedAttribute {
  return new TypedAttribute({ type: AT.GRAPHS, graphs: values.slice() });
}

/**
 * Builds one AttributeProto named `name`, inferring its type from `value` (see {@link AttributeValue}).
 * @throws InvalidOptionError when the type cannot be inferred (empty or mixed array, plain object).
 */
export function makeAttribute(name: string, value: AttributeValue): onnx.AttributeProto {
  const where = `makeAttribute '${name}'`;
  if (name === '') throw new InvalidOptionError(`makeAttribute: name must be non-empty, got ''`, 'name');
  return { name, ...inferFields(value, where) };
}

function inferFields(value: AttributeValue, where: string): onnx.AttributeProto {
  if (value instanceof TypedAttribute) return value.fields;
  if (typeof value === 'boolean') return { type: AT.INT, i: value ? 1 : 0 };
  if (typeof value === 'bigint') return { type: AT.INT, i: safeInt(value, where) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { type: AT.INT, i: safeInt(value, where) } : { type: AT.FLOAT, f: value };
  }
  if (typeof value === 'string' || value instanceof Uint8Array) return { type: AT.STRING, s: utf8(value) };
  if (isTensorProto(value)) return { type: AT.TENSOR, t: value };
  if (isGraphProto(value)) return { type: AT.GRAPH, g: value };
  if (Array.isArray(value)) return inferListFields(value as readonly unknown[], where);
  throw new InvalidOptionError(
    `${where}: value must be a number, bigint, boolean, string, TensorProto, GraphProto, a list of those, or an attr* helper result, got ${describe(value)}`,
    'attributes',
  );
}

function inferListFields(list: readonly unknown[], where: string): onnx.AttributeProto {
  if (list.length === 0) {
    throw new InvalidOptionError(
      `${where}: an empty list must be typed with attrInts/attrFloats/attrStrings/attrTensors/attrGraphs, got []`,
      'attributes',
    );
  }
  if (list.every((v) => typeof v === 'number' || typeof v === 'bigint')) {
    const nums = list as readonly (number | bigint)[];
    if (nums.every((v) => typeof v === 'bigint' || Number.isInteger(v))) {
      return { type: AT.INTS, ints: nums.map((v) => safeInt(v, where)) };
    }
    if (nums.every((v) => typeof v === 'number')) return { type: AT.FLOATS, floats: (nums as number[]).slice() };
  }
  if (list.every((v) => typeof v === 'string')) return { type: AT.STRINGS, strings: list.map((v) => utf8(v as string)) };
  if (list.every(isTensorProto)) return { type: AT.TENSORS, tensors: list.slice() };
  if (list.every(isGraphProto)) return { type: AT.GRAPHS, graphs: list.slice() };
  throw new InvalidOptionError(
    `${where}: list entries must all be numbers, all strings, all TensorProtos or all GraphProtos, got [${list.map(describe).join(', ')}]`,
    'attributes',
  );
}

/**
 * Messages are plain objects, so the kind is read off the fields the builders always set: a
 * TensorProto has its `dataType` (makeTensor, and the checker requires it), a GraphProto its `node`
 * list (makeGraph).
 */
function isTensorProto(v: unknown): v is onnx.TensorProto {
  return isMessage(v) && typeof (v as onnx.TensorProto).dataType === 'number';
}

function isGraphProto(v: unknown): v is onnx.GraphProto {
  return isMessage(v) && Array.isArray((v as onnx.GraphProto).node);
}

function isMessage(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof TypedAttribute);
}

function safeInt(value: number | bigint, where: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || (typeof value === 'bigint' && BigInt(n) !== value)) {
    throw new InvalidOptionError(
      `${where}: integer attribute values must be safe integers (|v| < 2^53), got ${String(value)}`,
      'attributes',
    );
  }
  return n;
}

function utf8(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value.slice();
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

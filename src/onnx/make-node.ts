/** `makeNode`: one NodeProto, attributes sorted by name as onnx.helper.make_node does. */
import { InvalidOptionError } from '../errors.js';
import { type AttributeValue, makeAttribute } from './attributes.js';
import { onnx } from './proto.js';

/** Options of {@link makeNode}; every field is set in the proto only when given. */
export interface MakeNodeOptions {
  name?: string;
  /** operator set domain: '' (default ONNX) or e.g. 'ai.onnx.ml' */
  domain?: string;
  docString?: string;
  /** attribute name -> value; `undefined` values are skipped (see AttributeValue for type inference) */
  attributes?: Readonly<Record<string, AttributeValue | undefined>>;
}

/**
 * Builds a NodeProto. Inputs may contain '' for an absent optional input. Attributes are written sorted
 * by name (code-unit order), so the bytes do not depend on object key order.
 * @throws InvalidOptionError when opType is empty or an attribute value's type cannot be inferred.
 */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  options: MakeNodeOptions = {},
): onnx.NodeProto {
  if (opType === '') throw new InvalidOptionError(`makeNode: opType must be non-empty, got ''`, 'opType');
  const props: onnx.NodeProto = { opType, input: inputs.slice(), output: outputs.slice() };
  if (options.name !== undefined) props.name = options.name;
  if (options.domain !== undefined) props.domain = options.domain;
  if (options.docString !== undefined) props.docString = options.docString;
  const attrs = options.attributes;
  if (attrs !== undefined) {
    const names = Object.keys(attrs).sort(compareCodeUnits);
    const list: onnx.AttributeProto[] = [];
    for (const name of names) {
      const value = attrs[name];
      if (value !== undefined) list.push(makeAttribute(name, value));
    }
    if (list.length > 0) props.attribute = list;
  }
  return props;
}

/** Plain code-unit string order (locale independent, so identical on every machine). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

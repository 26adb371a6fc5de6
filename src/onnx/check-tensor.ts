/** The TensorProto part of checkModel: data type, value fields, and data size against dims. */
import { FormatError, fmtShape } from '../errors.js';
import { type TensorValueField, dataTypeFacts, dataTypeLabel } from './data-types.js';
import { hasField, onnx, toNumber } from './proto.js';

/** Throws the FormatError every checkModel failure uses. */
function checkModelFail(message: string): never {
  throw new FormatError(`checkModel: ${message}`, 'checkModel');
}

const VALUE_FIELDS: readonly (readonly [TensorValueField | 'rawData', string])[] = [
  ['floatData', 'float_data'],
  ['int32Data', 'int32_data'],
  ['stringData', 'string_data'],
  ['int64Data', 'int64_data'],
  ['rawData', 'raw_data'],
  ['doubleData', 'double_data'],
  ['uint64Data', 'uint64_data'],
];

/**
 * Checks one tensor (an initializer or an attribute value) the way onnx.checker.check_tensor does, plus
 * the size check it leaves out: raw_data must be prod(dims) * element size bytes, and a typed field must
 * hold prod(dims) entries (2 per element for complex types).
 * The one tensor-data checker: checkModel runs it on what dadm writes, the runtime on what it reads.
 * @param label how messages name the tensor, e.g. `initializer 'fc.weight'`
 * @param fail throws the error (default: checkModel's `"checkModel: <message>"` FormatError)
 * @throws FormatError naming the tensor.
 */
export function checkTensor(tensor: onnx.TensorProto, label: string, fail: (message: string) => never = checkModelFail): void {
  const code = tensor.dataType ?? 0;
  if (code === onnx.DataType.UNDEFINED) fail(`${label} data_type must be set (not UNDEFINED), got ${code}`);
  const facts = dataTypeFacts(code);
  if (facts === undefined) fail(`${label} data_type must be a known TensorProto.DataType, got ${code}`);
  const dims = (tensor.dims ?? []).map((d) => toNumber(d, label));
  let count = 1;
  for (const d of dims) {
    if (d < 0) fail(`${label} dims must be non-negative, got ${fmtShape(dims)}`);
    count *= d;
  }
  if (tensor.dataLocation === onnx.DataLocation.EXTERNAL) {
    fail(`${label} data must be stored inside the model (external data is not supported), got data_location EXTERNAL`);
  }
  const present: string[] = [];
  let presentKey: TensorValueField | 'rawData' | undefined;
  for (const [key, protoName] of VALUE_FIELDS) {
    const v = tensor[key];
    if (v !== null && v !== undefined && v.length > 0) {
      present.push(protoName);
      presentKey = key;
    }
  }
  if (count === 0) {
    if (present.length > 0) fail(`${label} has 0 elements (dims ${fmtShape(dims)}) and must hold no data, got ${present.join(', ')}`);
    return;
  }
  if (present.length !== 1 || presentKey === undefined) {
    fail(`${label} must hold its values in exactly one value field, got ${present.length === 0 ? 'none' : present.join(', ')}`);
  }
  const type = dataTypeLabel(code);
  if (presentKey === 'rawData') {
    if (facts.size === 0) fail(`${label} ${type} data must not be stored in raw_data, got ${tensor.rawData!.length} bytes`);
    const want = count * facts.size;
    const got = tensor.rawData!.length;
    if (got !== want) fail(`${label} raw_data must hold prod(dims ${fmtShape(dims)}) * ${facts.size} = ${want} bytes for ${type}, got ${got}`);
    return;
  }
  if (presentKey !== facts.field) fail(`${label} ${type} values must be stored in ${snake(facts.field)} or raw_data, got ${present[0]}`);
  const want = count * facts.perElement;
  const got = tensor[presentKey]!.length;
  if (got !== want) fail(`${label} ${present[0]} must hold prod(dims ${fmtShape(dims)})${facts.perElement > 1 ? ' * 2' : ''} = ${want} values, got ${got}`);
}

function snake(field: TensorValueField): string {
  return VALUE_FIELDS.find(([key]) => key === field)?.[1] ?? field;
}

/** True when the message has a non-empty repeated field or a set singular field `key`. */
export function hasValue(message: object, key: string): boolean {
  const v = (message as Record<string, unknown>)[key];
  if (Array.isArray(v) || v instanceof onnx.ByteList) return v.length > 0;
  return hasField(message, key);
}

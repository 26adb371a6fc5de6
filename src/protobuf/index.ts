/**
 * dadm's own protobuf codec for the ONNX messages: one schema table per message drives encoding and
 * decoding (see codec.ts and onnx-schema.ts). Depends only on src/errors.ts.
 */
import { decodeMessage, encodeMessage, type CodecOptions } from './codec.js';
import { MODEL_PROTO, type ModelProto } from './onnx-schema.js';

export { decodeMessage, encodeMessage, type BulkReader, type CodecOptions, type MessageSpec, type Field, type NumberArray } from './codec.js';
export * from './onnx-schema.js';
export { ByteList, NO_CODE } from './byte-list.js';

/**
 * Serializes an ONNX model. Deterministic: fields in field-number order, repeated numbers packed, so
 * equal models give equal bytes (the bytes the onnx-proto package wrote for them).
 * @throws FormatError when a field holds a value of the wrong type (e.g. an int64 that is not a safe integer)
 */
export function encodeModel(model: ModelProto, options: CodecOptions = {}): Uint8Array {
  return encodeMessage(MODEL_PROTO, model, options);
}

/**
 * Parses ONNX bytes into a {@link ModelProto} of plain objects; only the fields present in the bytes
 * are set. `rawData` and other byte fields are views into `bytes`.
 * @throws FormatError for malformed protobuf (see {@link decodeMessage})
 */
export function decodeModel(bytes: Uint8Array, options: CodecOptions = {}): ModelProto {
  return decodeMessage(MODEL_PROTO, bytes, options);
}

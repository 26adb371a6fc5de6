/**
 * The host's byte order. Files dadm reads and writes (ONNX raw_data and packed protobuf fields, .npy,
 * safetensors) are little-endian; where the host is too, a run of numbers is copied byte for byte
 * instead of read one value at a time.
 */

/** True on every platform Node runs on today; kept explicit so the fast copy paths state their assumption. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The WebAssembly instructions dadm's kernels use, by their text-format name, with their binary
 * encoding (https://webassembly.github.io/spec/core/binary/instructions.html; SIMD opcodes are
 * 0xfd + LEB128, https://github.com/WebAssembly/simd/blob/main/proposals/simd/BinarySIMD.md).
 * A kernel body names each instruction as the text format does (`'f32x4.add'`), so a typo fails
 * `tsc` and the listing of `dadm kernels --dump` prints the same names.
 */

/** Value types of parameters, locals and results. */
export const VALUE_TYPES = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValueType = keyof typeof VALUE_TYPES;

/**
 * Instructions without immediates: name -> bytes. A function, called once by {@link plainOpcode}: a
 * process that emits no WebAssembly (an edge agent's neural model before its 64th score) never
 * builds the table (docs/edge.md, "What start-up pays for").
 */
const plainTable = () => ({
  'unreachable': [0x00], 'nop': [0x01], 'return': [0x0f], 'drop': [0x1a], 'select': [0x1b],
  'i32.eqz': [0x45], 'i32.eq': [0x46], 'i32.ne': [0x47], 'i32.lt_s': [0x48], 'i32.lt_u': [0x49],
  'i32.gt_s': [0x4a], 'i32.gt_u': [0x4b], 'i32.le_s': [0x4c], 'i32.le_u': [0x4d], 'i32.ge_s': [0x4e], 'i32.ge_u': [0x4f],
  'f32.eq': [0x5b], 'f32.lt': [0x5d], 'f32.gt': [0x5e], 'f32.le': [0x5f], 'f32.ge': [0x60],
  'f64.lt': [0x63], 'f64.gt': [0x64], 'f64.le': [0x65], 'f64.ge': [0x66],
  'i32.ctz': [0x68], 'i32.add': [0x6a], 'i32.sub': [0x6b], 'i32.mul': [0x6c], 'i32.div_s': [0x6d], 'i32.div_u': [0x6e],
  'i32.rem_u': [0x70], 'i32.and': [0x71], 'i32.or': [0x72], 'i32.xor': [0x73], 'i32.shl': [0x74],
  'i32.shr_s': [0x75], 'i32.shr_u': [0x76],
  'f32.abs': [0x8b], 'f32.neg': [0x8c], 'f32.sqrt': [0x91], 'f32.add': [0x92], 'f32.sub': [0x93], 'f32.mul': [0x94],
  'f32.div': [0x95], 'f32.min': [0x96], 'f32.max': [0x97],
  'f64.abs': [0x99], 'f64.neg': [0x9a], 'f64.sqrt': [0x9f], 'f64.add': [0xa0], 'f64.sub': [0xa1], 'f64.mul': [0xa2],
  'f64.div': [0xa3], 'f64.max': [0xa5],
  'i32.trunc_f32_s': [0xa8], 'f32.convert_i32_s': [0xb2], 'f32.demote_f64': [0xb6], 'f64.convert_i32_s': [0xb7],
  'f64.promote_f32': [0xbb], 'i32.reinterpret_f32': [0xbc], 'f32.reinterpret_i32': [0xbe],
  'i8x16.splat': [0xfd, 0x0f], 'i16x8.splat': [0xfd, 0x10], 'i32x4.splat': [0xfd, 0x11], 'f32x4.splat': [0xfd, 0x13],
  'f32x4.eq': [0xfd, 0x41], 'f32x4.lt': [0xfd, 0x43], 'f32x4.gt': [0xfd, 0x44], 'f32x4.le': [0xfd, 0x45], 'f32x4.ge': [0xfd, 0x46],
  'v128.not': [0xfd, 0x4d], 'v128.and': [0xfd, 0x4e], 'v128.andnot': [0xfd, 0x4f], 'v128.or': [0xfd, 0x50],
  'v128.xor': [0xfd, 0x51], 'v128.bitselect': [0xfd, 0x52],
  'f32x4.demote_f64x2_zero': [0xfd, 0x5e], 'f64x2.promote_low_f32x4': [0xfd, 0x5f],
  'i16x8.extend_low_i8x16_s': [0xfd, 0x87, 0x01], 'i16x8.extend_high_i8x16_s': [0xfd, 0x88, 0x01],
  'i16x8.extend_low_i8x16_u': [0xfd, 0x89, 0x01], 'i16x8.extend_high_i8x16_u': [0xfd, 0x8a, 0x01],
  'i16x8.sub': [0xfd, 0x91, 0x01],
  'i32x4.shl': [0xfd, 0xab, 0x01], 'i32x4.add': [0xfd, 0xae, 0x01], 'i32x4.sub': [0xfd, 0xb1, 0x01], 'i32x4.mul': [0xfd, 0xb5, 0x01],
  'i32x4.dot_i16x8_s': [0xfd, 0xba, 0x01],
  'f32x4.nearest': [0xfd, 0x6a], 'f32x4.abs': [0xfd, 0xe0, 0x01], 'f32x4.neg': [0xfd, 0xe1, 0x01], 'f32x4.sqrt': [0xfd, 0xe3, 0x01],
  'f32x4.add': [0xfd, 0xe4, 0x01], 'f32x4.sub': [0xfd, 0xe5, 0x01], 'f32x4.mul': [0xfd, 0xe6, 0x01],
  'f32x4.div': [0xfd, 0xe7, 0x01], 'f32x4.min': [0xfd, 0xe8, 0x01], 'f32x4.max': [0xfd, 0xe9, 0x01],
  'f32x4.pmin': [0xfd, 0xea, 0x01], 'f32x4.pmax': [0xfd, 0xeb, 0x01],
  'f64x2.add': [0xfd, 0xf0, 0x01], 'f64x2.sub': [0xfd, 0xf1, 0x01], 'f64x2.mul': [0xfd, 0xf2, 0x01],
  'i32x4.trunc_sat_f32x4_s': [0xfd, 0xf8, 0x01], 'f32x4.convert_i32x4_s': [0xfd, 0xfa, 0x01],
}) as const;
export type PlainOp = keyof ReturnType<typeof plainTable>;
let plain: ReturnType<typeof plainTable> | undefined;

/** The bytes of an instruction without immediates. */
export function plainOpcode(name: PlainOp): readonly number[] {
  return (plain ??= plainTable())[name];
}

/** Loads and stores: name -> [opcode bytes, natural alignment in bytes]. */
export const MEMORY = {
  'i32.load': [[0x28], 4], 'f32.load': [[0x2a], 4], 'f64.load': [[0x2b], 8],
  'i32.load8_s': [[0x2c], 1], 'i32.load8_u': [[0x2d], 1],
  'i32.store': [[0x36], 4], 'f32.store': [[0x38], 4], 'f64.store': [[0x39], 8], 'i32.store8': [[0x3a], 1],
  'v128.load': [[0xfd, 0x00], 16], 'v128.load8x8_s': [[0xfd, 0x01], 8], 'v128.load8x8_u': [[0xfd, 0x02], 8],
  'v128.load32_splat': [[0xfd, 0x09], 4], 'v128.load64_splat': [[0xfd, 0x0a], 8], 'v128.store': [[0xfd, 0x0b], 16],
  'v128.load32_zero': [[0xfd, 0x5c], 4], 'v128.load64_zero': [[0xfd, 0x5d], 8],
} as const satisfies Record<string, readonly [readonly number[], number]>;
export type MemoryOp = keyof typeof MEMORY;

/** Lane reads and writes: name -> opcode bytes (the lane index follows as one byte). */
export const LANE = {
  'i32x4.extract_lane': [0xfd, 0x1b], 'i32x4.replace_lane': [0xfd, 0x1c],
  'f32x4.extract_lane': [0xfd, 0x1f], 'f32x4.replace_lane': [0xfd, 0x20], 'f64x2.extract_lane': [0xfd, 0x21],
} as const;
export type LaneOp = keyof typeof LANE;

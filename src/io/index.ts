/**
 * dadm's file I/O: NumPy .npy/.npz, safetensors, row-wise streaming of large .npy files, atomic file
 * writes, temp-file sweeping, and the checked open of every input file. Depends only on ../errors.ts,
 * ../limits.ts and Node built-ins. See docs/file-formats.md and docs/limits.md.
 */
export { readNpy, readNpyTyped, readNpyFile, writeNpy, writeNpyFile } from './npy.js';
export type { NpyArray, NpyCast, NpyTypedResult, NpyArrayLike, NpyReadOptions, NpyFileReadOptions } from './npy.js';
export type { NpyTypedArray } from './npy-dtype.js';
export { HOST_LITTLE_ENDIAN } from './npy-dtype.js';
export { NpzArchive, openNpz, readNpz, readNpzTyped, readNpzFile, writeNpz, writeNpzFile } from './npz.js';
export type { NpzReadOptions, NpzWriteOptions } from './npz.js';
export { readSafetensors, readSafetensorsFile, safetensorsDataStart, writeSafetensors, writeSafetensorsFile } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsTensor, SafetensorsTensorLike, SafetensorsContents, SafetensorsReadOptions } from './safetensors.js';
export { NpyRowReader } from './npy-row-reader.js';
export { STDIO_PATH, STDIN_NAME, STDIN_FD, isStreamInput, isTerminal, readSomeSync } from './stream-input.js';
export { NpyWriter } from './npy-writer.js';
export { textArray, npyStrings } from './npy-text.js';
export { AtomicStreamFile } from './atomic-stream-file.js';
export type { NpyWriterOptions, NpyWriterDtype } from './npy-writer.js';
export { shapeTuple } from './npy-header.js';
export { writeAllSync, writeFileAtomic, type AtomicWriteOptions } from './write-file-atomic.js';
export { outputPathError, inputPathError } from './fs-errors.js';
export { openInputFile, readInputFile, readInputText } from './input-file.js';
export type { InputFileOptions, OpenInput } from './input-file.js';
export { processExists, removeQuietly, sweepStaleTempFiles, tempPathFor } from './temp-files.js';
export { AtomicFileSet } from './atomic-file-set.js';
export { crc32 } from './crc32.js';
export { ensureOutputDir, removeCreatedDirs } from './output-dir.js';

/**
 * Streamed training and scoring data: a data .npy opened for row reads and checked against a schema,
 * the block-wise validation split, bounded reservoir samples, the first checking pass over a training
 * file, and streamed scoring. Memory never grows with the file (see docs/pipeline.md). Model kinds
 * train through this machinery; commands score through it. Sequence kinds read windows of a host's
 * consecutive rows (rows + host ids, or a 3-D window file), cut as the rows stream by (docs/transformer.md).
 */
export { openDataFile, memoryDataFile, refuseStream, checkWidth, checkRows, readBlocks, type DataFile, type OpenDataOptions, type RowSource, type RowsAt, type BlockRange } from './data-file.js';
export { splitRows, deriveSeed, blockLength, blocksPerChunk, STREAM, CHUNK_ROWS, MAX_BLOCK_ROWS, type RowSplit } from './row-split.js';
export { ReservoirSampler } from './reservoir.js';
export { prepass, EXACT_DRIFT_MAX_VALUES, type PrepassOptions, type PrepassResult } from './prepass.js';
export { scoreBlocks, scoreFile, checkScores, nonFiniteScoreError, type ScoreKernel, type BlockScoring, type FileScoring, type NonFiniteScores } from './score-rows.js';
export type { TrainingData } from './training-data.js';
export { fileRows, memoryRows, standardizedRows, windowRows, type RowTable } from './row-source.js';
export { scanHosts, MAX_HOST_ID, RING_BUDGET_BYTES, type HostIndex, type HostInfo, type ScanHostsOptions } from './host-index.js';
export { checkHostTimeOrder, type HostTimeOrderOptions } from './host-time-order.js';
export { forEachHostWindow, type HostWindowOptions, type WindowBatchMeta } from './host-windows.js';
export { checkWindowFile, forEachWindow, type WindowFileOptions } from './window-file.js';
export { openWindowStream, unitHash, type SequenceSource, type WindowStream, type WindowPart, type WindowStreamOptions } from './window-stream.js';
export { scoreSequenceFile, type SequenceScoring, type SequenceScores } from './score-windows.js';

/**
 * The validation split and the per-epoch reading order of a training file, designed so that no
 * array of one entry per row is ever needed: rows are grouped into contiguous BLOCKS, the split and
 * the shuffle permute blocks (a few thousand entries even for 10^7 rows), and rows are shuffled
 * only inside a CHUNK of blocks that is in memory anyway. See docs/pipeline.md.
 */
import { Random } from '../tensor/index.js';

/** Rows per block at most (256 KiB of float32 at width 64: one efficient sequential read). */
export const MAX_BLOCK_ROWS = 1024;
/** Rows per chunk (about 16 MiB of float32 at width 64); rows are shuffled inside a chunk. */
export const CHUNK_ROWS = 65536;

/** How a file's rows are split into training and validation blocks. */
export interface RowSplit {
  rows: number;
  blockRows: number;
  nBlocks: number;
  /** Ascending block indices held out for validation. */
  validationBlocks: Int32Array;
  /** Ascending block indices used for training. */
  trainingBlocks: Int32Array;
  /** 1 for a validation block, 0 for a training block; [nBlocks]. */
  isValidation: Uint8Array;
  trainingRows: number;
  validationRows: number;
}

/**
 * Derives an independent generator seed for one purpose (`stream`) from the user's seed, so that
 * weight init, split, shuffling and sampling never share a random sequence.
 */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 13) ^ Math.floor(seed / 4294967296)) >>> 0;
}

/** Random streams (see {@link deriveSeed}). */
export const STREAM = { split: 1, shuffle: 2, driftSample: 3, fitSample: 4 } as const;

/** Rows in block `b`. */
export function blockLength(split: RowSplit, b: number): number {
  return Math.min(split.blockRows, split.rows - b * split.blockRows);
}

/**
 * Splits `rows` rows into blocks of `min(1024, max(1, floor(rows / 256)))` rows (so small files
 * still get >= 256 blocks and are split almost row by row) and holds out
 * `round(validationFraction * nBlocks)` of them, chosen by a seeded permutation of the blocks.
 * At least one block is held out when the fraction is positive and there are >= 2 blocks, and at
 * least one block always remains for training.
 */
export function splitRows(rows: number, validationFraction: number, seed: number): RowSplit {
  const blockRows = Math.min(MAX_BLOCK_ROWS, Math.max(1, Math.floor(rows / 256)));
  const nBlocks = Math.ceil(rows / blockRows);
  let nValidation = Math.round(validationFraction * nBlocks);
  if (validationFraction > 0 && nValidation === 0 && nBlocks >= 2) nValidation = 1;
  nValidation = Math.min(nValidation, nBlocks - 1);
  const isValidation = new Uint8Array(nBlocks);
  if (nValidation > 0) {
    const perm = new Random(deriveSeed(seed, STREAM.split)).permutation(nBlocks);
    for (let i = 0; i < nValidation; i++) isValidation[perm[i]!] = 1;
  }
  const validationBlocks = new Int32Array(nValidation);
  const trainingBlocks = new Int32Array(nBlocks - nValidation);
  let v = 0;
  let t = 0;
  let validationRows = 0;
  for (let b = 0; b < nBlocks; b++) {
    const len = Math.min(blockRows, rows - b * blockRows);
    if (isValidation[b] === 1) {
      validationBlocks[v++] = b;
      validationRows += len;
    } else {
      trainingBlocks[t++] = b;
    }
  }
  return { rows, blockRows, nBlocks, validationBlocks, trainingBlocks, isValidation, trainingRows: rows - validationRows, validationRows };
}

/** Number of whole blocks that fit in one chunk. */
export function blocksPerChunk(split: RowSplit): number {
  return Math.max(1, Math.floor(CHUNK_ROWS / split.blockRows));
}

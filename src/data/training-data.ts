/** What a model kind trains on: the open training file, its split, the scaler and the fit sample. */
import type { Standardizer } from '../schema/index.js';
import type { DataFile } from './data-file.js';
import type { RowTable } from './row-source.js';
import type { ReservoirSampler } from './reservoir.js';
import type { RowSplit } from './row-split.js';

/**
 * The streamed training data handed to a model kind. Rows are read by block (`readBlocks`), never
 * all at once; every value has been checked by the pre-pass.
 */
export interface TrainingData {
  /** The training file `[rows, cols]`, open for row reads. */
  readonly file: DataFile;
  /** Training and validation blocks. */
  readonly split: RowSplit;
  /** Applied to every row the kind reads (model-input units); null when the run has none. */
  readonly standardizer: Standardizer | null;
  /**
   * A uniform sample of training rows (raw units, file order) drawn by the pre-pass when the kind
   * asked for one (its `fitSampleRows` > 0), else null.
   */
  readonly fitSample: ReservoirSampler | null;
  /**
   * Sequence kinds: one integer host id per row (`--hosts`, checked by the kind as it scans them),
   * or null. A 3-D window file needs none: its windows are `file.steps` rows each.
   */
  readonly hosts: RowTable | null;
}

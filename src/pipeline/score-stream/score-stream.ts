/**
 * Streamed scoring as a library: `scoreStream(model, records)` is an async iterable of scores, one per
 * record, in order; `scoreTransform(model)` is the same as a Node Duplex stream (object mode). Records
 * that are already available are scored together (up to a batch); a record that arrives alone is
 * scored at once, so a slow source waits for no one.
 */
import { Duplex } from 'node:stream';
import { InvalidOptionError } from '../../errors.js';
import type { DetectorModel, KnownDetector } from '../../models/index.js';
import { loadScoringModel, type ScoreCompute } from '../score.js';
import { StreamScorer, type StreamScore, type StreamScorerOptions } from './stream-scorer.js';

/**
 * One record: an event object with the model schema's features by name (endpoint-v1: raw units such
 * as `{ "process_spawn_count": 4021, ... }`, normalized here), an object with a `features` array (a
 * generic `schema: none` model), or a row (Float32Array / number[] `[schema width]`) in the units of
 * the training file.
 */
export type StreamRecord = Float32Array | readonly number[] | Readonly<Record<string, unknown>>;

/** The result for the record at `index` (0-based): its score, or why it could not be scored. */
export type StreamResult = (StreamScore & { index: number }) | { index: number; error: string };

/** Options of {@link scoreStream}. */
export interface ScoreStreamOptions extends StreamScorerOptions, ScoreCompute {
  /** Throw an InvalidOptionError at the first unusable record instead of yielding `{ index, error }`. */
  failOnBadRecord?: boolean;
}

/**
 * Scores a stream of records with a model (a path, or a detector from loadDetector / loadCheckpoint).
 * @param records `[n]` records, sync or async (a Node Readable in object mode is one)
 * @returns one {@link StreamResult} per record, in order
 * @throws InvalidOptionError for a model without a threshold or bad options, and with
 *   `failOnBadRecord` at the first unusable record; FormatError for a model file that is not one
 */
export async function* scoreStream(
  model: string | DetectorModel,
  records: AsyncIterable<StreamRecord> | Iterable<StreamRecord>,
  options: ScoreStreamOptions = {},
): AsyncGenerator<StreamResult, void, undefined> {
  const scoring = loadScoringModel(typeof model === 'string' ? model : knownDetector(model), options, 'scoreStream');
  try {
    yield* scoreRecords(new StreamScorer(scoring, options), records, options);
  } finally {
    scoring.close();
  }
}

async function* scoreRecords(scorer: StreamScorer, records: AsyncIterable<StreamRecord> | Iterable<StreamRecord>, options: ScoreStreamOptions): AsyncGenerator<StreamResult, void, undefined> {
  const it = Symbol.asyncIterator in records ? (records as AsyncIterable<StreamRecord>)[Symbol.asyncIterator]() : toAsync((records as Iterable<StreamRecord>)[Symbol.iterator]());
  const batch: StreamResult[] = [];
  const rowAt: number[] = [];
  let index = 0;
  let next = it.next();
  for (;;) {
    const step = await next;
    if (step.done === true) break;
    const error = scorer.add(step.value);
    if (error !== null) {
      if (options.failOnBadRecord === true) throw new InvalidOptionError(`scoreStream: record ${index} must be usable, got: ${error}`, 'records');
      batch.push({ index, error });
    } else {
      rowAt.push(batch.length);
      batch.push({ index, score: 0, flagged: false });
    }
    index++;
    next = it.next();
    // Score what is in hand when the batch is full, or when the next record is not there yet.
    if (scorer.full || batch.length >= scorer.capacity || !(await arrivesAtOnce(next))) {
      scorer.flush((k, s) => Object.assign(batch[rowAt[k]!]!, s));
      yield* batch;
      batch.length = 0;
      rowAt.length = 0;
    }
  }
  scorer.flush((k, s) => Object.assign(batch[rowAt[k]!]!, s));
  yield* batch;
}

/**
 * {@link scoreStream} as a Node Duplex in object mode: write records, read {@link StreamResult}s.
 * `readable.pipe(scoreTransform('model.onnx')).on('data', ...)`.
 */
export function scoreTransform(model: string | DetectorModel, options: ScoreStreamOptions = {}): Duplex {
  return Duplex.from((source: AsyncIterable<StreamRecord>) => scoreStream(model, source, options));
}

function knownDetector(model: DetectorModel): KnownDetector {
  if (model.modelType === null || model.threshold === null) {
    throw new InvalidOptionError(`scoreStream: model must know its kind and threshold (dadm.model_type and dadm.threshold metadata), got ${model.path} without them`, 'model');
  }
  return model as KnownDetector;
}

/**
 * Whether `next` settles before the event loop turns: true for a record already buffered (a sync
 * iterable, a Readable with data in hand), false for one that has to wait for I/O.
 */
function arrivesAtOnce<T>(next: Promise<T>): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    void next.then(
      () => {
        settled = true;
        resolve(true);
      },
      () => {
        settled = true;
        resolve(true);
      },
    );
    setImmediate(() => {
      if (!settled) resolve(false);
    });
  });
}

/** A sync iterator as an async one. */
function toAsync<T>(it: Iterator<T>): AsyncIterator<T> {
  return { next: () => Promise.resolve(it.next()) };
}

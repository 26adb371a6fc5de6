/**
 * The autoencoder epoch loop over a streamed file. Each epoch permutes the training blocks, reads
 * them a chunk (<= 65,536 rows) at a time, shuffles the rows inside the chunk and feeds batches
 * (a partial batch carries over into the next chunk; only the epoch's last batch may be short).
 * Validation loss (mean score of the validation rows) drives early stopping; the best epoch's
 * weights are restored at the end. With `threads` above 1, each step's batch is split across the
 * threads (nn's ParallelMlpTrainer) and the validation rows are scored on them too.
 */
import type { DadmConfig } from '../../config/index.js';
import { STREAM, blocksPerChunk, deriveSeed, readBlocks, scoreBlocks, type TrainingData } from '../../data/index.js';
import { TrainingError } from '../../errors.js';
import { clipGradNorm, type Autoencoder, type Optimizer } from '../../nn/index.js';
import type { Var } from '../../autograd/index.js';
import type { ProgressCallback } from '../../progress.js';
import { standardizeInPlace } from '../../schema/index.js';
import { Random, resolveThreads } from '../../tensor/index.js';
import type { EpochRecord } from '../kind.js';
import type { AutoencoderModel } from './model.js';

/** What the epoch loop reports. */
export interface AutoencoderRun {
  epochs: EpochRecord[];
  /** Epoch whose weights were kept (the last one without validation rows). */
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  /** Validation scores of the kept weights, or null without validation rows. */
  validationScores: Float32Array | null;
}

/** Inputs of {@link trainAutoencoderLoop}. */
export interface AutoencoderLoopOptions {
  data: TrainingData;
  config: DadmConfig;
  /** Trained in place; holds the best epoch's weights at the end. */
  model: AutoencoderModel;
  optimizer: Optimizer;
  onProgress?: ProgressCallback;
  /** See `TrainContext.adjustGradients`. */
  adjustGradients?: (named: readonly (readonly [string, Var])[]) => void;
}

/**
 * Runs the epochs.
 * @throws TrainingError naming epoch and step when a loss is not finite
 */
export function trainAutoencoderLoop(opts: AutoencoderLoopOptions): AutoencoderRun {
  const { config, model, optimizer, onProgress } = opts;
  const { file, split, standardizer } = opts.data;
  const t = config.training;
  const cols = file.cols;
  const batchRows = t.batchSize;
  const per = blocksPerChunk(split);
  const chunkRows = Math.min(per * split.blockRows, file.rows);
  const chunk = new Float32Array(chunkRows * cols);
  const batch = new Float32Array(batchRows * cols);
  const rowOrder = new Int32Array(chunkRows);
  const rng = new Random(deriveSeed(t.seed, STREAM.shuffle));
  const order = Int32Array.from(split.trainingBlocks);
  const steps = Math.ceil(split.trainingRows / batchRows);
  const network = model.network;
  const validation = split.validationRows > 0 ? new Float32Array(split.validationRows) : null;
  const params = network.parameters();
  const named = opts.adjustGradients === undefined ? [] : network.namedParameters();
  const run: AutoencoderRun = { epochs: [], bestEpoch: 0, stoppedEarly: false, steps: 0, validationScores: null };
  let bestLoss = Infinity;
  let bestState: ReturnType<Autoencoder['stateDict']> | null = null;
  let sinceBest = 0;
  const threads = resolveThreads(config.threads, 'train: threads');
  const trainer = threads > 1 ? network.parallelTrainer(threads) : null;

  try {
    for (let epoch = 1; epoch <= t.epochs; epoch++) {
      const t0 = performance.now();
      if (t.shuffle) rng.shuffleInPlace(order);
      let filled = 0;
      let step = 0;
      let lossSum = 0;
      let rowsDone = 0;
      const runStep = (rows: number): void => {
        step++;
        const loss = trainer === null ? network.lossAndGrad(batch, rows) : trainer.lossAndGrad(batch, rows);
        if (!Number.isFinite(loss)) {
          throw new TrainingError(
            `train: loss must be finite, got ${loss} at epoch ${epoch}, step ${step} of ${steps} (lower training.learning_rate, currently ${t.learningRate}, or set training.grad_clip)`,
          );
        }
        opts.adjustGradients?.(named);
        if (t.gradClip !== null) clipGradNorm(params, t.gradClip);
        optimizer.step();
        lossSum += loss * rows;
        rowsDone += rows;
        onProgress?.({ kind: 'step', epoch, epochs: t.epochs, step, steps, rowsDone, rowsTotal: split.trainingRows, loss });
      };
      for (let c = 0; c < order.length; c += per) {
        const n = readBlocks(file, split, { blocks: order, from: c, to: Math.min(c + per, order.length), out: chunk });
        if (standardizer !== null) standardizeInPlace(standardizer, chunk, n);
        for (let k = 0; k < n; k++) rowOrder[k] = k;
        if (t.shuffle) rng.shuffleInPlace(rowOrder.subarray(0, n));
        for (let k = 0; k < n; k++) {
          const src = rowOrder[k]! * cols;
          const dst = filled * cols;
          for (let j = 0; j < cols; j++) batch[dst + j] = chunk[src + j]!;
          if (++filled === batchRows) {
            runStep(batchRows);
            filled = 0;
          }
        }
      }
      if (filled > 0) runStep(filled);
      run.steps += step;
      const trainLoss = lossSum / split.trainingRows;
      let validationLoss: number | null = null;
      let best = validation === null;
      if (validation !== null) {
        const scorer = threads > 1 ? model.parallelScore(threads) : null;
        try {
          scoreBlocks({ file, split, blocks: split.validationBlocks, standardizer, kernel: scorer?.kernel ?? model.score, out: validation });
        } finally {
          scorer?.close();
        }
        validationLoss = meanOf(validation);
        if (!Number.isFinite(validationLoss)) {
          throw new TrainingError(`train: validation loss must be finite, got ${validationLoss} at epoch ${epoch} (lower training.learning_rate or set training.grad_clip)`);
        }
        if (validationLoss < bestLoss) {
          best = true;
          bestLoss = validationLoss;
          bestState = network.stateDict();
          run.validationScores = Float32Array.from(validation);
          sinceBest = 0;
        } else {
          sinceBest++;
        }
      }
      if (best) run.bestEpoch = epoch;
      const seconds = (performance.now() - t0) / 1000;
      run.epochs.push({ epoch, trainLoss, validationLoss, seconds });
      onProgress?.({ kind: 'epoch', epoch, epochs: t.epochs, trainLoss, validationLoss, best, seconds });
      if (validation !== null && t.earlyStoppingPatience > 0 && sinceBest >= t.earlyStoppingPatience && epoch < t.epochs) {
        run.stoppedEarly = true;
        break;
      }
    }
  } finally {
    trainer?.close();
  }
  if (bestState !== null && run.bestEpoch !== run.epochs.length) network.loadStateDict(bestState);
  return run;
}

function meanOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

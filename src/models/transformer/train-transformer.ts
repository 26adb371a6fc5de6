/**
 * The transformer's epoch loop over a streamed {@link WindowStream}. Memory is bounded by the
 * shuffle buffer (`shuffleBuffer` windows), one batch and the validation scores, never by the data:
 * each epoch streams the training windows through a shuffle buffer (each arriving window takes the
 * place of a random held one, which goes into the batch), then scores the validation windows; their
 * mean score is the validation loss that drives early stopping, and the best epoch's weights are
 * kept. With `threads` above 1 (and no dropout) each step's windows are split across the threads
 * (nn's ParallelTransformerTrainer). See docs/transformer.md "Training".
 */
import { TrainingError } from '../../errors.js';
import { ParallelTransformerTrainer, clipGradNorm } from '../../nn/index.js';
import { Random, resolveThreads, type ThreadsOption } from '../../tensor/index.js';
import { backward, zeroGrad, type Var } from '../../autograd/index.js';
import type { ObjectiveBatcher } from './objective.js';
import type { ResolvedTransformerOptions } from './options.js';
import { transformerOptimizer } from './optimizer.js';
import { autogradLoss, type WindowNet } from './window-net.js';
import type { WindowStream } from '../../data/index.js';

/** Progress of {@link trainWindowNet}: after every step and every epoch. */
export type TransformerProgress =
  | { kind: 'step'; epoch: number; epochs: number; step: number; windowsDone: number; windowsTotal: number; loss: number }
  | { kind: 'epoch'; epoch: number; epochs: number; trainLoss: number; validationLoss: number | null; best: boolean; seconds: number };

/** One epoch of the training history. */
export interface TransformerEpoch {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
  seconds: number;
}

/** What {@link trainWindowNet} did. */
export interface TransformerRun {
  epochs: TransformerEpoch[];
  /** Epoch whose weights were kept (the last one without validation windows). */
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  /** Scores of the validation windows with the kept weights, or null without validation windows. */
  validationScores: Float32Array | null;
}

/** Inputs of {@link trainWindowNet}. */
export interface TrainWindowNetArgs {
  net: WindowNet;
  batcher: ObjectiveBatcher;
  stream: WindowStream;
  options: ResolvedTransformerOptions;
  /** Scores `n` windows into `out` (the model's scoring path). */
  score: (windows: Float32Array, n: number, out: Float32Array) => void;
  onProgress?: (p: TransformerProgress) => void;
  /** See `TrainContext.adjustGradients`: called after each backward pass, before clipping. */
  adjustGradients?: ((named: readonly (readonly [string, Var])[]) => void) | undefined;
  /** Threads of the fused training steps, the calling one included. Default 1 (dropout > 0 always runs on one). */
  threads?: ThreadsOption;
}

/** Random streams of one seed: shuffling and masked steps. */
const SHUFFLE_STREAM = 0x5f3759df;

/**
 * Runs the epochs.
 * @throws TrainingError naming epoch and step when a loss is not finite, or when the training part is empty;
 *   InvalidOptionError for a bad thread count
 */
export function trainWindowNet(args: TrainWindowNetArgs): TransformerRun {
  const threads = resolveThreads(args.threads ?? 1, 'train: threads');
  const trainer = args.options.dropout === 0 ? new ParallelTransformerTrainer({ fused: args.net.fused, threads }) : null;
  try {
    return trainEpochs(args, trainer);
  } finally {
    trainer?.close();
  }
}

/** The epoch loop; `trainer` runs the fused steps (null: dropout, the autograd steps). */
function trainEpochs(args: TrainWindowNetArgs, trainer: ParallelTransformerTrainer | null): TransformerRun {
  const { net, batcher, stream, options: o, score, onProgress, adjustGradients } = args;
  const named = adjustGradients === undefined ? [] : net.namedParameters();
  const T = stream.window, F = stream.features, per = T * F;
  const total = stream.count('train');
  if (total === 0) throw new TrainingError(`train: the training part must hold at least one window, got 0 (lower validationFraction or stride)`);
  const validationCount = stream.count('validation');
  const validation = validationCount > 0 ? new Float32Array(validationCount) : null;
  const rng = new Random((o.seed ^ SHUFFLE_STREAM) >>> 0);
  const optimizer = transformerOptimizer(net.parameters(), o);
  const params = net.parameters();
  const capacity = Math.min(o.shuffleBuffer, total);
  const held = new Float32Array(capacity * per);
  const batch = new Float32Array(o.batchSize * per);
  const run: TransformerRun = { epochs: [], bestEpoch: 0, stoppedEarly: false, steps: 0, validationScores: null };
  let bestLoss = Infinity;
  let bestState: ReturnType<WindowNet['stateDict']> | null = null;
  let sinceBest = 0;
  const steps = Math.ceil(total / o.batchSize);

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    let filled = 0, size = 0, step = 0, lossSum = 0, done = 0;
    const runStep = (n: number): void => {
      step++;
      const { batch: b, loss } = batcher.train(batch, n, rng);
      let value: number;
      if (trainer !== null) {
        value = trainer.lossAndGrad(b, loss);
      } else {
        zeroGrad(params);
        const l = autogradLoss(net.train(), b, loss);
        value = l.item();
        if (Number.isFinite(value)) backward(l);
      }
      if (!Number.isFinite(value)) {
        throw new TrainingError(`train: loss must be finite, got ${value} at epoch ${epoch}, step ${step} of ${steps} (lower learningRate, currently ${o.learningRate}, or set gradClip)`);
      }
      adjustGradients?.(named);
      if (o.gradClip !== null) clipGradNorm(params, o.gradClip);
      optimizer.step();
      lossSum += value * n;
      done += n;
      onProgress?.({ kind: 'step', epoch, epochs: o.epochs, step, windowsDone: done, windowsTotal: total, loss: value });
    };
    const toBatch = (src: Float32Array, at: number): void => {
      batch.set(src.subarray(at * per, (at + 1) * per), filled * per);
      if (++filled === o.batchSize) {
        runStep(filled);
        filled = 0;
      }
    };
    stream.pass('train', o.batchSize, (windows, n) => {
      for (let i = 0; i < n; i++) {
        if (size < capacity) {
          held.set(windows.subarray(i * per, (i + 1) * per), size++ * per);
          continue;
        }
        const slot = rng.int(0, capacity);
        toBatch(held, slot);
        held.set(windows.subarray(i * per, (i + 1) * per), slot * per);
      }
    });
    // Drain the held windows in random order.
    const order = rng.permutation(size);
    for (let i = 0; i < size; i++) toBatch(held, order[i]!);
    if (filled > 0) runStep(filled);
    run.steps += step;
    net.eval();
    let validationLoss: number | null = null;
    let best = validation === null;
    if (validation !== null) {
      let at = 0;
      stream.pass('validation', 256, (windows, n) => {
        score(windows, n, validation.subarray(at, at + n));
        at += n;
      });
      validationLoss = meanOf(validation);
      if (!Number.isFinite(validationLoss)) {
        throw new TrainingError(`train: validation loss must be finite, got ${validationLoss} at epoch ${epoch} (lower learningRate or set gradClip)`);
      }
      if (validationLoss < bestLoss) {
        best = true;
        bestLoss = validationLoss;
        bestState = net.stateDict();
        run.validationScores = Float32Array.from(validation);
        sinceBest = 0;
      } else sinceBest++;
    }
    if (best) run.bestEpoch = epoch;
    const seconds = (performance.now() - t0) / 1000;
    run.epochs.push({ epoch, trainLoss: lossSum / done, validationLoss, seconds });
    onProgress?.({ kind: 'epoch', epoch, epochs: o.epochs, trainLoss: lossSum / done, validationLoss, best, seconds });
    if (validation !== null && o.earlyStoppingPatience > 0 && sinceBest >= o.earlyStoppingPatience && epoch < o.epochs) {
      run.stoppedEarly = true;
      break;
    }
  }
  if (bestState !== null && run.bestEpoch !== run.epochs.length) net.loadStateDict(bestState);
  return run;
}

function meanOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

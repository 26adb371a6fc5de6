/**
 * The sequence-aware anomaly model: a tiny transformer that scores each step of a host from its
 * context (the T-1 steps before it), with scikit-learn's estimator shape (options object, `fit`
 * returns this, `NotFittedError` before fit). See docs/transformer.md.
 */
import { DataError, FormatError, InvalidOptionError, NotFittedError, ShapeError } from '../../errors.js';
import { Random, Tensor, type ThreadsOption } from '../../tensor/index.js';
import { quantile } from '../../stats/index.js';
import { forEachHostWindow, forEachWindow, openWindowStream, type RowTable, type SequenceSource } from '../../data/index.js';
import { ObjectiveBatcher, objectiveLayout } from './objective.js';
import { resolveStoredTransformerOptions, resolveTransformerOptions, type ResolvedTransformerOptions, type TransformerOptions } from './options.js';
import { trainWindowNet, type TransformerEpoch, type TransformerProgress } from './train-transformer.js';
import { ERROR_SCALE, SCORE_CHUNK, addErrorSums, errorScaleOf, predictInto, scoreInto } from './scoring.js';
import { WindowNet } from './window-net.js';
import type { Var } from '../../autograd/index.js';

/** Options of {@link TransformerDetector.fit} beyond the data. */
export interface TransformerFitOptions {
  onProgress?: (p: TransformerProgress) => void;
  /**
   * A fitted model of the same architecture to start from (its network weights; the error scale and
   * threshold are fitted anew): `--init-checkpoint`, or a federated client's copy of the global model.
   */
  init?: TransformerDetector;
  /** Changes each step's gradients in place before clipping (federated drift correction), see `TrainContext.adjustGradients`. */
  adjustGradients?: (named: readonly (readonly [string, Var])[]) => void;
  /**
   * Threads of the training steps, the calling one included: 1, a count or 'auto' (every core up
   * to 4). A compute setting, not part of the model (the saved options do not hold it): on several
   * threads each step's windows are split across them (data parallel, nn's
   * ParallelTransformerTrainer), the same model up to float summation order. Default 1.
   */
  threads?: ThreadsOption;
}

/** How the threshold was set: the validation windows' quantile, or the training windows' without validation. */
export type TransformerThresholdMethod = 'validation-quantile' | 'training-quantile';

/** See {@link TransformerDetector.fitSummary}. */
export interface TransformerFitSummary {
  /** `[windows]` scores of the threshold windows (validation part, or training part without one). */
  readonly thresholdScores: Float32Array;
  readonly steps: number;
  readonly stoppedEarly: boolean;
}

/** Everything but the tensors that a checkpoint must keep to rebuild a fitted model. */
export interface TransformerMetadata {
  options: ResolvedTransformerOptions;
  /** Features per step F (the network reads the A active ones). */
  features: number;
  threshold: number;
  thresholdMethod: TransformerThresholdMethod;
  history: TransformerEpoch[];
  bestEpoch: number;
}

/**
 * A fitted model's parameters (torch state-dict names, see {@link WindowNet}) plus `error_scale [A]`
 * (see {@link TransformerDetector.errorScale}), and metadata.
 */
export interface TransformerState {
  tensors: Map<string, Tensor>;
  metadata: TransformerMetadata;
}

interface Fitted {
  net: WindowNet;
  batcher: ObjectiveBatcher;
  features: number;
  /** `[A]` mean squared error of each active feature on the validation windows (1s without standardizeErrors). */
  errorScale: Float32Array;
  threshold: number;
  thresholdMethod: TransformerThresholdMethod;
  history: TransformerEpoch[];
  bestEpoch: number;
}

/**
 * Sign conventions:
 * - {@link scoreWindows}: the largest over the active features of the squared prediction error of
 *   each window's last step, each feature's error in units of its mean squared error on the validation
 *   windows (`standardizeErrors`, default; else plain squared errors); >= 0, HIGHER = more anomalous.
 * - {@link predict}: 1 when the score is above {@link threshold}, else 0.
 *
 * @example
 * const model = new TransformerDetector({ window: 16, epochs: 5, activeFeatures: [0, 1, 2] })
 *   .fit({ data: memoryRows(rows, 64), hosts: memoryRows(hostIds, 1) });
 * const scores = model.scoreWindows(windows, n); // Float32Array [n]
 */
export class TransformerDetector {
  readonly options: ResolvedTransformerOptions;
  private state: Fitted | undefined;
  private lastFit: TransformerFitSummary | undefined;

  /** @throws InvalidOptionError for an unknown option or a value out of range (scikit-learn wording) */
  constructor(options: TransformerOptions = {}) {
    this.options = resolveTransformerOptions(options);
  }

  /**
   * Trains on `source` (rows + host ids, or 3-D windows), streaming it once per epoch, and sets the
   * threshold to the `thresholdQuantile` of the validation windows' scores. Deterministic per seed.
   * @returns this
   * @throws ShapeError/FormatError/DataError for bad sequence data (see scanHosts, checkWindowFile);
   *   InvalidOptionError when activeFeatures does not fit the data, `init` has another architecture or threads is bad;
   *   TrainingError for a non-finite loss
   */
  fit(source: SequenceSource, options: TransformerFitOptions = {}): this {
    const o = this.options;
    const stream = openWindowStream(source, { window: o.window, stride: o.stride, validationFraction: o.validationFraction, seed: o.seed });
    const F = stream.features;
    const batcher = this.buildBatcher(F);
    const net = this.buildNet(batcher.width);
    if (options.init !== undefined) this.startFrom(net, options.init, F);
    const unit = new Float32Array(batcher.width).fill(1);
    const score = (w: Float32Array, n: number, out: Float32Array): void => scoreInto(net, batcher, unit, w, n, out, null);
    const run = trainWindowNet({ net, batcher, stream, options: o, score, onProgress: options.onProgress, adjustGradients: options.adjustGradients, threads: options.threads ?? 1 });
    // Threshold windows: the validation part, or the training part when there is none.
    const part = run.validationScores === null ? 'train' : 'validation';
    let errorScale: Float32Array = unit.slice();
    if (o.standardizeErrors) {
      const sums = new Float64Array(batcher.width);
      stream.pass(part, SCORE_CHUNK, (w, n) => addErrorSums(net, batcher, w, n, sums));
      errorScale = errorScaleOf(sums, stream.count(part));
    }
    const scores = new Float32Array(stream.count(part));
    let at = 0;
    stream.pass(part, SCORE_CHUNK, (w, n) => {
      scoreInto(net, batcher, errorScale, w, n, scores.subarray(at, at + n), null);
      at += n;
    });
    const threshold = quantile(scores, o.thresholdQuantile);
    const thresholdMethod: TransformerThresholdMethod = part === 'validation' ? 'validation-quantile' : 'training-quantile';
    this.state = { net, batcher, features: F, errorScale, threshold, thresholdMethod, history: run.epochs, bestEpoch: run.bestEpoch };
    this.lastFit = { thresholdScores: scores, steps: run.steps, stoppedEarly: run.stoppedEarly };
    return this;
  }

  /**
   * This model untrained, for `features` columns per step: the network as `fit` initializes it from
   * `seed`, unit error scale, threshold 0 and no history. Federated training publishes it as the
   * round-1 global model.
   * @returns this
   * @throws InvalidOptionError when activeFeatures does not fit `features`
   */
  untrained(features: number): this {
    const batcher = this.buildBatcher(features);
    const net = this.buildNet(batcher.width);
    net.eval();
    this.state = { net, batcher, features, errorScale: new Float32Array(batcher.width).fill(1), threshold: 0, thresholdMethod: 'training-quantile', history: [], bestEpoch: 0 };
    return this;
  }

  /**
   * What the last `fit` did beyond the fitted state (not kept in checkpoints): the scores the
   * threshold was taken from, optimizer steps, early stop.
   * @throws NotFittedError when this instance was not fitted by `fit`
   */
  get fitSummary(): TransformerFitSummary {
    if (this.lastFit === undefined) throw new NotFittedError('TransformerDetector.fitSummary: the model must be fitted by fit first, got none');
    return this.lastFit;
  }

  /** True once `fit` or {@link TransformerDetector.fromState} has produced a model. */
  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** Anomaly threshold on {@link scoreWindows}: score > threshold = anomaly. */
  get threshold(): number {
    return this.fitted('threshold').threshold;
  }

  /** Features per step F seen at fit. */
  get features(): number {
    return this.fitted('features').features;
  }

  /**
   * `[A]` per active feature, its mean squared prediction error on the validation windows: the
   * units of each feature's error in the score (all 1 without `standardizeErrors`).
   */
  get errorScale(): Float32Array {
    return this.fitted('errorScale').errorScale;
  }

  /**
   * The error scale's statistic under this model's weights: each active feature's sum of squared
   * last-step errors over every window of `source` (this model's window and stride, no validation
   * split) and the window count. Sums over a partition of the hosts add up to the sums over all of
   * them; {@link errorScaleFromSums} turns merged sums into the scale `fit` computes on the same windows.
   * @returns sums `[A]` and the window count
   * @throws NotFittedError before fit; the errors of openWindowStream for bad sequence data
   */
  errorSums(source: SequenceSource): { sums: Float64Array; count: number } {
    const s = this.fitted('errorSums');
    const stream = openWindowStream(source, { window: this.options.window, stride: this.options.stride, validationFraction: 0, seed: 0 });
    if (stream.features !== s.features) throw new ShapeError(`TransformerDetector.errorSums: columns must equal the model's ${s.features} features, got ${stream.features}`, 'errorSums');
    const sums = new Float64Array(s.batcher.width);
    stream.pass('train', SCORE_CHUNK, (w, n) => addErrorSums(s.net, s.batcher, w, n, sums));
    return { sums, count: stream.count('train') };
  }

  /**
   * The error scale `[A]` from sums merged over windows (see {@link errorSums}): their mean, floored;
   * all 1 without `standardizeErrors`.
   * @throws DataError when `count` is not a positive integer or a sum is negative or not finite
   */
  errorScaleFromSums(sums: Float64Array, count: number): Float32Array {
    const A = this.fitted('errorScaleFromSums').batcher.width;
    if (sums.length !== A || !(Number.isSafeInteger(count) && count > 0) || sums.some((v) => !(v >= 0 && Number.isFinite(v)))) {
      throw new DataError(`TransformerDetector.errorScaleFromSums: sums must be ${A} finite values >= 0 over a positive window count, got ${sums.length} values over ${count}`, 'errorScale');
    }
    return this.options.standardizeErrors ? errorScaleOf(sums, count) : new Float32Array(A).fill(1);
  }

  /** The network (autograd modules over the fitted parameters). */
  get net(): WindowNet {
    return this.fitted('net').net;
  }

  /** Per-epoch training history of the last fit. */
  get history(): readonly TransformerEpoch[] {
    return this.fitted('history').history;
  }

  /**
   * Anomaly score of each window's last step, from the steps before it: the largest over the active
   * features of the standardized squared prediction error. Sign: HIGHER = more anomalous.
   * @param windows `[n, T, F]` row-major
   * @returns `[n]`, written into `out` when given
   * @throws NotFittedError before fit; ShapeError for a wrong length; DataError naming window, step and column for NaN/Inf
   */
  scoreWindows(windows: Float32Array, n: number, out = new Float32Array(n)): Float32Array {
    const s = this.checkWindows('scoreWindows', windows, n);
    scoreInto(s.net, s.batcher, s.errorScale, windows, n, out, null);
    return out;
  }

  /**
   * The score's terms per feature of each window's last step: squared prediction error over the
   * feature's {@link errorScale} (0 in inactive columns); their largest over the active features is
   * the score. For explanations.
   * @returns `[n, F]`
   * @throws as {@link scoreWindows}
   */
  stepErrors(windows: Float32Array, n: number): Float32Array {
    const s = this.checkWindows('stepErrors', windows, n);
    const terms = new Float32Array(n * s.features);
    scoreInto(s.net, s.batcher, s.errorScale, windows, n, new Float32Array(n), terms);
    return terms;
  }

  /**
   * The model's prediction of each window's last step (NaN in inactive columns): what the score
   * compares the step with. For explanations.
   * @returns `[n, F]`
   * @throws as {@link scoreWindows}
   */
  predictLastStep(windows: Float32Array, n: number): Float32Array {
    const s = this.checkWindows('predictLastStep', windows, n);
    const out = new Float32Array(n * s.features).fill(NaN);
    predictInto(s.net, s.batcher, windows, n, out);
    return out;
  }

  /** 1 where {@link scoreWindows} is above the threshold, else 0. @throws as scoreWindows */
  predict(windows: Float32Array, n: number): Uint8Array {
    const scores = this.scoreWindows(windows, n);
    const t = this.threshold;
    return Uint8Array.from(scores, (v) => (v > t ? 1 : 0));
  }

  /**
   * Scores every row of time-ordered rows + host ids, streaming, in file order: a row's score is the
   * score of its host's window ending at it. `onScores(firstRow, scores, padded)` receives
   * consecutive row ranges; `padded[i] > 0` marks the first T-1 rows of a host (window left-padded
   * with the host's first row, that many copies).
   * @throws NotFittedError before fit; the errors of scanHosts and forEachHostWindow
   */
  scoreRows(data: RowTable, hosts: RowTable, onScores: (firstRow: number, scores: Float32Array, padded: Int32Array) => void): void {
    const s = this.fitted('scoreRows');
    if (data.cols !== s.features) throw new ShapeError(`${data.path}: columns must equal the model's ${s.features} features, got ${data.cols}`, 'scoreRows');
    const stream = openWindowStream({ data, hosts }, { window: this.options.window, stride: 1, validationFraction: 0, seed: 0 });
    const scores = new Float32Array(SCORE_CHUNK);
    forEachHostWindow(data, hosts, stream.index!, {
      window: this.options.window,
      batch: SCORE_CHUNK,
      onBatch: (w, n, meta) => {
        scoreInto(s.net, s.batcher, s.errorScale, w, n, scores, null);
        onScores(meta.rows[0]!, scores.subarray(0, n), meta.padded.subarray(0, n));
      },
    });
  }

  /**
   * Scores every window of a 3-D file `[N, T, F]`, streaming: `onScores(firstWindow, scores)`.
   * @throws NotFittedError before fit; ShapeError when T or F differ from the model's; DataError for NaN/Inf
   */
  scoreWindowFile(windows: RowTable, onScores: (firstWindow: number, scores: Float32Array) => void): void {
    const s = this.fitted('scoreWindowFile');
    openWindowStream({ windows }, { window: this.options.window, stride: 1, validationFraction: 0, seed: 0 });
    const scores = new Float32Array(SCORE_CHUNK);
    forEachWindow(windows, {
      window: this.options.window,
      batch: SCORE_CHUNK,
      onBatch: (w, n, indices) => {
        scoreInto(s.net, s.batcher, s.errorScale, w, n, scores, null);
        onScores(indices[0]!, scores.subarray(0, n));
      },
    });
  }

  /** The fitted parameters (copies) and metadata, for a checkpoint. @throws NotFittedError before fit */
  toState(): TransformerState {
    const s = this.fitted('toState');
    const tensors = s.net.stateDict();
    tensors.set(ERROR_SCALE, new Tensor(s.errorScale.slice(), [s.errorScale.length]));
    return {
      tensors,
      metadata: { options: this.options, features: s.features, threshold: s.threshold, thresholdMethod: s.thresholdMethod, history: s.history, bestEpoch: s.bestEpoch },
    };
  }

  /**
   * Rebuilds a fitted model from {@link toState}'s output.
   * @throws InvalidOptionError for bad options; FormatError/ShapeError when the tensors do not match them
   */
  static fromState(state: TransformerState): TransformerDetector {
    const m = state.metadata;
    const model = new TransformerDetector(resolveStoredTransformerOptions(m.options));
    const batcher = model.buildBatcher(m.features);
    const net = model.buildNet(batcher.width);
    const scale = state.tensors.get(ERROR_SCALE);
    if (scale === undefined || scale.size !== batcher.width) {
      throw new FormatError(`TransformerDetector.fromState: tensor '${ERROR_SCALE}' must hold ${batcher.width} values (one per active feature), got ${scale === undefined ? 'none' : scale.size}`, ERROR_SCALE);
    }
    net.loadStateDict(new Map([...state.tensors].filter(([k]) => k !== ERROR_SCALE)));
    net.eval();
    model.state = { net, batcher, features: m.features, errorScale: Float32Array.from(scale.data), threshold: m.threshold, thresholdMethod: m.thresholdMethod, history: [...m.history], bestEpoch: m.bestEpoch };
    return model;
  }

  /** Loads `init`'s network weights into `net` (the architecture must match: same options but the training ones). */
  private startFrom(net: WindowNet, init: TransformerDetector, features: number): void {
    const from = init.fitted('fit init');
    const a = this.options, b = init.options;
    const same = (['window', 'objective', 'centering', 'dModel', 'heads', 'layers', 'feedForward', 'activation', 'normFirst'] as const).every((k) => a[k] === b[k]);
    if (!same || from.features !== features || JSON.stringify(a.activeFeatures) !== JSON.stringify(b.activeFeatures)) {
      throw new InvalidOptionError(`TransformerDetector.fit: init must have this model's architecture and ${features} features, got window ${b.window}, dModel ${b.dModel}, layers ${b.layers}, ${from.features} features`, 'init');
    }
    net.loadStateDict(from.net.stateDict());
  }

  private buildNet(width: number): WindowNet {
    const o = this.options;
    const layout = objectiveLayout(o.objective, o.window);
    return new WindowNet({
      inputDim: width, positions: layout.positions, dModel: o.dModel, heads: o.heads, layers: o.layers,
      feedForward: o.feedForward, dropout: o.dropout, activation: o.activation, normFirst: o.normFirst,
      causal: layout.causal, maskToken: layout.maskToken, rng: new Random(o.seed),
    });
  }

  private buildBatcher(features: number): ObjectiveBatcher {
    const active = this.options.activeFeatures;
    const bad = active?.find((j) => j >= features);
    if (bad !== undefined) {
      throw new InvalidOptionError(`The 'activeFeatures' option of TransformerDetector must hold column indices below the data's ${features} features. Got ${bad} instead.`, 'activeFeatures');
    }
    const { objective, window, contextNoise, centering } = this.options;
    return new ObjectiveBatcher(objective, window, features, active, { contextNoise, centering });
  }

  private checkWindows(where: string, windows: Float32Array, n: number): Fitted {
    const s = this.fitted(where);
    const per = this.options.window * s.features;
    if (!Number.isInteger(n) || n < 0 || windows.length < n * per) {
      throw new ShapeError(`TransformerDetector.${where}: windows must hold n x ${this.options.window} x ${s.features} = ${n * per} values, got ${windows.length} for n ${n}`, where);
    }
    for (let k = 0; k < n * per; k++) {
      const v = windows[k]!;
      if (v - v !== 0) {
        const w = Math.floor(k / per), r = k % per;
        throw new DataError(`TransformerDetector.${where}: window ${w}, step ${Math.floor(r / s.features)}, column ${r % s.features} must be finite, got ${v}`, where);
      }
    }
    return s;
  }

  private fitted(what: string): Fitted {
    if (this.state === undefined) {
      throw new NotFittedError(`TransformerDetector.${what}: the model must be fitted first (call fit or fromState), got an unfitted instance`);
    }
    return this.state;
  }
}

/** Progress events the pipeline reports through an `onProgress` callback (it never prints). */

/** A pass over rows that is not a training epoch: checking the data, scoring, drift reference. */
export interface RowsProgress {
  kind: 'rows';
  /** `'check'` (first pass over the training file), `'score'`, `'reference'`, `'explain'` (rows explained). */
  phase: 'check' | 'score' | 'reference' | 'explain';
  done: number;
  total: number;
}

/** After each optimizer step. */
export interface StepProgress {
  kind: 'step';
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch, out of `steps`. */
  step: number;
  steps: number;
  /** Training rows done in this epoch, out of `rowsTotal`. */
  rowsDone: number;
  rowsTotal: number;
  /** Loss of this step's batch. */
  loss: number;
}

/** After each epoch (autoencoder) or after the fit (isolation forest, epoch 1 of 1). */
export interface EpochProgress {
  kind: 'epoch';
  epoch: number;
  epochs: number;
  trainLoss: number | null;
  validationLoss: number | null;
  /** Whether this epoch has the best validation loss so far (its weights are kept). */
  best: boolean;
  seconds: number;
}

/** A named stage finished (`'model'`, `'threshold'`, `'reference'`, `'write'`...). */
export interface StageProgress {
  kind: 'stage';
  stage: string;
  seconds: number;
}

export type ProgressEvent = RowsProgress | StepProgress | EpochProgress | StageProgress;
export type ProgressCallback = (event: ProgressEvent) => void;

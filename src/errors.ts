/**
 * The error classes dadm throws for problems a caller can cause. Every message has one shape:
 * `"<where>: <what> must <constraint>, got <actual>"`, e.g.
 * `"matmul: inner dimensions must match, got [2,3] and [4,2]"`.
 * The CLI prints `message` as one line and exits 2 for {@link UsageError}, 1 for everything else.
 */

/** Base class: every error dadm throws on purpose is a DadmError. */
export class DadmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor shape, length, axis or dimension that does not fit the operation. */
export class ShapeError extends DadmError {
  constructor(
    message: string,
    readonly op?: string,
    readonly shapes?: readonly (readonly number[])[],
  ) {
    super(message);
  }
}

/** An option, hyperparameter or config value outside what is allowed. */
export class InvalidOptionError extends DadmError {
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super(message);
  }
}

/** Where in the data a {@link DataError} points: a table's row and column, or an array's index. */
export interface DataPosition {
  readonly row?: number;
  readonly column?: number;
  readonly index?: number;
}

/**
 * Input data that is well-formed but unusable: NaN/Inf, wrong width, no rows. `source` names the
 * file or input; `row`, `column` and `index` are set whenever the message names them, so a caller can
 * act on the error without parsing its message.
 */
export class DataError extends DadmError {
  readonly row?: number;
  readonly column?: number;
  readonly index?: number;

  constructor(
    message: string,
    readonly source?: string,
    at: DataPosition = {},
  ) {
    super(message);
    if (at.row !== undefined) this.row = at.row;
    if (at.column !== undefined) this.column = at.column;
    if (at.index !== undefined) this.index = at.index;
  }
}

/** A file or byte buffer that is not in the format it claims (npy, npz, safetensors, ONNX, checkpoint). */
export class FormatError extends DadmError {
  constructor(
    message: string,
    readonly source?: string,
  ) {
    super(message);
  }
}

/**
 * A file, model or call that asks for more memory (or more YAML nodes) than a documented limit allows
 * (src/limits.ts, docs/limits.md). Raised before anything is allocated; raise the limit named in the
 * message to accept the input.
 */
export class LimitError extends DadmError {
  /** The limit exceeded (a key of `Limits`, e.g. `maxTensorBytes`). */
  readonly limit: string;
  readonly allowed: number;
  readonly requested: number;

  constructor(message: string, fields: { limit: string; allowed: number; requested: number }) {
    super(message);
    this.limit = fields.limit;
    this.allowed = fields.allowed;
    this.requested = fields.requested;
  }
}

/** A model method called before `fit`/training, or a checkpoint missing state. */
export class NotFittedError extends DadmError {}

/** An ONNX operator (or op/attribute combination) the runtime or quantizer does not implement. */
export class UnsupportedOpError extends DadmError {
  constructor(
    message: string,
    readonly opType?: string,
    readonly node?: string,
  ) {
    super(message);
  }
}

/** A numerical failure during training, e.g. a loss that became NaN. */
export class TrainingError extends DadmError {}

/**
 * A network peer that refuses, times out or answers with an error status (the federated client and
 * server), e.g. `"client: server http://127.0.0.1:9 must accept connections, got ECONNREFUSED"`.
 */
export class NetworkError extends DadmError {
  constructor(
    message: string,
    readonly url?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A command line that cannot be understood (unknown flag, missing argument). CLI exit code 2. */
export class UsageError extends DadmError {}

/** Formats a shape for messages: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * The server's state directory. The commit point of a round is one atomic rename of its round
 * record; everything else is written before it (the model file) or is disposable (the pending
 * journal of the open round). So a server killed at any moment restarts from the last record,
 * with every acknowledged update of the open round still in the journal.
 *
 * ```
 * state/
 *   server.lock                  pid of the running server
 *   secret.key                   32 random bytes (0600): DP noise and client sampling
 *   models/global-000002.safetensors
 *   rounds/round-000003.json     one record per round: initial, committed, aborted or calibrated
 *   pending/round-000004.journal  envelopes acknowledged in the open round (journal.ts)
 *   model.safetensors            the final model as a dadm checkpoint (written before its calibrated record)
 * ```
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, InvalidOptionError } from '../errors.js';
import { ensureOutputDir, processExists, writeFileAtomic } from '../io/index.js';
import { describe, sha256Hex, utf8 } from './bytes.js';
import { Journal } from './journal.js';

export const ROUND_FORMAT = 'dadm-federated-round';
/** The final checkpoint in the state dir. */
export const CHECKPOINT_FILE = 'model.safetensors';
/** Largest round record read back. */
const MAX_RECORD_BYTES = 64 << 20;
/** Largest journal read back on restart (it is read whole). */
const MAX_JOURNAL_BYTES = 2 ** 31;

/** What a round record says about one accepted client. */
export interface ClientOutcome {
  client: string;
  samples: number;
  weight: number;
  /** L2 norm of the update (plain mode only). */
  norm?: number;
  loss?: number;
}

/** One line of the round log, as JSON (snake_case keys on disk). */
export interface RoundRecord {
  round: number;
  /** `calibrated`: the threshold of the final model was fixed and its checkpoint written. */
  status: 'initial' | 'committed' | 'aborted' | 'calibrated';
  /** Version of the global model after this round (unchanged when aborted). */
  modelVersion: number;
  modelFile: string;
  modelSha256: string;
  /** The server optimizer's moments after this round (fedavgm, fedadam), written before the record; null for fedavg. */
  optimizerFile: string | null;
  optimizerSha256: string | null;
  mode: 'plain' | 'secure';
  aggregation: string;
  accepted: ClientOutcome[];
  /** Selected clients that sent nothing usable. */
  missing: string[];
  /** Rejections by reason. */
  rejected: Record<string, number>;
  /** The first rejections in full, for the log. */
  rejections: { client: string; reason: string; message: string }[];
  aggregateNorm: number | null;
  /** L2 norm of the server optimizer's step when it is not the aggregate itself (fedavg at server_lr 1). */
  stepNorm: number | null;
  meanLoss: number | null;
  dp: { noiseMultiplier: number; delta: number; epsilon: number; order: number; noisyRounds: number } | null;
  reason: string | null;
  /** Calibrated rounds: the threshold, the quantile it is, and the checkpoint (path relative to the state dir). */
  calibration: {
    threshold: number;
    quantile: number;
    rows: number;
    checkpointFile: string;
    checkpointSha256: string;
    /** The kind's fitted statistic as merged from the clients' sums (null for a kind without one). */
    statistic: { tensor: string; items: number; value: number[] } | null;
  } | null;
  seconds: number;
}

/** The state a server resumes from. */
export interface ResumeState {
  last: RoundRecord;
  modelBytes: Uint8Array;
  /** Committed rounds in a row that were aborted at the end of the log. */
  abortedInARow: number;
  /** Rounds committed with noise (for the privacy accountant). */
  noisyRounds: number;
}

const pad = (n: number): string => String(n).padStart(6, '0');

/** The journal file of the open `round` in the server state dir `stateDir`. */
export function roundJournalPath(stateDir: string, round: number): string {
  return join(stateDir, 'pending', `round-${pad(round)}.journal`);
}

export class ServerStore {
  readonly dir: string;
  private lockFd: number | null = null;

  /** @throws InvalidOptionError when `dir` is not a writable directory (created when missing) */
  constructor(dir: string) {
    this.dir = dir;
    ensureOutputDir(dir, 'server: state dir');
    for (const sub of ['models', 'rounds', 'pending']) mkdirSync(join(dir, sub), { recursive: true });
  }

  /**
   * Takes `server.lock`; a lock left by a dead process (e.g. after kill -9) is taken over.
   * @throws InvalidOptionError when a live process holds it
   */
  lock(): void {
    const path = join(this.dir, 'server.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, `${process.pid}\n`);
        this.lockFd = fd;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(path, 'utf8').trim());
        if (Number.isSafeInteger(pid) && pid > 0 && processExists(pid)) {
          throw new InvalidOptionError(`${this.dir}: state dir must not be in use by another server, got pid ${pid} holding ${path}`, 'stateDir');
        }
        rmSync(path, { force: true });
      }
    }
    throw new InvalidOptionError(`${this.dir}: state dir lock ${path} must be obtainable, got a lock that keeps reappearing`, 'stateDir');
  }

  /** Releases the lock. */
  unlock(): void {
    if (this.lockFd === null) return;
    closeSync(this.lockFd);
    this.lockFd = null;
    rmSync(join(this.dir, 'server.lock'), { force: true });
  }

  /** The run's secret (created on first use): keys the DP noise and client sampling, so a restart repeats them. */
  secret(): Uint8Array {
    const path = join(this.dir, 'secret.key');
    if (!existsSync(path)) writeFileAtomic(path, randomBytes(32), { mode: 0o600 });
    const bytes = new Uint8Array(readFileSync(path));
    if (bytes.length !== 32) throw new FormatError(`${path}: secret must be 32 bytes, got ${bytes.length} (delete it only if no round was committed)`, path);
    return bytes;
  }

  /**
   * Reads the round log and the current model; with an empty log, commits `initial()` as round 0.
   * @throws FormatError naming the file for a corrupted round record or a model file that does not
   *   match its recorded hash
   */
  resume(initial: () => Uint8Array): ResumeState {
    const names = readdirSync(join(this.dir, 'rounds')).filter((n) => /^round-\d{6}\.json$/.test(n)).sort();
    if (names.length === 0) {
      const bytes = initial();
      const record = emptyRecord(0, 'initial', 0, this.writeModel(0, bytes), sha256Hex(bytes));
      this.commit(record);
      return { last: record, modelBytes: bytes, abortedInARow: 0, noisyRounds: 0 };
    }
    const records = names.map((n) => this.readRecord(join(this.dir, 'rounds', n)));
    const last = records.at(-1)!;
    const modelPath = join(this.dir, last.modelFile);
    const bytes = existsSync(modelPath) ? new Uint8Array(readFileSync(modelPath)) : null;
    if (bytes === null || sha256Hex(bytes) !== last.modelSha256) {
      throw new FormatError(`${modelPath}: global model must match the sha256 ${last.modelSha256.slice(0, 16)}… recorded in round ${last.round}, got ${bytes === null ? 'no file' : 'other bytes'}`, modelPath);
    }
    let abortedInARow = 0;
    for (let i = records.length - 1; i >= 0 && records[i]!.status === 'aborted'; i--) abortedInARow++;
    const noisyRounds = records.filter((r) => r.status === 'committed' && r.dp !== null).length;
    return { last, modelBytes: bytes, abortedInARow, noisyRounds };
  }

  /** Writes a model file (atomic) and returns its path relative to the state dir. */
  writeModel(version: number, bytes: Uint8Array): string {
    const rel = join('models', `global-${pad(version)}.safetensors`);
    writeFileAtomic(join(this.dir, rel), bytes);
    return rel;
  }

  /** Writes the server optimizer's moments after committing `version` (atomic); returns the path relative to the state dir. */
  writeOptimizer(version: number, bytes: Uint8Array): string {
    const rel = join('models', `server-optimizer-${pad(version)}.safetensors`);
    writeFileAtomic(join(this.dir, rel), bytes);
    return rel;
  }

  /**
   * The optimizer file a record names, checked against its hash.
   * @throws FormatError naming the file when it is missing or does not match
   */
  readOptimizer(record: RoundRecord): { bytes: Uint8Array; source: string } | null {
    if (record.optimizerFile === null) return null;
    const path = join(this.dir, record.optimizerFile);
    const bytes = existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
    if (bytes === null || sha256Hex(bytes) !== record.optimizerSha256) {
      throw new FormatError(`${path}: server optimizer state must match the sha256 ${String(record.optimizerSha256).slice(0, 16)}… recorded in round ${record.round}, got ${bytes === null ? 'no file' : 'other bytes'}`, path);
    }
    return { bytes, source: path };
  }

  /** Writes the final checkpoint (atomic) and returns its path relative to the state dir. */
  writeCheckpoint(bytes: Uint8Array): string {
    writeFileAtomic(join(this.dir, CHECKPOINT_FILE), bytes);
    return CHECKPOINT_FILE;
  }

  /** The commit point: writes the round record atomically, then drops the journals. */
  commit(record: RoundRecord): void {
    writeFileAtomic(join(this.dir, 'rounds', `round-${pad(record.round)}.json`), utf8(`${JSON.stringify(toDisk(record), null, 2)}\n`));
    this.clearPending();
  }

  /** The journal file of `round`. */
  journalPath(round: number): string {
    return roundJournalPath(this.dir, round);
  }

  /** The journaled uploads of `round`; journals of other rounds are removed. */
  pending(round: number): Uint8Array[] {
    const keep = `round-${pad(round)}.journal`;
    for (const d of readdirSync(join(this.dir, 'pending'))) if (d !== keep) rmSync(join(this.dir, 'pending', d), { recursive: true, force: true });
    const path = this.journalPath(round);
    if (existsSync(path) && statSync(path).size > MAX_JOURNAL_BYTES) throw new FormatError(`${path}: journal must be at most ${MAX_JOURNAL_BYTES} bytes, got ${statSync(path).size}`, path);
    return Journal.read(path);
  }

  /** Removes every journal. */
  clearPending(): void {
    for (const d of readdirSync(join(this.dir, 'pending'))) rmSync(join(this.dir, 'pending', d), { recursive: true, force: true });
  }

  private readRecord(path: string): RoundRecord {
    const size = statSync(path).size;
    if (size > MAX_RECORD_BYTES) throw new FormatError(`${path}: round record must be at most ${MAX_RECORD_BYTES} bytes, got ${size}`, path);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new FormatError(`${path}: round record must be JSON, got text that does not parse (corrupted state dir)`, path);
    }
    if (doc === null || typeof doc !== 'object' || doc.format !== ROUND_FORMAT || doc.version !== 1) {
      throw new FormatError(`${path}: round record must have format '${ROUND_FORMAT}' version 1, got ${doc !== null && typeof doc === 'object' ? describe(doc.format) : describe(doc)}`, path);
    }
    const record = fromDisk(doc);
    const ok = Number.isSafeInteger(record.round) && Number.isSafeInteger(record.modelVersion) && ['initial', 'committed', 'aborted', 'calibrated'].includes(record.status) &&
      typeof record.modelFile === 'string' && /^models[/\\]global-\d{6}\.safetensors$/.test(record.modelFile) && /^[0-9a-f]{64}$/.test(record.modelSha256) &&
      (record.optimizerFile === null || (/^models[/\\]server-optimizer-\d{6}\.safetensors$/.test(record.optimizerFile) && /^[0-9a-f]{64}$/.test(String(record.optimizerSha256))));
    if (!ok) throw new FormatError(`${path}: round record must hold round, status, model_version, model_file and model_sha256, got a record missing or mangling them`, path);
    return record;
  }
}

/** A record with nothing accepted. */
export function emptyRecord(round: number, status: RoundRecord['status'], modelVersion: number, modelFile: string, modelSha256: string): RoundRecord {
  return { round, status, modelVersion, modelFile, modelSha256, optimizerFile: null, optimizerSha256: null, mode: 'plain', aggregation: 'fedavg', accepted: [], missing: [], rejected: {}, rejections: [], aggregateNorm: null, stepNorm: null, meanLoss: null, dp: null, reason: null, calibration: null, seconds: 0 };
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function mapKeys(value: unknown, f: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, f));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), k === 'rejected' ? v : mapKeys(v, f)]));
  return value;
}

function toDisk(record: RoundRecord): unknown {
  return { format: ROUND_FORMAT, version: 1, ...(mapKeys(record, snake) as object) };
}

function fromDisk(doc: Record<string, unknown>): RoundRecord {
  const { format: _f, version: _v, ...rest } = doc;
  const record = mapKeys(rest, camel) as RoundRecord;
  // Records written before the server optimizer existed have no optimizer fields.
  return { ...record, optimizerFile: record.optimizerFile ?? null, optimizerSha256: record.optimizerSha256 ?? null, stepNorm: record.stepNorm ?? null, calibration: record.calibration ? { ...record.calibration, statistic: record.calibration.statistic ?? null } : null };
}

/**
 * `dadm score --format ndjson|csv`: lines of events in, one JSON line per event out, for pipes that
 * never end (`tail -F events.ndjson | dadm score ...`). Lines already in hand are scored together (up
 * to a batch); a line that arrives alone is scored alone, at once. Output is handed to `write` per
 * batch, and the next input is read only after `write`'s promise (back-pressure) resolves.
 */
import { DataError } from '../../errors.js';
import type { KnownDetector } from '../../models/index.js';
import type { ExplainedFeature } from '../explain.js';
import { loadScoringModel, type ScoreCompute, type ScoringModel } from '../score.js';
import { csvColumns, splitCsvLine } from './csv-line.js';
import { StreamScorer, type StreamScore } from './stream-scorer.js';

/** Input line formats: one JSON object per line, or CSV with a header line. */
export type LineFormat = 'ndjson' | 'csv';

/** Longest line read; a longer one is a bad line (and memory stays bounded on input without newlines). */
export const MAX_LINE_CHARS = 1 << 20;

/** Options of {@link scoreLines}. */
export interface ScoreLinesOptions extends ScoreCompute {
  /** A model file (checkpoint or .onnx), or a detector already loaded. */
  model: string | KnownDetector;
  /** The text, in chunks as they arrive (e.g. process.stdin). */
  input: AsyncIterable<Uint8Array | string>;
  /** Name of the input in messages. Default `<stdin>`. */
  source?: string;
  format: LineFormat;
  /** Receives output lines (each ending in `\n`); a returned promise holds the next read until it resolves. */
  write: (text: string) => void | Promise<void>;
  /** Features listed per line. Default 0 (none). */
  explain?: number;
  /** Input fields copied into each output line, e.g. a host id. */
  keep?: readonly string[];
  /** Throw a DataError at the first bad line instead of writing an error line for it. */
  failOnBadLine?: boolean;
  /** Rows scored together at most. Default 256. */
  batchRows?: number;
}

/** What {@link scoreLines} did. */
export interface ScoreLinesResult {
  /** Input lines read (blank lines included). */
  lines: number;
  scored: number;
  flagged: number;
  /** Lines that were not a usable record: each got an error line. */
  badLines: number;
  firstBadLine: { line: number; error: string } | null;
}

/** A line waiting for its batch to be scored: its number, kept fields, and an error or its row. */
interface Pending {
  line: number;
  kept: string;
  error: string | null;
}

/**
 * Scores every line of `opts.input` (see the file comment). Blank lines are skipped without output.
 * An output line is `{<kept fields>, "score": s, "flagged": b, "reasons": [...]}`, or for a bad line
 * `{"line": n, <kept fields>, "error": "..."}`.
 * @throws DataError at the first bad line with `failOnBadLine` (the lines before it are written)
 * @throws FormatError / InvalidOptionError for a model that cannot be loaded or bad options
 */
export async function scoreLines(opts: ScoreLinesOptions): Promise<ScoreLinesResult> {
  const scoring = loadScoringModel(opts.model, opts, 'score');
  try {
    return await scoreEachLine(opts, scoring);
  } finally {
    scoring.close();
  }
}

async function scoreEachLine(opts: ScoreLinesOptions, scoring: ScoringModel): Promise<ScoreLinesResult> {
  const { detector } = scoring;
  const scorer = new StreamScorer(scoring, { ...(opts.explain !== undefined ? { explain: opts.explain } : {}), ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}) });
  const source = opts.source ?? '<stdin>';
  const keep = opts.keep ?? [];
  const result: ScoreLinesResult = { lines: 0, scored: 0, flagged: 0, badLines: 0, firstBadLine: null };
  const pending: Pending[] = [];
  let columns: Int32Array | null = null;
  let header: string[] | null = null;

  const bad = (line: number, error: string, kept: string): void => {
    result.badLines++;
    if (result.firstBadLine === null) result.firstBadLine = { line, error };
    pending.push({ line, kept, error });
  };

  /** Scores the batch and writes one output line per pending line, in input order. */
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const scores: StreamScore[] = [];
    scorer.flush((_, s) => scores.push(s));
    let out = '';
    let k = 0;
    for (const p of pending) {
      let error = p.error;
      const s = error === null ? scores[k++]! : null;
      if (s !== null && !Number.isFinite(s.score)) {
        error = `score must be finite, got ${s.score} (values too large for the model)`;
        result.badLines++;
        result.firstBadLine ??= { line: p.line, error };
      }
      if (error !== null && opts.failOnBadLine === true) {
        // The lines before it are answered; the bad line ends the run with one error on stderr.
        await opts.write(out);
        throw new DataError(`${source}: line ${p.line} must be a usable record, got: ${error}`, source, { row: p.line });
      }
      if (error !== null) {
        out += errorLine(p.line, p.kept, error);
        continue;
      }
      result.scored++;
      if (s!.flagged) result.flagged++;
      out += scoreLine(p.kept, s!);
    }
    pending.length = 0;
    await opts.write(out);
  };

  const take = (text: string, line: number): void => {
    if (opts.format === 'csv') {
      const fields = splitCsvLine(text);
      if (typeof fields === 'string') return bad(line, fields, '');
      if (header === null) {
        header = fields.map((f) => f.trim());
        const cols = csvColumns(header, detector.schema);
        if (typeof cols === 'string') throw new DataError(`${source}: line ${line}: ${cols}`, source, { row: line });
        columns = cols;
        return;
      }
      const kept = keptCsv(keep, header, fields);
      const error = scorer.addFields(fields, columns!);
      if (error !== null) return bad(line, error, kept);
      pending.push({ line, kept, error: null });
      return;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      return bad(line, `line must be one JSON object, got ${(err as Error).message}`, '');
    }
    const kept = keptJson(keep, record);
    const error = scorer.add(record);
    if (error !== null) return bad(line, error, kept);
    pending.push({ line, kept, error: null });
  };

  const decoder = new TextDecoder();
  let carry = '';
  let skipping = false;
  for await (const chunk of opts.input) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      result.lines++;
      if (skipping) skipping = false;
      else takeLine(text.slice(start, nl), result.lines, take);
      start = nl + 1;
      if (pending.length >= scorer.capacity || scorer.full) await flush();
    }
    carry = text.slice(start);
    if (carry.length > MAX_LINE_CHARS) {
      result.lines++;
      bad(result.lines, `line must be at most ${MAX_LINE_CHARS} characters, got more`, '');
      carry = '';
      skipping = true;
    }
    // Everything in hand is scored now: a trickling stream waits for no one.
    await flush();
  }
  carry += decoder.decode();
  if (carry !== '' && !skipping) {
    result.lines++;
    takeLine(carry, result.lines, take);
  }
  await flush();
  return result;
}

/** Passes a non-blank line (without its `\r`) to `take`. */
function takeLine(raw: string, line: number, take: (text: string, line: number) => void): void {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() !== '') take(text, line);
}

/** `"field":value,` for each kept field the record has (JSON values as given). */
function keptJson(keep: readonly string[], record: unknown): string {
  if (keep.length === 0 || typeof record !== 'object' || record === null) return '';
  let out = '';
  for (const name of keep) {
    const v = (record as Record<string, unknown>)[name];
    if (v !== undefined) out += `${JSON.stringify(name)}:${JSON.stringify(v)},`;
  }
  return out;
}

/** `"column":"text",` for each kept column of a CSV row. */
function keptCsv(keep: readonly string[], header: readonly string[], fields: readonly string[]): string {
  let out = '';
  for (const name of keep) {
    const k = header.indexOf(name);
    if (k >= 0 && fields[k] !== undefined) out += `${JSON.stringify(name)}:${JSON.stringify(fields[k])},`;
  }
  return out;
}

function errorLine(line: number, kept: string, error: string): string {
  return `{"line":${line},${kept}"error":${JSON.stringify(error)}}\n`;
}

function scoreLine(kept: string, s: StreamScore): string {
  const reasons = s.reasons === undefined ? '' : `,"reasons":[${s.reasons.map(reasonJson).join(',')}]`;
  return `{${kept}"score":${float32Text(s.score)},"flagged":${s.flagged}${reasons}}\n`;
}

function reasonJson(f: ExplainedFeature): string {
  return `{"feature":${JSON.stringify(f.name)},"contribution":${float32Text(f.contribution)},"value":${JSON.stringify(f.value)}}`;
}

/** The shortest decimal that reads back as the same float32 (scores are float32; 17 digits would be noise). */
export function float32Text(x: number): string {
  const f = Math.fround(x);
  for (let p = 6; p <= 9; p++) {
    const s = f.toPrecision(p);
    // Number → String is the costly step: only a result with trailing zeros or an exponent needs it
    // (to print as JavaScript does, e.g. 0.5 not 0.500000); the usual 7-9 digit text is already that.
    if (p === 9 || Math.fround(Number(s)) === f) return s.charCodeAt(s.length - 1) === 48 || s.includes('e') ? String(Number(s)) : s;
  }
  return String(f);
}

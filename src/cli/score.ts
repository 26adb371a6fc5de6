/** `dadm score`: scores a .npy file, or a stream of NDJSON / CSV events, with a trained model. */
import { createReadStream, createWriteStream } from 'node:fs';
import { DadmError, UsageError } from '../errors.js';
import { STDIO_PATH, isStreamInput, openInputFile, writeNpy } from '../io/index.js';
import { OPERATING_FPRS, score, scoreLines, type LineFormat, type ScoreLinesResult } from '../pipeline/index.js';
import type { CliIo, CliStream, Command, OptionValues } from './command.js';
import { BACKEND_OPTION, JSON_OPTION, LIMITS_CONFIG_OPTION, QUIET_OPTION, THREADS_OPTION, choiceOption, computeOptions, configLimits, intOption, requiredString, stringOption } from './options.js';
import { fmt, printResult } from './output.js';
import { ProgressPrinter } from './progress.js';

const FORMATS = ['npy', 'ndjson', 'csv'] as const;
/** Flags that only a line format uses, and those only .npy uses (labels are a .npy per row). */
const LINE_FLAGS = ['explain', 'keep', 'fail-on-bad-line'] as const;
const NPY_FLAGS = ['labels', 'allow-invalid', 'hosts', 'timestamps', 'padded-output'] as const;

export const scoreCommand: Command = {
  name: 'score',
  summary: 'score a .npy file or a stream of NDJSON/CSV events with a trained model; with labels, report ROC-AUC and precision/recall',
  description:
    'Checks the data against the model\'s schema (width, finite values, zero padding), computes one anomaly\n' +
    'score per row (higher = more anomalous) and counts the rows above the model\'s threshold. With --labels\n' +
    '(0/1 per row) it reports ROC-AUC, average precision and precision/recall at the threshold.\n' +
    '--format ndjson (one JSON object per line) or csv (a header line, then one row per line) reads events\n' +
    'as they come (standard input unless --data names a file): the 12 endpoint-v1 features by name\n' +
    'in raw units (normalized here), or a "features" array for a schema: none model; it writes one JSON line\n' +
    'per event, {"score", "flagged"[, "reasons"]}, or {"line", "error"} for a line that is not a usable\n' +
    'event, and never stops at one. Lines already read are scored together, a lone line at once.\n' +
    'A transformer scores each row by the window of its host ending at it: give --hosts (one host id per\n' +
    'row); the first T-1 rows of a host are scored on a window left-padded with the host\'s first row and\n' +
    'flagged (--padded-output). A 3-D window file [N, T, features] gets one score per window.',
  options: [
    { name: 'model', type: 'string', value: 'FILE', description: 'model.safetensors written by dadm train, or a .onnx from export-onnx/quantize', required: true },
    { name: 'data', type: 'string', value: 'FILE', description: 'data .npy [rows, features], or the events of --format ndjson/csv', default: "'-' with --format ndjson/csv", stdio: 'read' },
    { name: 'format', type: 'string', value: 'NAME', description: 'npy, ndjson or csv', default: 'npy' },
    { name: 'output', type: 'string', value: 'FILE', description: 'npy: the scores as [rows] float32 .npy; ndjson/csv: the JSON lines', default: "none for npy, '-' for ndjson/csv", stdio: 'write-text' },
    { name: 'labels', type: 'string', value: 'FILE', description: 'npy: labels .npy [rows] of 0/1 (1 = anomaly)' },
    { name: 'hosts', type: 'string', value: 'FILE', description: 'npy: host ids .npy [rows] of integers (transformer with 2-D rows)' },
    { name: 'timestamps', type: 'string', value: 'FILE', description: 'npy, with --hosts: times .npy [rows] int64 or float64; each host\'s rows must be in time order' },
    { name: 'padded-output', type: 'string', value: 'FILE', description: 'npy, transformer: write [rows] uint8 .npy, 1 = the row\'s window was left-padded' },
    { name: 'explain', type: 'string', value: 'K', description: 'ndjson/csv: list the K features that drove each score (reconstruction share, or Shapley values for a forest)' },
    { name: 'keep', type: 'string', value: 'FIELDS', description: 'ndjson/csv: comma-separated input fields copied into each output line, e.g. host,time' },
    { name: 'fail-on-bad-line', type: 'boolean', description: 'ndjson/csv: stop with exit 1 at the first line that is not a usable event' },
    BACKEND_OPTION,
    { ...THREADS_OPTION, description: "threads scoring a checkpoint's rows: 'auto' or a count (default 1)" },
    {
      name: 'allow-invalid',
      type: 'boolean',
      description: 'npy: count rows the model gives no finite score (NaN/Inf) as invalid, NaN in --output, instead of failing',
    },
    LIMITS_CONFIG_OPTION,
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: [
    'score --model out/model.safetensors --data data.npy --output scores.npy --labels labels.npy',
    'score --model out-seq/model.safetensors --data seq.npy --hosts hosts.npy --output scores.npy',
    'score --model out/model.onnx --data - --output - < data.npy > scores.npy',
    'score --model out/model.onnx --format ndjson --explain 3 --keep host < events.ndjson',
    'score --model out/model.onnx --format csv --data events.csv --output scored.ndjson',
  ],
  run(values, io) {
    const format = choiceOption(values, 'format', FORMATS) ?? 'npy';
    if (format === 'npy') {
      const misplaced = LINE_FLAGS.find((f) => values[f] !== undefined);
      if (misplaced !== undefined) throw new UsageError(`--${misplaced} must be used with --format ndjson or csv, got --format npy`);
      return scoreNpy(values, io);
    }
    const npyOnly = NPY_FLAGS.find((f) => values[f] !== undefined);
    if (npyOnly !== undefined) throw new UsageError(`--${npyOnly} must be used with --format npy, got --format ${format}`);
    return scoreEvents(values, io, format);
  },
};

function scoreNpy(values: OptionValues, io: CliIo): number {
  const output = stringOption(values, 'output');
  const toStdout = output === STDIO_PATH;
  if (toStdout && io.stdout.isTTY === true) throw new UsageError('--output -: standard output must be a file or a pipe for binary .npy scores (redirect it: > scores.npy), got a terminal');
  const data = stringOption(values, 'data');
  if (data === undefined) throw new UsageError('--data must be given with --format npy, got nothing');
  const labels = stringOption(values, 'labels');
  const hosts = stringOption(values, 'hosts');
  const timestamps = stringOption(values, 'timestamps');
  const paddedOutput = stringOption(values, 'padded-output');
  const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
  let r;
  try {
    r = score({
      model: requiredString(values, 'model'),
      data,
      ...(output !== undefined && !toStdout ? { output } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(hosts !== undefined ? { hosts } : {}),
      ...(timestamps !== undefined ? { timestamps } : {}),
      ...(paddedOutput !== undefined ? { paddedOutput } : {}),
      ...computeOptions(values),
      ...(values['allow-invalid'] === true ? { nonFinite: 'invalid' as const } : {}),
      onProgress: progress.onProgress,
      ...configLimits(values, io),
    });
  } finally {
    progress.clear();
  }
  if (toStdout) io.stdout.write(writeNpy({ data: r.scores, shape: [r.scores.length] }));
  const { scores: _scores, ...summary } = r;
  const lines = [`scored ${r.rows} ${r.items} with the ${r.modelType}: ${r.flagged} (${(100 * r.flaggedFraction).toFixed(2)}%) above the threshold ${fmt(r.threshold)}`];
  if (r.paddedRows !== null) lines.push(`${r.paddedRows} rows (the first steps of each host) were scored on a left-padded window`);
  if (r.invalid > 0) lines.push(`${r.invalid} rows invalid: the model gave no finite score (NaN in the scores, not counted as flagged or normal)`);
  if (r.labels !== null) {
    const l = r.labels;
    lines.push(`ROC-AUC ${fmt(l.rocAuc)}, average precision ${fmt(l.averagePrecision)}; at the threshold precision ${fmt(l.precision)}, recall ${fmt(l.recall)}, F1 ${fmt(l.f1)} (${l.positives} labelled anomalies)`);
    l.operatingPoints.forEach((p, i) => lines.push(`  at FPR <= ${100 * OPERATING_FPRS[i]!}% (threshold ${fmt(p.threshold)}): precision ${fmt(p.precision)}, recall ${fmt(p.recall)}, F1 ${fmt(p.f1)}`));
    if (l.bestF1 !== null) lines.push(`  best F1 in hindsight ${fmt(l.bestF1.f1)} at threshold ${fmt(l.bestF1.threshold)} (precision ${fmt(l.bestF1.precision)}, recall ${fmt(l.bestF1.recall)})`);
  } else if (r.impliedFpr !== null) {
    lines.push(`expected false-positive rate at the threshold: ${(100 * r.impliedFpr).toFixed(2)}% of normal rows (estimated at training)`);
  }
  if (r.output !== null) lines.push(`wrote ${r.output}`);
  printResult(io, values, { ...summary, output: toStdout ? STDIO_PATH : r.output }, lines, toStdout ? 'stderr' : 'stdout');
  return 0;
}

async function scoreEvents(values: OptionValues, io: CliIo, format: LineFormat): Promise<number> {
  const explain = intOption(values, 'explain', 1);
  const keep = stringOption(values, 'keep')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const data = stringOption(values, 'data') ?? STDIO_PATH;
  const output = stringOption(values, 'output') ?? STDIO_PATH;
  const input = eventInput(data, io);
  const file = output === STDIO_PATH ? null : createWriteStream(output);
  const out: CliStream = file ?? io.stdout;
  let r: ScoreLinesResult;
  try {
    r = await scoreLines({
      model: requiredString(values, 'model'),
      input,
      source: data === STDIO_PATH ? '<stdin>' : data,
      format,
      ...computeOptions(values),
      write: sinkOf(out),
      ...(explain !== undefined ? { explain } : {}),
      ...(keep !== undefined ? { keep } : {}),
      failOnBadLine: values['fail-on-bad-line'] === true,
      ...configLimits(values, io),
    });
  } catch (err) {
    // The reader of our output went away (`| head`): its choice, not a failure.
    if (err instanceof OutputClosed) return 0;
    throw err;
  } finally {
    if (file !== null) await new Promise((resolve) => file.end(resolve));
  }
  const where = output === STDIO_PATH ? 'standard output' : output;
  const lines = [`scored ${r.scored} of ${r.lines} lines: ${r.flagged} flagged; wrote ${where}`];
  if (r.badLines > 0) lines.push(`warning: ${r.badLines} bad ${r.badLines === 1 ? 'line' : 'lines'} answered with an error line (first: line ${r.firstBadLine!.line}: ${r.firstBadLine!.error})`);
  printResult(io, values, r, lines, 'stderr');
  return 0;
}

/**
 * The events to read: standard input for `-` (or a piped /dev/stdin), else a regular file through the
 * checked open, so a FIFO named by path is refused as for .npy data instead of blocking.
 */
function eventInput(data: string, io: CliIo): AsyncIterable<Uint8Array | string> {
  if (!isStreamInput(data)) {
    const { fd } = openInputFile(data, { option: '--data', what: 'events file', sizeLimit: null });
    return createReadStream('', { fd });
  }
  if (io.stdin === undefined) throw new UsageError(`--data ${data}: standard input must be readable, got none`);
  return io.stdin;
}

/** Thrown by {@link sinkOf} when the output stream closed before a write could finish. */
class OutputClosed extends DadmError {}

/** A `write` for scoreLines: resolves at once, or after 'drain' when the stream's buffer is full. */
function sinkOf(stream: CliStream): (text: string) => void | Promise<void> {
  return (text) => {
    if (text === '' || stream.write(text) !== false || stream.once === undefined) return;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        stream.off?.('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        stream.off?.('drain', onDrain);
        reject(new OutputClosed('score: output must stay open, got it closed by its reader'));
      };
      stream.once!('drain', onDrain);
      stream.once!('close', onClose);
    });
  };
}

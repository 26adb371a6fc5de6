/**
 * An endpoint agent's scoring loop on dadm's runtime alone (docs/edge.md): load the model once, score
 * every event, reload a new model atomically, treat a non-finite score as an alert.
 *
 *   node edge-agent.mjs model.onnx [--features D] [--window T] < events.ndjson > alerts.ndjson
 *
 * Each input line is a JSON array of D features (default 64, normalized as the model expects). Each
 * output line is `{"event":n,"score":s,"flagged":b}`, with `"reason"` for a non-finite score and
 * `"error"` for an event that could not be scored. `kill -HUP <pid>` reloads the model file; so does a
 * new file renamed over it. With `--window T` the model takes `[1, T, D]` windows of the last T events
 * (the transformer's input; `[1, T, 64]` for the endpoint schema).
 */
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { loadOnnx } from 'dadm/runtime';

/**
 * Loads a model file completely (decode, checks, plan) and smoke-scores a zero input, so a model that
 * cannot serve this agent fails here and never replaces a working one.
 */
export function loadScorer(path, { features, window = 0 }) {
  const model = loadOnnx(path);
  const threshold = Number(model.metadata['dadm.threshold']);
  if (!Number.isFinite(threshold)) {
    throw new Error(`${path}: metadata dadm.threshold must be a finite number, got ${model.metadata['dadm.threshold']}`);
  }
  const scorer = window > 0 ? new WindowScorer(model, { steps: window, features }) : new RowScorer(model);
  const zero = scorer.score(new Float32Array(window > 0 ? window * features : features));
  if (!Number.isFinite(zero)) throw new Error(`${path}: the score of an all-zero input must be finite, got ${zero}`);
  return { scorer, threshold, path };
}

/** One row per score: `model.score(row)` runs the planned graph without allocating. */
export class RowScorer {
  constructor(model) {
    this.model = model;
  }

  score(row) {
    return this.model.score(row);
  }

  /** The score of `row` (a window scorer returns null while its window is filling). */
  push(row) {
    return this.score(row);
  }
}

/**
 * The last `steps` rows in a ring buffer; each push copies them oldest-first into one preallocated
 * `[1, steps, features]` window and scores it with `model.score(window)`, which takes a model's one
 * `[batch, T, D]` input as T x D values and, like a row's score, allocates nothing.
 */
export class WindowScorer {
  constructor(model, { steps, features }) {
    this.model = model;
    this.steps = steps;
    this.features = features;
    this.ring = new Float32Array(steps * features);
    this.window = new Float32Array(steps * features);
    this.next = 0;
    this.filled = 0;
  }

  push(row) {
    if (row.length !== this.features) throw new Error(`window: row must have ${this.features} values, got ${row.length}`);
    this.ring.set(row, this.next * this.features);
    this.next = (this.next + 1) % this.steps;
    this.filled = Math.min(this.filled + 1, this.steps);
    if (this.filled < this.steps) return null;
    // Oldest row first: the slots from `next` to the end, then those before it.
    const split = this.next * this.features;
    this.window.set(this.ring.subarray(split), 0);
    this.window.set(this.ring.subarray(0, split), this.ring.length - split);
    return this.score(this.window);
  }

  score(window) {
    return this.model.score(window);
  }
}

export class EdgeAgent {
  constructor(path, { features, window = 0 }) {
    this.options = { features, window };
    this.current = loadScorer(path, this.options);
    this.stats = { events: 0, alerts: 0, nonFinite: 0, errors: 0, reloads: 0, failedReloads: 0 };
    this.lastReloadError = null;
  }

  /** Scores one event; never throws, so one bad event cannot stop the agent. */
  handle(row) {
    const event = this.stats.events++;
    const { scorer, threshold } = this.current;
    let score;
    try {
      score = scorer.push(row);
    } catch (e) {
      // DataError: a wrong width, or a NaN/Inf feature (the runtime refuses non-finite inputs).
      this.stats.errors++;
      return { event, error: e.message };
    }
    if (score === null) return { event, score: null, flagged: false, reason: 'window filling' };
    if (!Number.isFinite(score)) {
      // NaN > threshold is false: comparing would call it normal. Fail closed and count it.
      this.stats.nonFinite++;
      this.stats.alerts++;
      return { event, score: null, flagged: true, reason: 'non-finite score' };
    }
    const flagged = score > threshold;
    if (flagged) this.stats.alerts++;
    return { event, score, flagged };
  }

  /**
   * Loads `path` beside the current model and swaps only when it loaded completely; otherwise the
   * current model keeps scoring. Events never see a half-loaded model: JavaScript runs `handle` and
   * `reload` one at a time, and the swap is one assignment.
   */
  reload(path = this.current.path) {
    try {
      const next = loadScorer(path, this.options);
      this.current = next;
      this.stats.reloads++;
      return true;
    } catch (e) {
      this.stats.failedReloads++;
      this.lastReloadError = e.message;
      return false;
    }
  }
}

/** Reads NDJSON rows from `input`, writes one NDJSON result per row to `output`; returns the stats. */
export async function main(args, { input = process.stdin, output = process.stdout, log = process.stderr } = {}) {
  const path = args[0];
  const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const agent = new EdgeAgent(path, { features: option('--features', 64), window: option('--window', 0) });
  const onHup = () => agent.reload() || log.write(`reload failed, the previous model keeps scoring: ${agent.lastReloadError}\n`);
  process.on('SIGHUP', onHup);
  // A new model written elsewhere and renamed over `path` replaces it in one step (see docs/edge.md).
  const watcher = watch(dirname(path), (_, name) => name === basename(path) && onHup());
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      let row;
      try {
        row = Float32Array.from(JSON.parse(line));
      } catch (e) {
        output.write(`${JSON.stringify({ event: agent.stats.events++, error: `line must be a JSON array of numbers: ${e.message}` })}\n`);
        agent.stats.errors++;
        continue;
      }
      output.write(`${JSON.stringify(agent.handle(row))}\n`);
    }
  } finally {
    process.off('SIGHUP', onHup);
    watcher.close();
  }
  log.write(`${JSON.stringify(agent.stats)}\n`);
  return agent.stats;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}

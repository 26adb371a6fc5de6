/** `dadm demo`: the whole pipeline on synthetic data in one directory. */
import { demo, plural, type DemoSummary, type SimulateResult } from '../pipeline/index.js';
import type { Command } from './command.js';
import { JSON_OPTION, QUIET_OPTION, intOption, numberOption, stringOption } from './options.js';
import { fmt, printResult } from './output.js';
import { ProgressPrinter } from './progress.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole pipeline on labelled synthetic data and summarize, in one directory',
  description:
    'Runs, in one directory: gen-data (with anomalies, labels and attack types), train (default config),\n' +
    'score on the same data, export-onnx, quantize (int8, checked against the float model), drift (a fresh\n' +
    'and a shifted batch against the training reference) and explain (exact Shapley values for the\n' +
    'top flagged rows of each attack type, reconstruction attribution for every flagged attack row, and\n' +
    'how often the top features are the ones the attack changed), the transformer on per-host series with\n' +
    'sequence attacks beside the autoencoder on the same rows (ROC-AUC of each), then a small federated run (a server\n' +
    'and 4 client processes on 127.0.0.1, split by host, beside centralized training). Prints what each step found; every\n' +
    'intermediate file stays in --out-dir for inspection.',
  options: [
    { name: 'out-dir', type: 'string', value: 'DIR', description: 'directory for every file', default: 'demo-out' },
    { name: 'rows', type: 'string', value: 'N', description: 'rows of synthetic data', default: '20000' },
    { name: 'anomaly-rate', type: 'string', value: 'P', description: 'share of attack rows', default: '0.02' },
    { name: 'seed', type: 'string', value: 'N', description: 'seed of data and training', default: '0' },
    QUIET_OPTION,
    JSON_OPTION,
  ],
  examples: ['demo --out-dir demo-out'],
  async run(values, io) {
    const progress = new ProgressPrinter(io.stderr, values.quiet !== true);
    const quiet = values.quiet === true;
    let s;
    try {
      s = await demo({
        outDir: stringOption(values, 'out-dir') ?? 'demo-out',
        rows: intOption(values, 'rows', 2) ?? 20000,
        anomalyRate: numberOption(values, 'anomaly-rate', 0, 1) ?? 0.02,
        seed: intOption(values, 'seed', 0) ?? 0,
        onProgress: progress.onProgress,
        onStep: (name) => {
          progress.clear();
          if (!quiet) io.stderr.write(`== ${name}\n`);
        },
      });
    } finally {
      progress.clear();
    }
    const lines = demoLines(s);
    const summary = {
      outDir: s.outDir,
      data: s.data,
      train: s.train && { files: s.train.files, metrics: s.train.metrics },
      score: s.score && { ...s.score, scores: undefined },
      exportOnnx: s.exportOnnx,
      quantize: s.quantize,
      drift: s.drift,
      explain: s.explain,
      sequence: s.sequence,
      federated: s.federated && { rounds: s.federated.rounds, final: s.federated.final, centralized: s.federated.centralized, serverStatus: s.federated.serverStatus },
      report: s.report,
      seconds: s.seconds,
    };
    printResult(io, values, summary, lines);
    return 0;
  },
};

/** The demo's summary as printed: one line (or block) per step that ran, and what the threshold trades. */
export function demoLines(s: DemoSummary): string[] {
  const lines = [`demo in ${s.outDir}:`];
  if (s.data) lines.push(`  data      ${s.data.rows} rows, ${s.data.anomalies} injected attacks`);
  if (s.train) lines.push(`  model     ${s.train.metrics.modelType}, threshold ${fmt(s.train.metrics.threshold)}, ${plural(s.train.metrics.epochs.length, 'epoch')}`);
  if (s.score?.labels) {
    const l = s.score.labels;
    lines.push(`  detection ROC-AUC ${fmt(l.rocAuc)}, average precision ${fmt(l.averagePrecision)}, precision ${fmt(l.precision)} / recall ${fmt(l.recall)} at the threshold`);
    // The threshold is a choice, not a property of the model: say what it trades.
    const fpr = s.train ? ` (about ${(100 * s.train.metrics.flaggedFraction).toFixed(1)}% of validation rows above it)` : '';
    lines.push(`  threshold a false-alarm budget${fpr}: a lower one (threshold.method target_fpr, threshold.target_fpr) catches more attacks and flags more normal hosts`);
  }
  if (s.exportOnnx) lines.push(`  onnx      ${s.exportOnnx.output}, ${s.exportOnnx.bytes} bytes, runtime matches the checkpoint (max diff ${fmt(s.exportOnnx.selfCheck.maxAbsDiff)})`);
  if (s.quantize?.check) {
    const c = s.quantize.check;
    lines.push(`  int8      ${s.quantize.output}, ${s.quantize.bytesAfter} bytes; ROC-AUC ${fmt(c.quantRocAuc)} vs float ${fmt(c.floatRocAuc)}, Spearman ${c.spearman.toFixed(4)}, ${(100 * (c.flipFraction ?? 0)).toFixed(2)}% decisions flipped`);
  }
  if (s.drift) {
    const d = s.drift;
    lines.push(`  drift     fresh batch: ${d.unshifted.verdict}; batch with +${d.shift} on ${d.shiftedFeatures.join(', ')}: ${d.shifted.verdict}`);
  }
  if (s.explain) lines.push(...explainLines(s.explain));
  if (s.sequence) {
    const q = s.sequence;
    lines.push(`  sequence  ${q.hosts} hosts x ${q.steps} steps, ${q.anomalies} attack steps (slow exfiltration, beaconing, staged intrusion, behaviour switch): ROC-AUC transformer ${fmt(q.transformerAuc)} (trained in ${q.transformerSeconds.toFixed(1)} s) vs per-row autoencoder ${fmt(q.autoencoderAuc)} on the same rows`);
  }
  if (s.federated) lines.push(federatedLine(s.federated));
  if (s.report) lines.push(`  report    ${s.report.output} (${Math.ceil(s.report.bytes / 1024)} KiB): open it in a browser`);
  return lines;
}

type DemoExplain = NonNullable<DemoSummary['explain']>;

/** The explain step: a few rows (the top one per attack type) and the hit rates per method. */
function explainLines(e: DemoExplain): string[] {
  const lines = [
    `  explain   ${e.flagged} rows flagged, ${e.flaggedAttacks} of them attacks; shap (exact, ${e.backgroundRows} background rows) on ${e.shap.rows.length} top flagged attack rows in ${e.shap.seconds.toFixed(1)} s`,
  ];
  const shown = new Set<string>();
  for (const r of e.shap.rows) {
    if (shown.has(r.attackType)) continue;
    shown.add(r.attackType);
    const top = r.top.map((f) => `${f.name} ${fmt(f.contribution)}`).join(', ');
    lines.push(`            row ${r.row}  score ${fmt(r.score)}  ${r.attackType}: ${top}`);
  }
  lines.push('            rows whose top-1 / top-3 features include one the attack changed:');
  lines.push(`              ${'method'.padEnd(15)}${'attack'.padEnd(21)}${'rows'.padStart(5)}${'top-1'.padStart(8)}${'top-3'.padStart(8)}`);
  const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(0)}%`);
  for (const m of e.reconstruction ? [e.shap, e.reconstruction] : [e.shap]) {
    for (const h of m.hitRates) {
      lines.push(`              ${m.method.padEnd(15)}${h.attackType.padEnd(21)}${String(h.rows).padStart(5)}${pct(h.top1, h.rows).padStart(8)}${pct(h.top3, h.rows).padStart(8)}`);
    }
  }
  return lines;
}

/** The demo's federated line: final ROC-AUC beside the centralized one. */
function federatedLine(r: SimulateResult): string {
  const auc = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(4));
  const central = r.centralized?.labels?.rocAuc;
  return `  federated ${r.clients.length} client processes, ${r.rounds.filter((x) => x.status === 'committed').length} rounds (server ${r.serverStatus}): ROC-AUC ${auc(r.final.checkpoint?.labels?.rocAuc ?? r.final.auc)} vs centralized ${auc(central)}; ${r.files.stateDir}`;
}

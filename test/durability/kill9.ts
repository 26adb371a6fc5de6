/**
 * `npm run durability -- [--trials N] [--seed N] [--dir DIR]`: the kill -9 durability check.
 *
 * Each trial starts one writing command of the CLI (train, export-onnx, quantize, score --output,
 * gen-data) in a folder that already holds a complete earlier output, kills it with SIGKILL after a
 * random delay, and checks the folder: every file under a final name is complete (it parses as what
 * it claims to be: old or new content, never a truncated one), and the train set is one run's (a set
 * whose files carry different training ids counts only if readers refuse it). Then the same command
 * runs to the end, as "the next command in that folder", and no temporary file may be left.
 * test/durability/kill9.test.ts runs a handful of trials in CI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInputFile, readNpyFile } from '../../src/io/index.js';
import { CHECKPOINT_CHECKSUM_KEY, decodeModelFile, readCheckpoint } from '../../src/models/index.js';
import { exportOnnx, generateData, loadConfig, readDriftReference, train } from '../../src/pipeline/index.js';
import { Random } from '../../src/tensor/index.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'src', 'cli.ts');

/** The commands a trial kills, with the folder they write to and the final names they write. */
interface WritingCommand {
  name: string;
  argv: (dir: string, trial: number) => string[];
  folder: (dir: string) => string;
}

const COMMANDS: readonly WritingCommand[] = [
  {
    name: 'train',
    argv: (d, t) => ['train', '--data', join(d, 'data.npy'), '--out-dir', join(d, 'out'), '--config', join(d, 'config.yaml'), '--seed', String(t), '--quiet'],
    folder: (d) => join(d, 'out'),
  },
  { name: 'export-onnx', argv: (d) => ['export-onnx', '--checkpoint', join(d, 'out', 'model.safetensors'), '--output', join(d, 'onnx', 'model.onnx'), '--quiet'], folder: (d) => join(d, 'onnx') },
  {
    name: 'quantize',
    argv: (d) => ['quantize', '--model', join(d, 'onnx', 'model.onnx'), '--output', join(d, 'onnx', 'model_int8.onnx'), '--all-nodes', '--quiet'],
    folder: (d) => join(d, 'onnx'),
  },
  {
    name: 'score',
    argv: (d) => ['score', '--model', join(d, 'out', 'model.safetensors'), '--data', join(d, 'data.npy'), '--output', join(d, 'scores', 'scores.npy'), '--quiet'],
    folder: (d) => join(d, 'scores'),
  },
  {
    name: 'gen-data',
    argv: (d, t) => ['gen-data', '--rows', '300000', '--seed', String(t), '--anomaly-rate', '0.02', '--out', join(d, 'gen', 'data.npy'), '--labels', join(d, 'gen', 'labels.npy'), '--quiet'],
    folder: (d) => join(d, 'gen'),
  },
];

/** What one trial found. */
export interface TrialResult {
  command: string;
  /** Milliseconds after the start when SIGKILL was sent. */
  killAfterMs: number;
  /** Whether the command was still running when killed. */
  killed: boolean;
  /** Files under final names that did not parse, temp files left after the next command, a mixed set readers accepted, a failed rerun. */
  problems: string[];
  /** A train set whose files carry different training ids (refused by readers, so not a problem). */
  mixedSetRefused: boolean;
}

/** Prepares `dir`: data, a config, and one complete output of every command. */
export function prepareDurabilityDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const sub of ['onnx', 'scores', 'gen']) mkdirSync(join(dir, sub), { recursive: true });
  generateData({ rows: 4000, out: join(dir, 'data.npy'), seed: 1 });
  writeFileSync(join(dir, 'config.yaml'), 'autoencoder:\n  hidden_dims: [16, 4]\ntraining:\n  epochs: 3\n  batch_size: 64\n');
  train({ data: join(dir, 'data.npy'), outDir: join(dir, 'out'), config: loadConfig(join(dir, 'config.yaml')), epochs: 1 });
  exportOnnx({ checkpoint: join(dir, 'out', 'model.safetensors'), output: join(dir, 'onnx', 'model.onnx') });
}

function runCli(argv: readonly string[], killAfterMs: number | null): Promise<{ code: number | null; killed: boolean; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...argv], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer =
      killAfterMs === null
        ? null
        : setTimeout(() => {
            killed = child.exitCode === null;
            child.kill('SIGKILL');
          }, killAfterMs);
    child.on('exit', (code) => {
      if (timer !== null) clearTimeout(timer);
      done({ code, killed, stderr });
    });
  });
}

/** Problems with the files under final names in `folder` (each must parse as what its name says). */
function checkFinalFiles(folder: string): string[] {
  const problems: string[] = [];
  for (const name of readdirSync(folder)) {
    if (name.startsWith('.')) continue;
    const path = join(folder, name);
    try {
      if (name.endsWith('.npy')) readNpyFile(path);
      else if (name.endsWith('.safetensors')) readCheckpoint(path);
      else if (name.endsWith('.npz')) readDriftReference(path);
      else if (name.endsWith('.onnx')) decodeModelFile(path);
      else if (name.endsWith('.json')) JSON.parse(new TextDecoder().decode(readInputFile(path)));
    } catch (err) {
      problems.push(`${path}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Whether out/ holds files of two runs; such a set must be refused by drift. */
function mixedTrainSet(folder: string): boolean {
  const model = join(folder, 'model.safetensors');
  const reference = join(folder, 'drift_reference.npz');
  const metrics = join(folder, 'metrics.json');
  if (!existsSync(model) || !existsSync(reference) || !existsSync(metrics)) return false;
  const id = readCheckpoint(model).metadata[CHECKPOINT_CHECKSUM_KEY];
  const refId = readDriftReference(reference).trainingId;
  const metricsId = (JSON.parse(readFileSync(metrics, 'utf8')) as { training_id?: string }).training_id;
  return id !== refId || id !== metricsId;
}

/**
 * Runs `trials` trials in `dir` (prepared with {@link prepareDurabilityDir}), cycling through the
 * commands; delays are drawn from `Random(seed)` in [0, maxDelayMs).
 */
export async function runDurabilityTrials(opts: { dir: string; trials: number; seed: number; maxDelayMs?: number }): Promise<TrialResult[]> {
  const rng = new Random(opts.seed);
  const results: TrialResult[] = [];
  for (let t = 0; t < opts.trials; t++) {
    const cmd = COMMANDS[t % COMMANDS.length]!;
    const argv = cmd.argv(opts.dir, t + 1);
    const folder = cmd.folder(opts.dir);
    const killAfterMs = Math.floor(rng.uniform() * (opts.maxDelayMs ?? 4000));
    const killedRun = await runCli(argv, killAfterMs);
    const problems = checkFinalFiles(folder);
    let mixedSetRefused = false;
    if (cmd.name === 'train' && mixedTrainSet(folder)) {
      const drift = await runCli(['drift', '--reference', join(folder, 'drift_reference.npz'), '--current', join(opts.dir, 'data.npy'), '--model', join(folder, 'model.safetensors')], null);
      if (drift.code === 1 && /files of two train runs/.test(drift.stderr)) mixedSetRefused = true;
      else problems.push(`${folder}: a mixed train set was accepted by drift`);
    }
    const next = await runCli(argv, null);
    if (next.code !== 0) problems.push(`the next ${cmd.name} exited ${next.code}: ${next.stderr.trim()}`);
    const temps = readdirSync(folder).filter((n) => n.endsWith('.tmp'));
    if (temps.length > 0) problems.push(`${folder}: temporary files left after the next command: ${temps.join(', ')}`);
    problems.push(...checkFinalFiles(folder));
    results.push({ command: cmd.name, killAfterMs, killed: killedRun.killed, problems, mixedSetRefused });
  }
  return results;
}

function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const trials = Number(argValue(args, '--trials') ?? '10');
  const seed = Number(argValue(args, '--seed') ?? '1');
  const dir = argValue(args, '--dir') ?? join(tmpdir(), `dadm-durability-${process.pid}`);
  prepareDurabilityDir(dir);
  const results = await runDurabilityTrials({ dir, trials, seed });
  let failed = 0;
  for (const r of results) {
    const state = r.killed ? `killed after ${r.killAfterMs} ms` : `finished before ${r.killAfterMs} ms`;
    process.stdout.write(`${r.command.padEnd(12)} ${state}${r.mixedSetRefused ? ' (mixed set, refused)' : ''}: ${r.problems.length === 0 ? 'ok' : r.problems.join('; ')}\n`);
    if (r.problems.length > 0) failed++;
  }
  const killed = results.filter((r) => r.killed).length;
  process.stdout.write(`${results.length} trials (${killed} killed mid-run), ${failed} with problems; folder ${dir}\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

/**
 * `npm run fuzz -- --runs N [--target NAME[,NAME]] [--from N] [--batch N] [--timeout MS] [--memory MIB] [--small-limits] [--show]`
 *
 * Runs N inputs per target (default every target) in batches, each batch in a child process
 * (worker.ts) with `--max-old-space-size` at half of `--memory`. A watchdog reads the child's progress line by line and its
 * resident memory from /proc: an input that runs past `--timeout` (default 30 s) is a **hang**, one that
 * takes the process past `--memory` MiB (default 3072) or out of heap is a **memory blowup**; either way
 * the child is killed and the batch goes on after that input. Every input is classified as accepted,
 * typed error, untyped error, hang or memory blowup; the summary lists the input numbers of the last
 * three, so `--target NAME --from <n> --runs 1 --show` reproduces one in-process with its stack.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildSeeds, loadSeeds } from './seeds.js';
import { SMALL_LIMITS, TARGETS, classify, makeSandbox, targetNamed, type FuzzTarget } from './targets.js';

interface Options {
  runs: number;
  targets: FuzzTarget[];
  from: number;
  batch: number;
  timeoutMs: number;
  memoryMiB: number;
  show: boolean;
  smallLimits: boolean;
}

type Kind = 'accepted' | 'typed' | 'untyped' | 'hang' | 'blowup';

interface Tally {
  counts: Record<Kind, number>;
  findings: string[];
  /** Inputs that took over a second (bounded, but worth a look). */
  slow: number;
  slowest: { n: number; ms: number };
  peakMiB: { n: number; mib: number };
}

const WORKER = new URL('./worker.ts', import.meta.url).pathname;
const WORK_DIR = join(tmpdir(), `dadm-fuzz-${process.getuid?.() ?? 'user'}`);

function parseArgs(argv: readonly string[]): Options {
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`fuzz: ${flag} must be a non-negative integer, got ${argv[i + 1]}`);
    return v;
  };
  const t = argv.indexOf('--target');
  const names = t < 0 ? TARGETS.map((x) => x.name) : (argv[t + 1] ?? '').split(',');
  const targets = names.map((n) => targetNamed(n) ?? fail(`fuzz: --target must be among ${TARGETS.map((x) => x.name).join(', ')}, got ${n}`));
  return { runs: value('--runs', 1000), targets, from: value('--from', 0), batch: Math.max(1, value('--batch', 5000)), timeoutMs: value('--timeout', 30_000), memoryMiB: value('--memory', 3072), show: argv.includes('--show'), smallLimits: argv.includes('--small-limits') };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Resident memory of a process in MiB, from /proc (0 when unknown). */
function rssMiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Runs inputs [from, end) in one child; resolves with the first input not yet classified (end when the
 * batch finished, the input after a killed one otherwise).
 */
function runBatch(target: FuzzTarget, range: { from: number; end: number }, opts: Options, tally: Tally): Promise<number> {
  return new Promise((resolve) => {
    // Half the memory limit for the JS heap, so garbage alone never takes the process past the RSS watchdog.
    const args = ['--import', 'tsx', `--max-old-space-size=${Math.max(64, Math.floor(opts.memoryMiB / 2))}`, WORKER, target.name, String(range.from), String(range.end - range.from), join(WORK_DIR, 'seeds'), WORK_DIR, opts.smallLimits ? 'small' : 'default'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let current: number | undefined;
    let killedFor: Kind | undefined;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = (kind: Kind): void => {
      if (killedFor !== undefined) return;
      killedFor = kind;
      child.kill('SIGKILL');
    };
    const memoryWatch = setInterval(() => {
      if (rssMiB(child.pid ?? 0) > opts.memoryMiB) kill('blowup');
    }, 100);
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [tag, n, outcome, ms, peak] = line.split(' ');
      if (tag === 'start') {
        current = Number(n);
        clearTimeout(timer);
        timer = setTimeout(() => kill('hang'), opts.timeoutMs);
      } else if (tag === 'untyped') {
        tally.findings.push(`untyped #${n}: ${JSON.parse(line.slice(line.indexOf(' ', 8) + 1)) as string}`);
      } else if (tag === 'end') {
        clearTimeout(timer);
        current = undefined;
        const kind = Number(peak) > opts.memoryMiB ? 'blowup' : (outcome as Kind);
        tally.counts[kind]++;
        if (kind === 'blowup') tally.findings.push(`blowup #${n}: peak RSS rose ${peak} MiB`);
        if (Number(ms) > 1000) tally.slow++;
        if (Number(ms) > tally.slowest.ms) tally.slowest = { n: Number(n), ms: Number(ms) };
        if (Number(peak) > tally.peakMiB.mib) tally.peakMiB = { n: Number(n), mib: Number(peak) };
      }
    });
    child.on('close', (code, signal) => {
      clearInterval(memoryWatch);
      clearTimeout(timer);
      if (current === undefined) {
        if (code !== 0) tally.findings.push(`worker exited with ${code ?? signal} outside an input: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        resolve(range.end);
        return;
      }
      const oom = /heap out of memory|Reached heap limit|Invalid array length|allocation failed/i.test(stderr);
      const kind: Kind = killedFor ?? (oom || signal === 'SIGABRT' || code === 134 ? 'blowup' : 'untyped');
      tally.counts[kind]++;
      tally.findings.push(`${kind} #${current}: ${killedFor === 'hang' ? `no result after ${opts.timeoutMs} ms` : killedFor === 'blowup' ? `RSS over ${opts.memoryMiB} MiB` : `process died (${code ?? signal}): ${stderr.trim().split('\n').slice(-2).join(' | ')}`}`);
      resolve(current + 1);
    });
  });
}

async function fuzzTarget(target: FuzzTarget, opts: Options): Promise<Tally> {
  const tally: Tally = { counts: { accepted: 0, typed: 0, untyped: 0, hang: 0, blowup: 0 }, findings: [], slow: 0, slowest: { n: -1, ms: 0 }, peakMiB: { n: -1, mib: 0 } };
  const end = opts.from + opts.runs;
  for (let n = opts.from; n < end; ) n = await runBatch(target, { from: n, end: Math.min(end, n + opts.batch) }, opts, tally);
  return tally;
}

/** `--show`: runs the inputs in this process and prints each outcome with its stack. */
function show(opts: Options): void {
  const ctx = { seeds: loadSeeds(join(WORK_DIR, 'seeds')), sandbox: makeSandbox(WORK_DIR), limits: opts.smallLimits ? SMALL_LIMITS : undefined };
  for (const target of opts.targets) {
    for (let n = opts.from; n < opts.from + opts.runs; n++) {
      const input = target.generate(n, ctx);
      const result = classify(target, input, ctx);
      const detail = result.outcome === 'untyped' ? `\n${(result.error as Error)?.stack}` : '';
      process.stdout.write(`${target.name} #${n} (${typeof input === 'string' ? `${input.length} chars` : `${input.length} bytes`}): ${result.outcome}${detail}\n`);
    }
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  buildSeeds(join(WORK_DIR, 'seeds'));
  if (opts.show) return show(opts);
  process.stdout.write(`fuzz: ${opts.runs} inputs per target from #${opts.from}, batches of ${opts.batch}, timeout ${opts.timeoutMs} ms, memory ${opts.memoryMiB} MiB\n`);
  process.stdout.write('target            inputs  accepted     typed  untyped  hang  blowup   seconds  >1 s  slowest (ms #n)  peak MiB (#n)\n');
  let bad = 0;
  for (const target of opts.targets) {
    const t0 = performance.now();
    const t = await fuzzTarget(target, opts);
    const c = t.counts;
    bad += c.untyped + c.hang + c.blowup;
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    process.stdout.write(`${target.name.padEnd(16)} ${String(opts.runs).padStart(7)} ${String(c.accepted).padStart(9)} ${String(c.typed).padStart(9)} ${String(c.untyped).padStart(8)} ${String(c.hang).padStart(5)} ${String(c.blowup).padStart(7)} ${secs.padStart(9)} ${String(t.slow).padStart(5)}  ${`${t.slowest.ms.toFixed(0)} #${t.slowest.n}`.padStart(15)}  ${`${t.peakMiB.mib.toFixed(0)} #${t.peakMiB.n}`.padStart(13)}\n`);
    for (const f of t.findings.slice(0, 20)) process.stdout.write(`    ${f}\n`);
  }
  process.exitCode = bad === 0 ? 0 : 1;
}

await main();

/**
 * One batch of `npm run fuzz` in its own process: runs inputs `from .. from + count - 1` of one target
 * and reports each on stdout, so the parent (run.ts) can tell which input hung or blew the memory up
 * when it has to kill this process. Protocol, one line each:
 *   `start <n>` before input n;
 *   `end <n> <outcome> <ms> <peak MiB>` after it (peak: the rise of peak RSS during the input,
 *   measured by resetting VmHWM through /proc/self/clear_refs, Linux only);
 *   `untyped <n> <JSON message>` for an untyped error.
 * Usage: node --import tsx test/fuzz/worker.ts <target> <from> <count> <seeds dir> <work dir> [small]
 * (`small`: the suite's SMALL_LIMITS instead of the library defaults)
 */
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import { loadSeeds } from './seeds.js';
import { SMALL_LIMITS, classify, makeSandbox, targetNamed } from './targets.js';

/** Current and peak resident memory in MiB, from /proc/self/status (0 where it does not exist). */
function residentMiB(): { rss: number; peak: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: peaks then cover the whole batch.
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Lines go straight to fd 1 so the parent sees `start` even when the next input never returns. The
 * pipe is non-blocking: when a busy parent lets it fill up, wait a little and write the rest.
 */
function say(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(1, bytes, done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}

const [name, from, count, seedsDir, workDir, limitsKind] = process.argv.slice(2);
const target = targetNamed(name ?? '');
if (target === undefined || seedsDir === undefined || workDir === undefined) {
  process.stderr.write('usage: worker.ts <target> <from> <count> <seeds dir> <work dir>\n');
  process.exit(2);
}
const ctx = { seeds: loadSeeds(seedsDir), sandbox: makeSandbox(workDir), limits: limitsKind === 'small' ? SMALL_LIMITS : undefined };
say('ready');
const first = Number(from);
for (let n = first; n < first + Number(count); n++) {
  const input = target.generate(n, ctx);
  resetPeak();
  const before = residentMiB().rss;
  say(`start ${n}`);
  const t0 = performance.now();
  const result = classify(target, input, ctx);
  const ms = performance.now() - t0;
  const peak = Math.max(0, residentMiB().peak - before);
  if (result.outcome === 'untyped') {
    const err = result.error as Error;
    const where = (err?.stack ?? '').split('\n').find((l) => l.includes('/src/'))?.trim() ?? '';
    say(`untyped ${n} ${JSON.stringify(`${err?.constructor?.name}: ${String(err?.message).split('\n')[0]} ${where}`)}`);
  }
  say(`end ${n} ${result.outcome} ${ms.toFixed(2)} ${peak.toFixed(1)}`);
}

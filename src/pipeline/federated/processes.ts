/**
 * Child processes of a simulation: `dadm federated server|client` started with the running Node
 * (through tsx when running from TypeScript sources), their stderr forwarded line by line, their
 * stdout JSON lines (`--json`) collected, and a hard stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A started entry point. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** JSON objects printed on stdout, in order. */
  messages: Record<string, unknown>[];
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Resolves with the first stdout message that has `key`. */
  waitFor(key: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

/** Starts `dadm <args…>` as a child process (the dadm of this package: src/cli.ts under tsx, or dist/cli.js). */
export function startCli(args: readonly string[], name: string, onLog: (line: string) => void): Child {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const cli = fileURLToPath(new URL(`../../cli.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const proc = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  lines(proc.stdout!, (line) => {
    try {
      messages.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      onLog(`${name}: ${line}`);
    }
    for (const l of listeners) l();
  });
  lines(proc.stderr!, onLog);
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => {
    resolve(code ?? signal ?? 'unknown');
    for (const l of listeners) l();
  }));
  return {
    name,
    process: proc,
    messages,
    exited,
    waitFor(key, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${name}: no '${key}' message within ${timeoutMs / 1000} s`)), timeoutMs);
        const check = (): void => {
          const m = messages.find((x) => key in x);
          if (m !== undefined) finish(m);
          else if (proc.exitCode !== null || proc.signalCode !== null) finish(new Error(`${name}: exited (${proc.exitCode ?? proc.signalCode}) before a '${key}' message`));
        };
        function finish(v: Record<string, unknown> | Error): void {
          clearTimeout(timer);
          listeners.delete(check);
          if (v instanceof Error) reject(v);
          else resolve(v);
        }
        listeners.add(check);
        check();
      });
    },
  };
}

/** Kills a child hard (SIGKILL, as a crash) and waits for it to be gone. */
export async function killHard(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await child.exited;
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffered.length > 0) onLine(buffered);
  });
}

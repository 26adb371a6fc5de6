/**
 * Shared helpers for benchmark workloads (bench/workloads/*.ts). A workload file exports
 * `workload: Workload`; bench/run.ts discovers them, runs the ones asked for, prints a table and
 * writes bench/results/latest.json.
 */
export interface BenchRow {
  workload: string;
  metric: string;
  value: number;
  unit: string;
  median_of: number;
  /** Optional free-text context (anchor figures, reference tool results). */
  note?: string;
}

export interface Workload {
  /** Name as in ../shared/WORKLOADS.md (W1, W2, ...) or `matmul`. */
  name: string;
  description: string;
  run(): Promise<BenchRow[]> | BenchRow[];
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (h - lo);
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; returns each timed run's seconds. */
export async function timeRuns(fn: () => unknown, reps = 5, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}

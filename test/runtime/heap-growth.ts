/**
 * Heap growth per call of a scoring loop, for the tests that hold single-row scoring free of
 * allocation. `calls(n)` runs n calls and returns a sum of their results (kept, so the calls are not
 * optimized away; it must be finite).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Bytes of heap growth per call over `rounds` rounds of `perRound` calls, each after a full collection,
 * following `warmUp` calls. The caller's loop is recompiled once or twice while it warms up (a
 * tier that does not inline `score` boxes its float result, 16 bytes), so the least round is the
 * steady state; a round that a collection ran through (the heap shrank) proves nothing and is left
 * out. Garbage of a typed array or more per call (>= 64 bytes) would fill the young generation in
 * every round.
 * @returns the per-call growth of the rounds no collection ran through (possibly none)
 */
export function heapGrowthPerCall(calls: (n: number) => number, rounds = 4, perRound = 100_000, warmUp = 20_000): number[] {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  calls(warmUp);
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    if (!Number.isFinite(calls(perRound))) throw new Error('heapGrowthPerCall: the calls must return a finite sum');
    const grown = process.memoryUsage().heapUsed - before;
    if (grown >= 0) perCall.push(grown / perRound);
  }
  return perCall;
}

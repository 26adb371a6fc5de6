/** The worker pool and sessions: calls reach every worker, failures are errors, workers are reused and replaced. */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadSession, releaseThreads } from '../../../src/tensor/index.js';
import { poolWorkers, whyNoWorkers } from '../../../src/tensor/threads/index.js';
import { BUSY } from '../../../src/tensor/threads/session.js';

afterAll(() => releaseThreads());

const task = { module: new URL('./echo-task.ts', import.meta.url).href, name: 'echoTask' };

describe.runIf(whyNoWorkers() === null && availableParallelism() >= 2)('ThreadSession', { timeout: 60_000 }, () => {
  it('runs the task on the worker beside the caller, call after call, and after the worker idled out', async () => {
    const session = new ThreadSession(task, { offset: 100 }, poolWorkers(1));
    for (const [a, b] of [[1, 2], [3, 4]]) {
      const args = session.argsOf(0);
      args[0] = a!;
      args[1] = b!;
      let own = 0;
      session.run(() => {
        own = a! * b!;
      });
      expect(args[2]).toBe(a! + b! + 100);
      expect(own).toBe(a! * b!);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    session.argsOf(0)[0] = 10;
    session.run(() => undefined);
    expect(session.argsOf(0)[2]).toBe(10 + 4 + 100);
    session.close();
  });

  it('throws the worker error as an Error naming the worker, then runs again', () => {
    const session = new ThreadSession(task, { offset: 0 }, poolWorkers(1));
    session.argsOf(0)[3] = 1;
    expect(() => session.run(() => undefined)).toThrow(/worker 1 of 1: RangeError: echo worker 0 was asked to fail/);
    session.argsOf(0).set([5, 6, 0, 0]);
    session.run(() => undefined);
    expect(session.argsOf(0)[2]).toBe(11);
    session.close();
  });

  it('moves a worker between two open sessions without waiting for it to idle out', () => {
    const workers = poolWorkers(1);
    const a = new ThreadSession(task, { offset: 1000 }, workers);
    const b = new ThreadSession(task, { offset: 2000 }, workers);
    for (let i = 0; i < 3; i++) {
      a.argsOf(0).set([i, 0, 0, 0]);
      a.run(() => undefined);
      b.argsOf(0).set([i, 0, 0, 0]);
      const t0 = performance.now();
      b.run(() => undefined);
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(a.argsOf(0)[2]).toBe(1000 + i);
      expect(b.argsOf(0)[2]).toBe(2000 + i);
    }
    a.close();
    b.close();
  });

  it('lets the caller run a call no worker has taken, and the worker then never runs it', async () => {
    releaseThreads();
    // A fresh worker is still starting (message, task import) when the caller's empty share ends.
    const session = new ThreadSession(task, { offset: 0 }, poolWorkers(1));
    session.argsOf(0).set([1, 2, 0, 0]);
    const stolen: number[] = [];
    session.run(() => undefined, (w) => {
      stolen.push(w);
      session.argsOf(w)[2] = -1;
    });
    expect(stolen).toEqual([0]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(session.argsOf(0)[2]).toBe(-1);
    session.close();
  });

  it('waits for a call the worker has taken instead of running it again', () => {
    const session = new ThreadSession(task, { offset: 100 }, poolWorkers(1));
    for (let i = 0; i < 3; i++) {
      session.argsOf(0).set([i, 1, 0, 0]);
      const stolen: number[] = [];
      session.run(() => {
        // The caller's share lasts until the worker has taken its call.
        const deadline = performance.now() + 10_000;
        while (Atomics.load(session.states, 0) !== BUSY && session.argsOf(0)[2] === 0 && performance.now() < deadline);
      }, (w) => stolen.push(w));
      expect(stolen).toEqual([]);
      expect(session.argsOf(0)[2]).toBe(i + 1 + 100);
    }
    session.close();
  });

  it('starts new workers after releaseThreads', () => {
    releaseThreads();
    const session = new ThreadSession(task, { offset: 7 }, poolWorkers(1));
    session.argsOf(0).set([1, 1, 0, 0]);
    session.run(() => undefined);
    expect(session.argsOf(0)[2]).toBe(9);
    session.close();
  });
});

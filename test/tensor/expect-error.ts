import { expect } from 'vitest';

/**
 * Calls `fn` once and asserts that it throws an instance of `cls` whose message matches `pattern`,
 * so class and message are checked on the same thrown error (STYLE: error tests check both).
 * Returns the error so a test can also check its data fields (`op`, `shapes`, `source`, ...).
 */
export function expectError<E extends Error>(fn: () => unknown, cls: new (...args: never[]) => E, pattern: RegExp): E {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  return checkCaught(caught, cls, pattern);
}

/** The assertions of {@link expectError} on what was caught. */
function checkCaught<E extends Error>(caught: unknown, cls: new (...args: never[]) => E, pattern: RegExp): E {
  expect(caught, `expected a ${cls.name} matching ${pattern}, but nothing was thrown`).toBeDefined();
  expect(caught).toBeInstanceOf(cls);
  const message = (caught as Error).message;
  expect(message, `message was: ${message}`).toMatch(pattern);
  return caught as E;
}

/** Escapes `text` so it can be embedded in a RegExp and match itself literally (e.g. a temp-dir path). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** {@link expectError} for an async function: awaits `fn()` and checks the rejection's class and message. */
export async function expectAsyncError<E extends Error>(fn: () => Promise<unknown>, cls: new (...args: never[]) => E, pattern: RegExp): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  return checkCaught(caught, cls, pattern);
}

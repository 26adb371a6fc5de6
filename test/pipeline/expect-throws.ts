/** Error assertions of the pipeline tests: class AND message, as STYLE asks. */
import { expect } from 'vitest';

/** Runs `fn` and checks that it throws an instance of `cls` whose message matches `pattern`. */
export function expectThrows(fn: () => unknown, cls: abstract new (...args: never[]) => Error, pattern: RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).message).toMatch(pattern);
}

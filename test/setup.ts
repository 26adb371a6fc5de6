import { expect } from 'vitest';

/** `|got - ref| <= atol + rtol * |ref|` elementwise, as ../shared/reference/README.md suggests. */
interface AllcloseOptions {
  rtol?: number;
  atol?: number;
}

function toArray(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return (v as unknown[]).flat(Infinity as 1) as number[];
  if (v && typeof v === 'object' && 'data' in v) return toArray((v as { data: unknown }).data);
  throw new Error(`toBeAllclose: cannot read numbers from ${typeof v}`);
}

expect.extend({
  toBeAllclose(received: unknown, expected: unknown, opts: AllcloseOptions = {}) {
    const got = toArray(received);
    const ref = toArray(expected);
    const rtol = opts.rtol ?? 1e-4;
    let maxRef = 0;
    for (const r of ref) maxRef = Math.max(maxRef, Math.abs(r));
    const atol = opts.atol ?? 1e-5 * Math.max(1, maxRef);
    if (got.length !== ref.length) {
      return { pass: false, message: () => `expected ${ref.length} values, got ${got.length}` };
    }
    for (let i = 0; i < got.length; i++) {
      const g = got[i]!;
      const r = ref[i]!;
      if (!(Math.abs(g - r) <= atol + rtol * Math.abs(r))) {
        return {
          pass: false,
          message: () => `element ${i}: got ${g}, expected ${r} (|diff| ${Math.abs(g - r)} > atol ${atol} + rtol ${rtol} * |ref|)`,
        };
      }
    }
    return { pass: true, message: () => `expected values not to be allclose` };
  },
});

declare module 'vitest' {
  interface Assertion<T = any> {
    toBeAllclose(expected: unknown, opts?: AllcloseOptions): T;
  }
  interface AsymmetricMatchersContaining {
    toBeAllclose(expected: unknown, opts?: AllcloseOptions): unknown;
  }
}

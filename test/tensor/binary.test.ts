/** Broadcasting binary ops against an explicit-loop reference, for random compatible and incompatible shapes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { Tensor, add, div, maximum, mul, sub, where } from '../../src/tensor/index.js';
import { expectError } from './expect-error.js';

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Reads `t` at output multi-index `idx` under NumPy broadcasting (explicit index arithmetic). */
function at(t: Tensor, idx: readonly number[]): number {
  const pad = idx.length - t.shape.length;
  let flat = 0;
  for (let i = 0; i < t.shape.length; i++) flat = flat * t.shape[i]! + (t.shape[i] === 1 ? 0 : idx[pad + i]!);
  return t.data[flat]!;
}

function reference(a: Tensor, b: Tensor, outShape: number[], f: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(size(outShape));
  const idx = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let r = i;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d] = r % outShape[d]!;
      r = Math.floor(r / outShape[d]!);
    }
    out[i] = f(at(a, idx), at(b, idx));
  }
  return out;
}

/** An output shape and two operand shapes that broadcast to it (suffixes with random 1s). */
const compatible = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((out) =>
    fc.tuple(
      fc.constant(out),
      ...[0, 1].map(() =>
        fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
          .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
      ),
    ),
  );

const valuesFor = (shape: number[]) =>
  fc.float32Array({ minLength: size(shape), maxLength: size(shape), noNaN: true, noDefaultInfinity: true, min: -100, max: 100 });

const OPS = [
  ['add', add, (x: number, y: number) => x + y],
  ['sub', sub, (x: number, y: number) => x - y],
  ['mul', mul, (x: number, y: number) => x * y],
  ['maximum', maximum, (x: number, y: number) => Math.max(x, y)],
] as const;

describe('broadcasting binary ops', () => {
  it.each(OPS)('%s equals the explicit-loop reference for random compatible shapes', (_name, op, f) => {
    fc.assert(
      fc.property(
        compatible.chain(([out, sa, sb]) => fc.tuple(fc.constant(out), fc.constant(sa), fc.constant(sb), valuesFor(sa), valuesFor(sb))),
        ([, sa, sb, da, db]) => {
          const a = new Tensor(da, sa);
          const b = new Tensor(db, sb);
          const got = op(a, b);
          const outShape = sa.length >= sb.length ? sa.map((d, i) => Math.max(d, sb[i - (sa.length - sb.length)] ?? 1)) : sb.map((d, i) => Math.max(d, sa[i - (sb.length - sa.length)] ?? 1));
          expect(got.shape).toEqual(outShape);
          expect(Array.from(got.data)).toEqual(Array.from(reference(a, b, outShape, (x, y) => Math.fround(f(x, y)))));
        },
      ),
      { seed: 42, numRuns: 150 },
    );
  });

  it('div broadcasts a row vector', () => {
    const a = new Tensor(Float32Array.from([2, 4, 6, 8]), [2, 2]);
    const b = new Tensor(Float32Array.from([2, 4]), [2]);
    expect(Array.from(div(a, b).data)).toEqual([1, 1, 3, 2]);
  });

  it('throws ShapeError naming the op and both shapes for incompatible shapes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 2, max: 5 }),
        (shape, pick, delta) => {
          const axis = pick % shape.length;
          const other = shape.slice();
          // Make one aligned pair differ with neither being 1.
          if (shape[axis] === 1) shape = shape.map((d, i) => (i === axis ? 2 : d));
          other[axis] = shape[axis]! + delta;
          const a = new Tensor(new Float32Array(size(shape)), shape);
          const b = new Tensor(new Float32Array(size(other)), other);
          expectError(() => add(a, b), ShapeError, new RegExp(`^add: shapes must be broadcast-compatible, got \\[${shape.join(',')}\\] and \\[${other.join(',')}\\]$`));
          expectError(() => mul(a, b), ShapeError, new RegExp(`^mul: shapes must be broadcast-compatible, got \\[${shape.join(',')}\\] and \\[${other.join(',')}\\]$`));
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('gives [2,3] x [4] the message from the style guide shape', () => {
    const a = new Tensor(new Float32Array(6), [2, 3]);
    const b = new Tensor(new Float32Array(4), [4]);
    expectError(() => sub(a, b), ShapeError, /^sub: shapes must be broadcast-compatible, got \[2,3\] and \[4\]$/);
  });
});

describe('where', () => {
  it('selects with three-way broadcasting', () => {
    const cond = new Tensor(Float32Array.from([1, 0, 1]), [3, 1]);
    const a = new Tensor(Float32Array.from([1, 2]), [2]);
    const b = new Tensor(Float32Array.from([-1]), []);
    expect(where(cond, a, b).toArray()).toEqual([[1, 2], [-1, -1], [1, 2]]);
  });

  it('throws ShapeError for incompatible shapes', () => {
    const c = new Tensor(new Float32Array(3), [3]);
    const a = new Tensor(new Float32Array(2), [2]);
    expectError(() => where(c, a, a), ShapeError, /^where: shapes must be broadcast-compatible, got \[3\] and \[2\] and \[2\]$/);
  });
});

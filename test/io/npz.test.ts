import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError, InvalidOptionError, ShapeError } from '../../src/errors.js';
import { readNpz, readNpzTyped, writeNpz, type NpyArrayLike } from '../../src/io/index.js';
import { MANIFEST, expectFloat32Matches, expectTypedMatches, fixtureBytes } from './npy-manifest.js';
import { expectError } from '../tensor/expect-error.js';

const npzEntries = MANIFEST.files.filter((f) => f.kind === 'npz');

/** Reads the 2-byte compression method of every local header (an independent look at the zip bytes). */
function localMethods(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const methods: number[] = [];
  for (let p = 0; p + 4 <= bytes.length; p++) if (view.getUint32(p, true) === 0x04034b50) methods.push(view.getUint16(p + 8, true));
  return methods;
}

describe('readNpz on the numpy reference corpus', () => {
  it('has no npz entry with accept: null', () => {
    expect(npzEntries.every((f) => f.accept !== null)).toBe(true);
    expect(npzEntries.length).toBeGreaterThanOrEqual(4);
  });

  for (const f of npzEntries.filter((e) => e.accept === true)) {
    it(`reads every member of ${f.file} (${f.note})`, () => {
      const bytes = fixtureBytes(f.file);
      const got = readNpz(bytes, f.file);
      const typed = readNpzTyped(bytes, f.file);
      expect([...got.keys()].sort()).toEqual(Object.keys(f.members!).sort());
      for (const [name, ref] of Object.entries(f.members!)) {
        expectFloat32Matches(got.get(name)!, ref);
        expectTypedMatches(typed.get(name)!, ref);
      }
      const expected = Object.values(f.members!).map((m) => (m.zip_compress_type === 'deflate' ? 8 : 0));
      expect(localMethods(bytes)).toEqual(expected);
    });
  }

  for (const f of npzEntries.filter((e) => e.accept === false)) {
    it(`refuses ${f.file} with a FormatError naming the bad member`, () => {
      const read = () => readNpz(fixtureBytes(f.file), f.file);
      expectError(read, FormatError, /^with_object_member\.npz\[bad\.npy\]: dtype must be numeric .*got '\|O'$/);
    });
  }

  it('reads only the requested members, so the good member of with_object_member.npz is readable', () => {
    const got = readNpz(fixtureBytes('with_object_member.npz'), 'w.npz', { only: ['ok'] });
    expect([...got.keys()]).toEqual(['ok']);
    expectError(() => readNpz(fixtureBytes('arrays_savez.npz'), 'a.npz', { only: ['nope'] }), FormatError, /^a\.npz: npz member 'nope\.npy' must exist, got members X\.npy, y\.npy, mean\.npy, step\.npy$/);
  });
});

describe('writeNpz', () => {
  const entries = (): Record<string, NpyArrayLike> => ({
    X: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] },
    y: { data: Int8Array.of(0, 1), shape: [2] },
    step: { data: BigInt64Array.of(17n), shape: [] },
  });

  it('gives identical bytes for identical input (stored and deflated)', () => {
    expect(writeNpz(entries())).toEqual(writeNpz(entries()));
    expect(writeNpz(entries(), { compress: true })).toEqual(writeNpz(entries(), { compress: true }));
    expect(localMethods(writeNpz(entries()))).toEqual([0, 0, 0]);
    expect(localMethods(writeNpz(entries(), { compress: true }))).toEqual([8, 8, 8]);
  });

  it('round-trips random members, stored and compressed', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.]{0,8}$/), { minLength: 0, maxLength: 4 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (names, shapes, compress) => {
          const input = new Map<string, NpyArrayLike>();
          names.forEach((name, k) => {
            const shape = shapes[k]!;
            const n = shape.reduce((a, d) => a * d, 1);
            const data = k % 2 === 0 ? Float64Array.from({ length: n }, (_, i) => i / 3 - k) : Int32Array.from({ length: n }, (_, i) => i * 1000 - k);
            input.set(name, { data, shape });
          });
          const back = readNpzTyped(writeNpz(input, { compress }));
          expect([...back.keys()]).toEqual(names);
          for (const [name, a] of input) {
            expect(back.get(name)!.shape).toEqual(a.shape);
            expect(back.get(name)!.data).toEqual(a.data);
          }
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('refuses member names that are empty or contain a slash', () => {
    const write = () => writeNpz({ 'a/b': { data: new Float32Array(1), shape: [1] } });
    expectError(write, InvalidOptionError, /^writeNpz: member names must be non-empty and contain no '\/' or '\\', got 'a\/b'$/);
  });

  it('names the member whose shape does not match its data', () => {
    const write = () => writeNpz({ ok: { data: new Float32Array(1), shape: [1] }, bad: { data: new Float32Array(3), shape: [2] } });
    expectError(write, ShapeError, /^writeNpz\[bad\]: data length must equal prod\(shape\) = 2/);
  });
});

describe('readNpz on damaged archives', () => {
  const good = () => writeNpz({ a: { data: Float32Array.of(1, 2, 3), shape: [3] } });

  it('refuses a flipped data byte by its CRC-32', () => {
    const bytes = good();
    bytes[100] = bytes[100]! ^ 0xff; // inside a.npy's stored bytes
    expectError(() => readNpz(bytes, 'd.npz'), FormatError, /^d\.npz: zip member 'a\.npy' CRC-32 must be 0x[0-9a-f]{8}, got 0x[0-9a-f]{8} \(corrupted data\)$/);
  });

  it('refuses bytes that are not a zip archive', () => {
    expectError(() => readNpz(fixtureBytes('f32_c_5x7.npy'), 'x.npz'), FormatError, /^x\.npz: a zip archive must end with an end-of-central-directory record, got none/);
  });

  it('refuses a truncated archive', () => {
    const bytes = good();
    const cut = bytes.subarray(0, bytes.length - 30);
    expectError(() => readNpz(cut, 't.npz'), FormatError, /^t\.npz: a zip archive must end with an end-of-central-directory record, got none/);
  });

  it('refuses corrupt deflate data', () => {
    const bytes = writeNpz({ a: { data: new Float32Array(64), shape: [64] } }, { compress: true });
    bytes.fill(0xff, 40, 50);
    expectError(() => readNpz(bytes, 'z.npz'), FormatError, /^z\.npz: zip member 'a\.npy' must hold valid deflate data/);
  });
});

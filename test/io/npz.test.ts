import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError, InvalidOptionError, LimitError, ShapeError } from '../../src/errors.js';
import { openNpz, readNpz, readNpzTyped, writeNpy, writeNpz, type NpyArrayLike } from '../../src/io/index.js';
import { forgeZip, zip64Extra } from './zip-forge.js';
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

describe('npz archives that ask for more than they hold', () => {
  const small = writeNpy({ data: Float64Array.of(0.5, 1.5), shape: [2] });

  it('inflates only the members read, so an unused member claiming 4 GiB costs nothing', () => {
    const bytes = forgeZip([
      { name: 'used.npy', data: small },
      { name: 'bomb.npy', data: new Uint8Array(1000), method: 8, uncompressedSize: 0xfffffffe },
    ]);
    const archive = openNpz(bytes, 'ref.npz');
    expect(archive.names).toEqual(['used', 'bomb']);
    expect(Array.from(archive.read('used').data)).toEqual([0.5, 1.5]);
    expect([...readNpzTyped(bytes, 'ref.npz', { only: ['used'] }).keys()]).toEqual(['used']);
    const err = expectError(() => archive.read('bomb'), LimitError, /^ref\.npz\[bomb\.npy\]: uncompressed member must be at most 1073741824 bytes \(raise limits\.max_tensor_bytes\), got 4294967294 bytes$/);
    expect(err.limit).toBe('maxTensorBytes');
  });

  it('checks the members read together against maxTotalBytes before inflating the next one', () => {
    const bytes = forgeZip([{ name: 'a.npy', data: small }, { name: 'b.npy', data: small }]);
    const limits = { maxTensorBytes: small.length, maxTotalBytes: small.length + 10 };
    expectError(() => readNpz(bytes, 'two.npz', { limits }), LimitError, new RegExp(`^two\\.npz\\[b\\.npy\\]: total size of the arrays with uncompressed member must be at most ${small.length + 10} bytes \\(raise limits\\.max_total_bytes\\), got ${2 * small.length} bytes$`));
    expect(readNpz(bytes, 'two.npz', { limits: { maxTotalBytes: 2 * small.length } }).size).toBe(2);
  });

  it('stops inflating at the declared size', () => {
    const bytes = forgeZip([{ name: 'a.npy', data: new Uint8Array(1 << 20), method: 8, uncompressedSize: 100 }]);
    expectError(() => readNpz(bytes, 'lie.npz'), FormatError, /^lie\.npz: zip member 'a\.npy' must hold valid deflate data of 100 bytes, got /);
  });

  it('refuses a zip64 extra field that overruns its area (the 248-byte file; was a DataView RangeError)', () => {
    const overrun = Uint8Array.of(0x01, 0x00, 0xff, 0xff);
    const bytes = forgeZip([{ name: 'a.npy', data: small, uncompressedSize: 0xffffffff, compressedSize: 0xffffffff, localOffset: 0xffffffff, extra: overrun }]);
    expect(bytes.length).toBeLessThan(300);
    expectError(() => readNpz(bytes, 'z64.npz'), FormatError, /^z64\.npz: zip member 'a\.npy' extra field 0x0001 must fit in the 4-byte extra area, got 65535 bytes at offset 0$/);
  });

  it('refuses a zip64 field without a value for every 0xFFFFFFFF placeholder, and reads an honest one', () => {
    const short = zip64Extra([BigInt(small.length)]);
    const missing = forgeZip([{ name: 'a.npy', data: small, uncompressedSize: 0xffffffff, compressedSize: 0xffffffff, extra: short }]);
    expectError(() => readNpz(missing, 'z.npz'), FormatError, /^z\.npz: zip member 'a\.npy' zip64 extra field must hold a 64-bit value for each 0xFFFFFFFF size or offset, got 8 bytes$/);
    const honest = forgeZip([{ name: 'a.npy', data: small, uncompressedSize: 0xffffffff, compressedSize: 0xffffffff, extra: zip64Extra([BigInt(small.length), BigInt(small.length)]) }]);
    expect(Array.from(readNpz(honest, 'ok.npz').get('a')!.data)).toEqual([0.5, 1.5]);
  });
});

import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { extractZipEntry, listZipEntries, writeZip } from '../../src/io/zip.js';
import { fixtureBytes } from './npy-manifest.js';
import { expectError } from '../tensor/expect-error.js';

describe('listZipEntries / extractZipEntry', () => {
  it('reads numpy-written archives whose local headers carry zip64 extras', () => {
    const bytes = fixtureBytes('arrays_savez_compressed.npz');
    const entries = listZipEntries(bytes, 'a.npz');
    expect(entries.map((e) => [e.name, e.method])).toEqual([['X.npy', 8], ['y.npy', 8], ['mean.npy', 8], ['step.npy', 8]]);
    for (const e of entries) {
      const data = extractZipEntry(bytes, e, 'a.npz');
      expect(data.length).toBe(e.uncompressedSize);
      expect(Array.from(data.subarray(1, 6), (b) => String.fromCharCode(b)).join('')).toBe('NUMPY');
    }
  });

  it('refuses an unsupported compression method', () => {
    const bytes = writeZip([{ name: 'a.npy', data: Uint8Array.of(1, 2, 3) }], false);
    const view = new DataView(bytes.buffer);
    const central = bytes.length - 22 - 46 - 5;
    view.setUint16(central + 10, 12, true); // bzip2
    const [entry] = listZipEntries(bytes, 'b.zip');
    expectError(() => extractZipEntry(bytes, entry!, 'b.zip'), FormatError, /^b\.zip: zip member 'a\.npy' compression must be stored \(0\) or deflate \(8\), got method 12$/);
  });

  it('refuses a member whose size points past the end of the archive', () => {
    const bytes = writeZip([{ name: 'a.npy', data: Uint8Array.of(1, 2, 3) }], false);
    const view = new DataView(bytes.buffer);
    const central = bytes.length - 22 - 46 - 5;
    view.setUint32(central + 20, 1000, true);
    expectError(() => listZipEntries(bytes, 'c.zip'), FormatError, /^c\.zip: zip member 'a\.npy' must end within the archive \(\d+ bytes\), got an end at 1035$/);
  });

  it('writes a UTF-8 flag for non-ASCII names and reads the name back', () => {
    const bytes = writeZip([{ name: 'größe.npy', data: Uint8Array.of(9) }], true);
    expect(new DataView(bytes.buffer).getUint16(6, true)).toBe(0x0800);
    const [entry] = listZipEntries(bytes, 'u.zip');
    expect(entry!.name).toBe('größe.npy');
    expect(Array.from(extractZipEntry(bytes, entry!, 'u.zip'))).toEqual([9]);
  });

  it('stamps every header with the valid DOS date 1980-01-01 00:00 (as numpy.savez does)', () => {
    const bytes = writeZip([{ name: 'a.npy', data: Uint8Array.of(1) }], false);
    const view = new DataView(bytes.buffer);
    const central = bytes.length - 22 - 46 - 5;
    expect([view.getUint16(10, true), view.getUint16(12, true)]).toEqual([0, (1 << 5) | 1]);
    expect([view.getUint16(central + 12, true), view.getUint16(central + 14, true)]).toEqual([0, (1 << 5) | 1]);
    const numpyWritten = new DataView(new Uint8Array(fixtureBytes('arrays_savez.npz')).buffer);
    expect(numpyWritten.getUint16(12, true)).toBe((1 << 5) | 1);
  });
});

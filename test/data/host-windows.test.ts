import { describe, expect, it } from 'vitest';
import { DataError, FormatError, ShapeError } from '../../src/errors.js';
import { forEachHostWindow, memoryRows, scanHosts, type HostIndex } from '../../src/data/index.js';
import { expectError } from '../tensor/expect-error.js';

const F = 3;
/** Row r holds [r, 10r, 100r] so a window's rows identify themselves. */
function rows(n: number): Float32Array {
  return Float32Array.from({ length: n * F }, (_, i) => Math.floor(i / F) * 10 ** (i % F));
}

/** The window of host rows ending at position k of `list`, left-padded with list[0], built naively. */
function naiveWindow(list: number[], k: number, T: number): number[] {
  const out: number[] = [];
  for (let s = k - T + 1; s <= k; s++) {
    const r = list[Math.max(0, s)]!;
    out.push(r, 10 * r, 100 * r);
  }
  return out;
}

function collect(data: Float32Array, hosts: Int32Array, T: number, select?: (h: number, s: number) => boolean, batch = 4) {
  const d = memoryRows(data, F, 'data.npy');
  const h = memoryRows(hosts, 1, 'hosts.npy');
  const index = scanHosts(h, { data: d, window: T });
  const got: { row: number; host: number; step: number; padded: number; values: number[] }[] = [];
  forEachHostWindow(d, h, index, {
    window: T, batch, select,
    onBatch: (w, n, meta) => {
      for (let i = 0; i < n; i++) {
        got.push({ row: meta.rows[i]!, host: meta.hosts[i]!, step: meta.steps[i]!, padded: meta.padded[i]!, values: Array.from(w.subarray(i * T * F, (i + 1) * T * F)) });
      }
    },
  });
  return { got, index };
}

describe('forEachHostWindow', () => {
  it('cuts each row\'s window from its own host\'s rows, hosts interleaved, in file order', () => {
    const hosts = Int32Array.from([5, 7, 5, 5, 7, 9, 5, 7, 7, 5, 9, 9]);
    const T = 3;
    const { got, index } = collect(rows(hosts.length), hosts, T);
    expect(index.maxOpen).toBe(3);
    expect(got.map((g) => g.row)).toEqual([...hosts.keys()]);
    const seen = new Map<number, number[]>();
    for (const g of got) {
      const list = seen.get(g.host) ?? [];
      list.push(g.row);
      seen.set(g.host, list);
      expect(g.host).toBe(hosts[g.row]);
      expect(g.step).toBe(list.length - 1);
      expect(g.padded).toBe(Math.max(0, T - list.length));
      expect(g.values).toEqual(naiveWindow(list, list.length - 1, T));
    }
  });

  it('left-pads the first T-1 rows of a host with its first row and flags how many copies', () => {
    const { got } = collect(rows(6), Int32Array.from([1, 1, 1, 1, 1, 1]), 4);
    expect(got.map((g) => g.padded)).toEqual([3, 2, 1, 0, 0, 0]);
    expect(got[1]!.values).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 10, 100]);
  });

  it('emits only the selected windows, with the same contents', () => {
    const hosts = Int32Array.from([0, 0, 1, 0, 1, 1, 0, 1]);
    const all = collect(rows(8), hosts, 2).got;
    const some = collect(rows(8), hosts, 2, (h, s) => h === 1 && s % 2 === 0, 3).got;
    expect(some.map((g) => g.row)).toEqual([2, 5]);
    for (const g of some) expect(g.values).toEqual(all[g.row]!.values);
  });

  it('throws DataError naming host, step, row and column for NaN or Inf', () => {
    const data = rows(5);
    data[3 * F + 2] = NaN;
    expectError(() => collect(data, Int32Array.from([4, 4, 8, 4, 8]), 2), DataError, /^data\.npy: host 4, step 2 \(row 3\), column 2 must be finite, got NaN$/);
    data[3 * F + 2] = Infinity;
    expectError(() => collect(data, Int32Array.from([4, 4, 8, 4, 8]), 2), DataError, /column 2 must be finite, got Infinity$/);
  });
});

describe('scanHosts', () => {
  const d = memoryRows(rows(4), F, 'data.npy');
  it('throws ShapeError when hosts.npy has another row count than the data', () => {
    expectError(() => scanHosts(memoryRows(Int32Array.from([1, 1, 1]), 1, 'hosts.npy'), { data: d, window: 2 }), ShapeError, /^hosts\.npy: rows must equal the 4 rows of data\.npy, got 3$/);
  });

  it('throws FormatError for a non-integer dtype', () => {
    expectError(() => scanHosts(memoryRows(Float32Array.from([1, 1, 2, 2]), 1, 'hosts.npy'), { data: d, window: 2 }), FormatError, /^hosts\.npy: dtype must be an integer type \(int8\.\.int64 or uint8\.\.uint64\), got '<f4'$/);
  });

  it('throws DataError for host ids the float32 path cannot hold exactly', () => {
    expectError(() => scanHosts(memoryRows(Int32Array.from([1, 1, 2 ** 24, 2]), 1, 'hosts.npy'), { data: d, window: 2 }), DataError, /^hosts\.npy: row 2 host id must be an integer in \(-16777216, 16777216\), got 16777216$/);
  });

  it('throws DataError when the window is longer than every host', () => {
    expectError(() => scanHosts(memoryRows(Int32Array.from([1, 2, 1, 2]), 1, 'hosts.npy'), { data: d, window: 3 }), DataError, /^data\.npy: at least one host must have 3 rows \(the window\), got at most 2 rows per host$/);
  });

  it('throws DataError when interleaved hosts would exceed the ring-buffer budget', () => {
    const hosts = Int32Array.from([1, 2, 3, 1, 2, 3]);
    const data = memoryRows(rows(6), F, 'data.npy');
    const index: HostIndex = scanHosts(memoryRows(hosts, 1, 'hosts.npy'), { data, window: 2 });
    expect(index.maxOpen).toBe(3);
    expectError(() => scanHosts(memoryRows(hosts, 1, 'hosts.npy'), { data, window: 2, ringBudgetBytes: 2 * 2 * F * 4 }), DataError, /got 3 hosts open at once; sort the rows by host$/);
  });

  it('a file sorted by host keeps one host open', () => {
    const index = scanHosts(memoryRows(Int32Array.from([3, 3, 3, 8, 8, 9]), 1, 'h'), { data: memoryRows(rows(6), F), window: 2 });
    expect(index.maxOpen).toBe(1);
    expect([...index.hosts.values()]).toEqual([{ id: 3, count: 3, first: 0, last: 2 }, { id: 8, count: 2, first: 3, last: 4 }, { id: 9, count: 1, first: 5, last: 5 }]);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataFile, prepass, splitRows } from '../../../src/data/index.js';
import { writeNpyFile } from '../../../src/io/index.js';
import { buildDriftReference } from '../../../src/pipeline/drift/reference.js';
import { Random } from '../../../src/tensor/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();

function reference(path: string, exactMaxValues: number, sampleRows: number, standardize: boolean) {
  const file = openDataFile(path);
  try {
    const split = splitRows(file.rows, 0.1, 0);
    const pre = prepass({ file, split, active: 3, standardize, seed: 0, driftSampleRows: sampleRows, fitSampleRows: 0, exactMaxValues });
    return buildDriftReference({
      file,
      prepass: pre,
      standardizer: pre.standardizer,
      featureNames: ['a', 'b', 'c'],
      schema: { name: 'generic', version: '1.0.0', hash: 'h' },
      scores: Float32Array.of(1, 2, 3, 4),
      threshold: 3.5,
      sampleRows,
    });
  } finally {
    file.reader.close();
  }
}

describe('buildDriftReference', () => {
  const rows = 2500;
  const x = new Random(9).normalFill(new Float32Array(rows * 3), 5, 2);
  for (let i = 0; i < rows; i++) x[i * 3 + 2] = Math.round(x[i * 3 + 2]!); // ties at edges
  const path = join(dir, 'x.npy');
  writeNpyFile(path, { data: x, shape: [rows, 3] });

  it('gives the same edges and proportions from the streaming path (sample = all rows) as from the exact path', () => {
    for (const standardize of [false, true]) {
      const exact = reference(path, Infinity, rows, standardize);
      const streamed = reference(path, 0, rows, standardize);
      expect(exact.get('exact')!.data[0]).toBe(1);
      expect(streamed.get('exact')!.data[0]).toBe(0);
      expect(streamed.get('edges')!.data).toBeAllclose(exact.get('edges')!.data, { rtol: 0, atol: 0 });
      expect(streamed.get('proportions')!.data).toBeAllclose(exact.get('proportions')!.data, { rtol: 0, atol: 0 });
    }
  });

  it('counts proportions with values equal to an edge in the bin to its right, floored at 1e-4', () => {
    const r = reference(path, Infinity, 100, false);
    const edges = r.get('edges')!.data as Float64Array;
    const counts = new Float64Array(10);
    for (let i = 0; i < rows; i++) {
      const v = x[i * 3 + 2]!;
      let bin = 0;
      for (let k = 0; k < 9; k++) if (edges[18 + k]! <= v) bin = k + 1;
      counts[bin]!++;
    }
    const want = Array.from(counts, (c) => Math.max(c / rows, 1e-4));
    expect(Array.from((r.get('proportions')!.data as Float64Array).slice(20, 30))).toEqual(want);
    expect(r.get('sample')!.shape).toEqual([100, 3]);
  });
});

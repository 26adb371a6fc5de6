import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { averagePathLength } from '../../src/model-spec/index.js';

const ref = JSON.parse(readFileSync(new URL('../fixtures/iforest.json', import.meta.url), 'utf8')) as {
  average_path_length: { n: number[]; c: number[] };
};

describe('averagePathLength', () => {
  it("matches scikit-learn's _average_path_length for every n in the reference table", () => {
    const { n, c } = ref.average_path_length;
    expect(n.length).toBeGreaterThan(300);
    const got = n.map((k) => averagePathLength(k));
    expect(got).toBeAllclose(c, { rtol: 1e-12, atol: 1e-12 });
  });

  it('uses the small-n cases c(0) = c(1) = 0 and c(2) = 1', () => {
    expect([averagePathLength(0), averagePathLength(1), averagePathLength(2)]).toEqual([0, 0, 1]);
  });
});

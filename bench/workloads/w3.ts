/**
 * W3 (docs/benchmarks.md): isolation forest with n_estimators=100, max_samples=256,
 * max_features=1.0, fit on 100,000 x 12 N(0,1) float32 (Random seed 0), then score_samples on the
 * same rows. Fit and score seconds are reported separately, each the median of 5 after 1 warm-up;
 * scoring runs with `threads: 'auto'` and on the calling thread only.
 *
 * When a python3 with scikit-learn is found (e.g. Debian's python3-sklearn under /usr/bin/python3),
 * the same fit and score_samples are also timed there after dadm, on its own N(0,1) data from
 * numpy's default_rng; each row carries that anchor and the ratio (sklearn time / dadm time).
 * Without it the anchors are skipped with a note; nothing else needs Python.
 */
import { IsolationForest } from '../../src/iforest/index.js';
import { Random, resolveThreads, type ThreadsOption } from '../../src/tensor/index.js';
import { context, median, runPython, timeRuns, versus, type BenchRow, type Workload } from '../harness.js';

const ROWS = 100_000;
const COLS = 12;

/** The timed Python side: data generation untimed, then fit and score_samples, 5 runs after 1 warm-up each. */
const PY_SCRIPT = [
  'import json, time',
  'import numpy as np, sklearn',
  'from sklearn.ensemble import IsolationForest',
  `X = np.random.default_rng(0).standard_normal((${ROWS}, ${COLS}), dtype=np.float32)`,
  'opts = dict(n_estimators=100, max_samples=256, max_features=1.0, random_state=0)',
  'def timed(fn):',
  '    fn()',
  '    times = []',
  '    for _ in range(5):',
  '        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)',
  '    return float(np.median(times))',
  'fit = timed(lambda: IsolationForest(**opts).fit(X))',
  'model = IsolationForest(**opts).fit(X)',
  'score = timed(lambda: model.score_samples(X))',
  'print(json.dumps({"fit": fit, "score": score, "sklearn": sklearn.__version__, "numpy": np.__version__}))',
].join('\n');


export const workload: Workload = {
  name: 'W3',
  description: 'IsolationForest 100 trees, maxSamples 256: fit and scoreSamples on 100,000 x 12 N(0,1) (anchor: scikit-learn)',
  async run(): Promise<BenchRow[]> {
    const x = { data: new Random(0).normalFill(new Float32Array(ROWS * COLS)), shape: [ROWS, COLS] as const };
    const options = { nEstimators: 100, maxSamples: 256, maxFeatures: 1, seed: 0 };
    const ctx = context();
    const fitTimes = await timeRuns(() => new IsolationForest(options).fit(x), 5, 1);
    const scoreWith = async (threads: ThreadsOption): Promise<number> => {
      const model = new IsolationForest({ ...options, threads }).fit(x);
      let sink = 0;
      const times = await timeRuns(() => {
        sink += model.scoreSamples(x)[0]!;
      }, 5, 1);
      if (!Number.isFinite(sink)) throw new Error('W3: scores must be finite');
      return median(times);
    };
    const score = await scoreWith('auto');
    const scoreOne = await scoreWith(1);
    const fit = median(fitTimes);
    // Python runs after dadm's timing so the two never share the cores.
    const py = runPython(PY_SCRIPT, 'sklearn');
    const threads = resolveThreads('auto');
    const rows: BenchRow[] = [
      { workload: 'W3', metric: 'fit_s', value: fit, unit: 's', median_of: 5, ...ctx },
      { workload: 'W3', metric: 'score_s', value: score, unit: 's', median_of: 5, ...ctx, note: `scoreSamples with threads: auto (${threads} threads)` },
      { workload: 'W3', metric: 'score_s_1_thread', value: scoreOne, unit: 's', median_of: 5, ...ctx, note: 'scoreSamples on the calling thread' },
      { workload: 'W3', metric: 'total_s', value: fit + score, unit: 's', median_of: 5, ...ctx, note: 'fit + scoreSamples (threads: auto); target >= 8x scikit-learn' },
    ];
    if (!('result' in py)) return rows.map((r) => ({ ...r, note: `${r.note ?? ''}; scikit-learn anchor skipped: ${py.skipped}` }));
    const [skFit, skScore] = [Number(py.result.fit), Number(py.result.score)];
    const sk = `scikit-learn ${py.result.sklearn} (NumPy ${py.result.numpy}) via ${py.python}, 1 thread`;
    return [
      versus(rows[0]!, `${sk} fit`, skFit, false),
      versus(rows[1]!, `${sk} score_samples`, skScore, false),
      versus(rows[2]!, `${sk} score_samples`, skScore, false),
      versus(rows[3]!, `${sk} fit + score_samples`, skFit + skScore, false),
    ];
  },
};

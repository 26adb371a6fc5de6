import { describe, expect, it } from 'vitest';
import { param } from '../../src/autograd/index.js';
import { FormatError } from '../../src/errors.js';
import { CONTROL_PREFIX, ControlVariateStep, splitControlVariates, withControlVariates } from '../../src/federated/control-variates.js';
import { decodeModel, encodeModel, federatedKind } from '../../src/federated/index.js';
import { loadCheckpoint } from '../../src/pipeline/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { expectError } from '../tensor/expect-error.js';
import { hostRows, makeParty, modelWeights as weights, runInProcess, smallConfig, tempDir, testFlConfig } from './helpers.js';

const DATA = [hostRows(200, 21), hostRows(150, 22), hostRows(120, 23)];

describe('SCAFFOLD control variates', () => {
  it('adds scale (c - c_i) to each gradient and keeps the mean raw gradient as the new c_i', () => {
    const w = param(new Tensor(Float32Array.of(1, 2), [2]));
    const c = new Map([['layer.weight', new Tensor(Float32Array.of(0.5, -1), [2])]]);
    const own = new Map([['layer.weight', new Tensor(Float32Array.of(0.25, 1), [2])]]);
    const step = new ControlVariateStep(c, own, 0.2);
    w.grad = new Tensor(Float32Array.of(1, 2), [2]);
    step.adjust([['layer.weight', w]]);
    // 1 + 0.2 (0.5 - 0.25), 2 + 0.2 (-1 - 1)
    expect(Array.from(w.grad.data)).toEqual([1.05, 1.6].map(Math.fround));
    w.grad = new Tensor(Float32Array.of(3, -4), [2]);
    step.adjust([['layer.weight', w]]);
    // c_i is the mean of the raw gradients (1, 2) and (3, -4), before the correction
    expect(Array.from(step.ownState().get('layer.weight')!.data)).toEqual([2, -1]);
    expect([...step.controlState().keys()]).toEqual([`${CONTROL_PREFIX}layer.weight`]);
    // Without a c_i of its own (first round, restarted client) a client runs uncorrected.
    const first = new ControlVariateStep(c, null, 0.2);
    w.grad = new Tensor(Float32Array.of(1, 2), [2]);
    first.adjust([['layer.weight', w]]);
    expect(Array.from(w.grad.data)).toEqual([1, 2]);
    expectError(() => step.adjust([['other.weight', w]]), FormatError, /^control variates: parameter other\.weight must have a gradient and a control variate of 2 values, got no control variate/);
  });

  it('travel inside the global model: zero at first, split off before local training and scoring', () => {
    const kind = federatedKind(smallConfig());
    const model = kind.initialModel(0);
    const withC = withControlVariates(model);
    expect(withC.state.size).toBe(2 * model.state.size);
    for (const [name, t] of model.state) expect(Array.from(withC.state.get(CONTROL_PREFIX + name)!.data).every((v) => v === 0) && t.data.length > 0).toBe(true);
    const { model: own, control } = splitControlVariates(withC);
    expect([...own.state.keys()]).toEqual([...model.state.keys()]);
    expect([...control!.keys()]).toEqual([...model.state.keys()]);
    expect(splitControlVariates(model).control).toBeNull();
    expect(Array.from(kind.score(withC, DATA[0]!))).toEqual(Array.from(kind.score(model, DATA[0]!)));
  });

  it('run through plain and secure aggregation alike (only sums cross the wire) and leave the checkpoint a plain model', async () => {
    const party = makeParty(3);
    const dirs = [tempDir(), tempDir(), tempDir()];
    try {
      const base = { rounds: 1, maxSamplesPerClient: 200, scaffoldScale: 0.2 };
      const plain = await runInProcess({ party, stateDir: dirs[0]!.dir, config: testFlConfig(base), data: DATA });
      const secure = await runInProcess({ party, stateDir: dirs[1]!.dir, config: testFlConfig({ ...base, secureAggregation: true }), data: DATA });
      expect(secure.server.status).toBe('completed');
      // The weights and c (the weighted mean of the clients' mean gradients) agree up to the quantization bound.
      const p = weights(plain.server.modelBytes);
      const s = weights(secure.server.modelBytes);
      expect(p.length).toBe(2 * weights(encodeModel(federatedKind(smallConfig()).initialModel(0))).length);
      let worst = 0;
      for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - s[i]!));
      expect(worst).toBeLessThan(1e-4);
      const { control } = splitControlVariates(decodeModel(secure.server.modelBytes, 'final model'));
      const c = [...control!.values()].flatMap((t) => Array.from(t.data));
      expect(c.every(Number.isFinite) && c.some((v) => v !== 0)).toBe(true);
      // Round 2 trains with the correction, under secure aggregation too; the checkpoint holds the model only.
      const two = await runInProcess({ party, stateDir: dirs[2]!.dir, config: testFlConfig({ ...base, rounds: 2, secureAggregation: true }), data: DATA });
      expect(two.server.rounds.map((r) => r.status)).toEqual(['committed', 'committed', 'calibrated']);
      const ckpt = loadCheckpoint(two.server.checkpoint!.path);
      expect(ckpt.thresholdMethod).toBe('federated-quantile');
    } finally {
      for (const d of dirs) d.cleanup();
    }
  }, 120_000);
});

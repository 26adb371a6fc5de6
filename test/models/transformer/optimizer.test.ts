/**
 * The transformer's `optimizer` option: `sgd` steps the weights by torch.optim.SGD's rule from the
 * gradients the training loop computed (recorded through the `adjustGradients` hook, which sees
 * each step's gradients right before the optimizer), config.yaml's `training.optimizer` and
 * `training.momentum` reach it, and bad values are refused. nn's SGD itself is checked against
 * PyTorch in test/nn/optimizers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TransformerDetector, transformerOptions, type TransformerOptions } from '../../../src/models/transformer/index.js';
import { memoryRows } from '../../../src/data/index.js';
import { ENDPOINT_V1, generateSequenceData, normalizeCore, toModelInput } from '../../../src/schema/index.js';
import { defaultConfig, mergeConfig } from '../../../src/config/index.js';
import { InvalidOptionError } from '../../../src/errors.js';
import { expectError } from '../../tensor/expect-error.js';

const gen = generateSequenceData({ hosts: 4, steps: 16, seed: 11 });
const rows = toModelInput(normalizeCore(gen.raw));
const features = rows.length / gen.hosts.length;
const source = () => ({ data: memoryRows(rows, features, 'rows'), hosts: memoryRows(gen.hosts, 1, 'hosts') });
// No clipping, no validation hold-out (the last epoch's weights are kept), no context noise.
const base: TransformerOptions = {
  window: 6, dModel: 8, heads: 2, feedForward: 16, epochs: 1, batchSize: 8, gradClip: null, validationFraction: 0, contextNoise: 0, optimizer: 'sgd',
};

/** The initial weights, every step's gradients by parameter name, and the trained weights. */
function stepsOf(options: TransformerOptions): { initial: Map<string, Float32Array>; grads: Map<string, Float32Array>[]; final: Map<string, Float32Array> } {
  const weights = (m: TransformerDetector): Map<string, Float32Array> => new Map([...m.toState().tensors].map(([k, t]) => [k, Float32Array.from(t.data)]));
  const initial = weights(new TransformerDetector(options).untrained(features));
  const grads: Map<string, Float32Array>[] = [];
  const adjustGradients = (named: readonly (readonly [string, { grad?: { data: Float32Array } }])[]): void => {
    grads.push(new Map(named.map(([k, p]) => [k, Float32Array.from(p.grad!.data)])));
  };
  const final = weights(new TransformerDetector(options).fit(source(), { adjustGradients }));
  return { initial, grads, final };
}

describe('TransformerDetector optimizer', () => {
  it('sgd without momentum: every step is w - lr g', () => {
    const lr = 0.05;
    const { initial, grads, final } = stepsOf({ ...base, learningRate: lr, momentum: 0 });
    expect(grads.length).toBeGreaterThanOrEqual(3);
    for (const name of grads[0]!.keys()) {
      const w = Float64Array.from(initial.get(name)!);
      for (const g of grads) g.get(name)!.forEach((gi, i) => (w[i] -= lr * gi));
      const got = final.get(name)!;
      w.forEach((wi, i) => expect(Math.abs(got[i]! - wi)).toBeLessThan(1e-5 * (1 + Math.abs(wi))));
    }
  });

  it('sgd with momentum: buf = g at the first step, then momentum buf + g; w - lr buf', () => {
    const lr = 0.02, momentum = 0.7;
    const { initial, grads, final } = stepsOf({ ...base, learningRate: lr, momentum });
    expect(grads.length).toBeGreaterThanOrEqual(3);
    let moved = 0;
    for (const name of grads[0]!.keys()) {
      const w = Float64Array.from(initial.get(name)!);
      const buf = new Float64Array(w.length);
      grads.forEach((g, t) => g.get(name)!.forEach((gi, i) => {
        buf[i] = t === 0 ? gi : momentum * buf[i]! + gi;
        w[i] -= lr * buf[i]!;
      }));
      const got = final.get(name)!;
      w.forEach((wi, i) => expect(Math.abs(got[i]! - wi)).toBeLessThan(1e-5 * (1 + Math.abs(wi))));
      moved += w.reduce((s, wi, i) => s + Math.abs(wi - initial.get(name)![i]!), 0);
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('adam (the default) does not step by lr g', () => {
    const lr = 0.05;
    const { initial, grads, final } = stepsOf({ ...base, optimizer: 'adam', learningRate: lr, epochs: 1 });
    const name = [...grads[0]!.keys()][0]!;
    const w = Float64Array.from(initial.get(name)!);
    for (const g of grads) g.get(name)!.forEach((gi, i) => (w[i] -= lr * gi));
    const got = final.get(name)!;
    expect(w.some((wi, i) => Math.abs(got[i]! - wi) > 1e-3)).toBe(true);
  });

  it("config.yaml's training.optimizer and training.momentum reach the transformer", () => {
    const config = mergeConfig({ model: 'transformer', training: { optimizer: 'sgd', momentum: 0.5 } }, defaultConfig());
    const o = new TransformerDetector(transformerOptions(config, ENDPOINT_V1)).options;
    expect([o.optimizer, o.momentum]).toEqual(['sgd', 0.5]);
    expect(new TransformerDetector(transformerOptions(defaultConfig(), ENDPOINT_V1)).options.optimizer).toBe('adam');
  });

  it('throws InvalidOptionError for an unknown optimizer or momentum outside [0, 1)', () => {
    expectError(() => new TransformerDetector({ optimizer: 'rmsprop' as 'sgd' }), InvalidOptionError, /The 'optimizer' option of TransformerDetector must be one of 'adam', 'adamw', 'sgd'\. Got 'rmsprop' instead\./);
    expectError(() => new TransformerDetector({ momentum: 1 }), InvalidOptionError, /The 'momentum' option of TransformerDetector must be a number in \[0, 1\)\. Got 1 instead\./);
  });
});

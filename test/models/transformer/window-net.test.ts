import { describe, expect, it } from 'vitest';
import { Var, backward, mul, sub, pow, sum, scale } from '../../../src/autograd/index.js';
import { Random, Tensor } from '../../../src/tensor/index.js';
import { WindowNet, type WindowNetOptions } from '../../../src/models/transformer/window-net.js';

const base: Omit<WindowNetOptions, 'rng'> = {
  inputDim: 10, positions: 6, dModel: 8, heads: 2, layers: 1, feedForward: 12, dropout: 0,
  activation: 'relu', normFirst: false, causal: false, maskToken: false,
};

/** Autograd loss with the same position/column selection as the fused loss. */
function autogradLoss(net: WindowNet, x: Tensor, target: Tensor, positions: Uint8Array | null, columns: Uint8Array | null, mask: Int32Array | null): Var {
  const { positions: L, inputDim: F } = net.options;
  const b = x.shape[0]!;
  const w = new Float32Array(b * L * F);
  let count = 0;
  for (let r = 0; r < b * L; r++) for (let j = 0; j < F; j++) {
    const on = (positions === null || positions[r] === 1) && (columns === null || columns[j] === 1);
    w[r * F + j] = on ? 1 : 0;
    count += on ? 1 : 0;
  }
  const y = net.forwardMasked(new Var(x), mask);
  return scale(sum(mul(pow(sub(y, new Var(target)), 2), new Tensor(w, [b, L, F]))), 1 / count);
}

const cases: [string, Partial<WindowNetOptions>, boolean][] = [
  ['post-norm relu, bidirectional', {}, false],
  ['post-norm relu, causal', { causal: true }, false],
  ['pre-norm gelu, causal, 2 layers', { normFirst: true, activation: 'gelu', causal: true, layers: 2 }, false],
  ['post-norm, 2 layers, masked positions', { layers: 2, maskToken: true }, true],
];

describe('WindowNet fused path against its autograd forward', () => {
  for (const [name, opts, masked] of cases) {
    it(`${name}: loss, outputs and every parameter gradient agree`, () => {
      const net = new WindowNet({ ...base, ...opts, rng: new Random(3) });
      const { positions: L, inputDim: F } = net.options;
      const b = 5;
      const rng = new Random(4);
      const x = new Tensor(rng.normalFill(new Float32Array(b * L * F)), [b, L, F]);
      const target = new Tensor(rng.normalFill(new Float32Array(b * L * F)), [b, L, F]);
      const positions = Uint8Array.from({ length: b * L }, (_, r) => (r % 3 === 0 ? 1 : 0));
      const columns = Uint8Array.from({ length: F }, (_, j) => (j < 7 ? 1 : 0));
      const mask = masked ? Int32Array.from([0, 5, -1, 2, 5]) : null;
      const ref = autogradLoss(net, x, target, positions, columns, mask);
      backward(ref);
      const want = new Map(net.namedParameters().map(([n, p]) => [n, Float32Array.from(p.grad!.data)]));
      const yRef = net.forwardMasked(new Var(x), mask).data;
      for (const p of net.parameters()) p.grad!.data.fill(NaN); // the fused step must overwrite every gradient
      const got = net.fused.lossAndGrad({ x: x.data, batch: b, maskPositions: mask }, { target: target.data, positions, columns });
      expect(got).toBeCloseTo(ref.item(), 5);
      expect(net.fused.forward({ x: x.data, batch: b, maskPositions: mask }).subarray(0, b * L * F)).toBeAllclose(yRef, { rtol: 1e-4, atol: 1e-5 });
      for (const [n, p] of net.namedParameters()) {
        expect(p.grad!.data, n).toBeAllclose(want.get(n)!, { rtol: 1e-3, atol: 1e-6 });
      }
    });
  }
});

/**
 * Backward rules: for each primitive, the vector-Jacobian product of the upstream gradient `g`
 * (shaped like the output) with respect to each input, in input order (`null` when the input needs
 * no gradient). Typed as a mapped type over `Primitive`, so a primitive without a rule fails `tsc`.
 */
import {
  type Tensor, broadcastTo, div, matmul, mul, neg, permute, reducedShape, reshape, scalar, slice,
  sum, sumToShape, where,
} from '../tensor/index.js';
import {
  absGrad, geluGrad, layerNormGrad, maskGrad, maxGrad, powGrad, sigmoidGrad, sliceGrad, softmaxGrad, sqrtGrad, tanhGrad,
} from './grad-kernels.js';
import type { Primitive, PrimitiveAttrs } from './primitives.js';

export interface RuleContext<P extends Primitive> {
  /** Input values, in argument order. */
  readonly inputs: readonly Tensor[];
  /** The forward output. */
  readonly out: Tensor;
  readonly attrs: PrimitiveAttrs[P];
  /** Whether input i requires a gradient; rules skip the others. */
  readonly needs: readonly boolean[];
}

export type BackwardRule<P extends Primitive> = (g: Tensor, ctx: RuleContext<P>) => readonly (Tensor | null)[];
export type RuleTable = { readonly [P in Primitive]: BackwardRule<P> };

const ZERO = scalar(0);

export const rules: RuleTable = {
  // d(a+b) = da + db
  add: (g, { inputs: [a, b], needs }) => [needs[0] ? sumToShape(g, a!.shape) : null, needs[1] ? sumToShape(g, b!.shape) : null],
  // d(a-b) = da - db
  sub: (g, { inputs: [a, b], needs }) => [needs[0] ? sumToShape(g, a!.shape) : null, needs[1] ? sumToShape(neg(g), b!.shape) : null],
  // d(ab) = b da + a db
  mul: (g, { inputs: [a, b], needs }) => [
    needs[0] ? sumToShape(mul(g, b!), a!.shape) : null,
    needs[1] ? sumToShape(mul(g, a!), b!.shape) : null,
  ],
  // d(a/b) = da / b - (a/b) db / b
  div: (g, { inputs: [a, b], out, needs }) => [
    needs[0] ? sumToShape(div(g, b!), a!.shape) : null,
    needs[1] ? sumToShape(neg(div(mul(g, out), b!)), b!.shape) : null,
  ],
  // d(-x) = -dx
  neg: (g) => [neg(g)],
  // d e^x = e^x dx
  exp: (g, { out }) => [mul(g, out)],
  // d log x = dx / x
  log: (g, { inputs: [x] }) => [div(g, x!)],
  // d sqrt x = dx / (2 sqrt x)
  sqrt: (g, { out }) => [sqrtGrad(g, out)],
  // d|x| = sign(x) dx
  abs: (g, { inputs: [x] }) => [absGrad(g, x!)],
  // d tanh x = (1 - tanh^2 x) dx
  tanh: (g, { out }) => [tanhGrad(g, out)],
  // d sigma(x) = sigma (1 - sigma) dx
  sigmoid: (g, { out }) => [sigmoidGrad(g, out)],
  // d relu x = [x > 0] dx
  relu: (g, { inputs: [x] }) => [maskGrad(g, x!, 0, Infinity)],
  // d x^p = p x^(p-1) dx
  pow: (g, { inputs: [x], attrs }) => [powGrad(g, x!, attrs.exponent)],
  // d(c x) = c dx
  scale: (g, { attrs }) => [mul(g, scalar(attrs.factor))],
  // d gelu x = (Phi(x) + x phi(x)) dx, or the derivative of the tanh form
  gelu: (g, { inputs: [x], attrs }) => [geluGrad(g, x!, attrs.approximate)],
  // d clamp x = [min < x < max] dx
  clamp: (g, { inputs: [x], attrs }) => [maskGrad(g, x!, attrs.min, attrs.max)],
  // d where(c, a, b) = where(c, da, 0) + where(c, 0, db)
  where: (g, { inputs: [a, b], attrs, needs }) => [
    needs[0] ? sumToShape(where(attrs.cond, g, ZERO), a!.shape) : null,
    needs[1] ? sumToShape(where(attrs.cond, ZERO, g), b!.shape) : null,
  ],
  // d sum x = broadcast(g) over the reduced axis
  sum: (g, { inputs: [x], attrs }) => [broadcastTo(reshape(g, reducedShape(x!.shape, attrs.axis, true)), x!.shape)],
  // d max x = g at the argmax, 0 elsewhere
  max: (g, { inputs: [x], attrs }) => [maxGrad(g, attrs.indices, x!.shape, attrs.axis)],
  // C = A B: dA = G B^T, dB = A^T G, each summed over the batch dims it was broadcast along
  matmul: (g, { inputs: [a, b], needs }) => [
    needs[0] ? sumToShape(matmul(g, b!, { transB: true }), a!.shape) : null,
    needs[1] ? matmulGradB(g, a!, b!) : null,
  ],
  // y = x W^T + b: dx = G W, dW = G^T x, db = sum over rows of G
  linear: (g, { inputs: [x, w, b], needs }) => {
    const outF = w!.shape[0]!;
    const g2 = reshape(g, [-1, outF]);
    return [
      needs[0] ? reshape(matmul(g2, w!), x!.shape) : null,
      needs[1] ? matmul(g2, reshape(x!, [-1, w!.shape[1]!]), { transA: true }) : null,
      b !== undefined && needs[2] ? sum(g2, { axis: 0 }) : null,
    ];
  },
  // permute back with the inverse permutation
  permute: (g, { attrs }) => {
    const inv = new Array<number>(attrs.perm.length);
    attrs.perm.forEach((p, i) => (inv[p] = i));
    return [permute(g, inv)];
  },
  // reshape back
  reshape: (g, { inputs: [x] }) => [reshape(g, x!.shape)],
  // split g along the axis into the inputs' extents
  concat: (g, { inputs, attrs, needs }) => {
    let start = 0;
    return inputs.map((t, i) => {
      const end = start + t.shape[attrs.axis]!;
      const part = needs[i] ? slice(g, { axis: attrs.axis, start, end }) : null;
      start = end;
      return part;
    });
  },
  // scatter g into zeros at the sliced positions
  slice: (g, { inputs: [x], attrs }) => [sliceGrad(g, x!.shape, attrs.axis, attrs.start, attrs.step)],
  // dx = y (g - sum(g y)) along the axis
  softmax: (g, { out, attrs }) => [softmaxGrad(g, out, attrs.axis, false)],
  // dx = g - softmax(x) sum(g) along the axis
  logSoftmax: (g, { out, attrs }) => [softmaxGrad(g, out, attrs.axis, true)],
  // dx = rstd (g w - mean(g w) - x̂ mean(g w x̂)), dw = sum g x̂, db = sum g
  layerNorm: (g, { inputs: [x, w], attrs }) => {
    const { dx, dWeight, dBias } = layerNormGrad(g, x!, w, attrs.mean, attrs.rstd);
    return [dx, dWeight, dBias];
  },
};

/** dB = A^T G; when a shared 2-D B meets a batched A, the batch folds into one product's rows. */
function matmulGradB(g: Tensor, a: Tensor, b: Tensor): Tensor {
  if (b.shape.length === 2 && a.shape.length > 2) {
    const k = a.shape[a.shape.length - 1]!;
    return matmul(reshape(a, [-1, k]), reshape(g, [-1, g.shape[g.shape.length - 1]!]), { transA: true });
  }
  return sumToShape(matmul(a, g, { transA: true }), b.shape);
}


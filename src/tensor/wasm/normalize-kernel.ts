/**
 * The WebAssembly twins of the row normalizations (../layer-norm.ts, ../softmax.ts) over contiguous
 * rows: four lanes per f32x4, a scalar loop for the last `n % 4`, float32 arithmetic (the JS twins
 * compute in float64 and round once). Softmax's exp is Cephes' `expf` (range reduction by ln 2,
 * a degree-5 polynomial, 2^k built in the exponent bits), within 2 float32 ulp of exp.
 */
import type { Code, Local } from './code.js';
import { at, horizontalSum, lanes } from './emit-helpers.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';

/** The normalize module: {@link addNormalize}. */
export const NORMALIZE_MODULE: KernelModuleSpec = {
  name: 'normalize',
  summary: 'row normalizations: LayerNorm (mean, biased variance, affine) and softmax (Cephes expf in f32x4 lanes)',
  build: addNormalize,
};

/** Adds `layer_norm` and `softmax` to `mod` (LayerNorm's backward is a module of its own: ./layer-norm-grad-kernel.ts). */
export function addNormalize(mod: ModuleBuilder): void {
  addLayerNorm(mod);
  addSoftmax(mod);
}

/**
 * `layer_norm(x, y, gamma, beta, rows, n, eps, mean, rstd, affine)`: per row, mean and biased
 * variance, y = (x - mean) rstd (* gamma when affine & 1) (+ beta when affine & 2); mean and rstd
 * stored as float64 per row.
 */
function addLayerNorm(mod: ModuleBuilder): void {
  const f = mod.func('layer_norm');
  const [x, y, gamma, beta, rows, n] = ['x', 'y', 'gamma', 'beta', 'rows', 'n'].map((p) => f.param(p)) as [Local, Local, Local, Local, Local, Local];
  const eps = f.param('eps', 'f32');
  const [mean, rstd, affine] = [f.param('mean'), f.param('rstd'), f.param('affine')];
  const i = f.local('i'), j = f.local('j');
  const acc = f.local('acc', 'v128'), v = f.local('v', 'v128'), mu = f.local('mu', 'f32'), rs = f.local('rs', 'f32'), t = f.local('t', 'f32');
  const c = f.code;
  c.block('empty').get(rows).op('i32.eqz').brIf('empty').i32(0).set(i).loop('rowLoop');
  c.note('mu = sum(x) / n');
  c.f32x4(0).set(acc).f32(0).set(t);
  lanes(c, j, n, () => { c.get(acc); at(c, x, j).mem('v128.load').op('f32x4.add').set(acc); }, () => { c.get(t); at(c, x, j).mem('f32.load').op('f32.add').set(t); });
  horizontalSum(c, acc).get(t).op('f32.add').get(n).op('f32.convert_i32_s').op('f32.div').set(mu);
  c.note('rs = 1 / sqrt(sum((x - mu)^2) / n + eps)');
  c.f32x4(0).set(acc).f32(0).set(t);
  lanes(c, j, n, () => {
    at(c, x, j).mem('v128.load').get(mu).op('f32x4.splat').op('f32x4.sub').set(v);
    c.get(acc).get(v).get(v).op('f32x4.mul').op('f32x4.add').set(acc);
  }, () => {
    at(c, x, j).mem('f32.load').get(mu).op('f32.sub').set(rs);
    c.get(t).get(rs).get(rs).op('f32.mul').op('f32.add').set(t);
  });
  c.f32(1);
  horizontalSum(c, acc).get(t).op('f32.add').get(n).op('f32.convert_i32_s').op('f32.div').get(eps).op('f32.add').op('f32.sqrt').op('f32.div').set(rs);
  c.get(mean).get(i).i32(8).op('i32.mul').op('i32.add').get(mu).op('f64.promote_f32').mem('f64.store');
  c.get(rstd).get(i).i32(8).op('i32.mul').op('i32.add').get(rs).op('f64.promote_f32').mem('f64.store');
  c.note('y = (x - mu) rs, then * gamma and + beta when given');
  lanes(c, j, n, () => {
    at(c, x, j).mem('v128.load').get(mu).op('f32x4.splat').op('f32x4.sub').get(rs).op('f32x4.splat').op('f32x4.mul').set(v);
    c.get(affine).i32(1).op('i32.and').if().get(v); at(c, gamma, j).mem('v128.load').op('f32x4.mul').set(v); c.end();
    c.get(affine).i32(2).op('i32.and').if().get(v); at(c, beta, j).mem('v128.load').op('f32x4.add').set(v); c.end();
    at(c, y, j).get(v).mem('v128.store');
  }, () => {
    at(c, x, j).mem('f32.load').get(mu).op('f32.sub').get(rs).op('f32.mul').set(t);
    c.get(affine).i32(1).op('i32.and').if().get(t); at(c, gamma, j).mem('f32.load').op('f32.mul').set(t); c.end();
    c.get(affine).i32(2).op('i32.and').if().get(t); at(c, beta, j).mem('f32.load').op('f32.add').set(t); c.end();
    at(c, y, j).get(t).mem('f32.store');
  });
  c.get(x).get(n).i32(4).op('i32.mul').op('i32.add').set(x).get(y).get(n).i32(4).op('i32.mul').op('i32.add').set(y);
  c.get(i).i32(1).op('i32.add').tee(i).get(rows).op('i32.lt_u').brIf('rowLoop').end().end();
}

/** Cephes expf's constants: ln 2 in two parts, and the polynomial for exp(r) - 1 - r on |r| <= ln2 / 2. */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * `v = exp(v)` on four lanes for v <= 0 (softmax passes x - max): lanes below -87.3, where exp is
 * under float32's normal range, become exactly 0 (a masked -Infinity too).
 */
export function exp4(c: Code, v: Local, k: Local, p: Local, under: Local): void {
  c.get(v).f32x4(-87.3).op('f32x4.lt').set(under);
  c.get(v).f32x4(-87.3).op('f32x4.max').set(v);
  c.note('k = nearest(v / ln 2); r = v - k ln 2 (in two parts, exact enough for float32)');
  c.get(v).f32x4(Math.LOG2E).op('f32x4.mul').op('f32x4.nearest').set(k);
  c.get(v).get(k).f32x4(LN2_HI).op('f32x4.mul').op('f32x4.sub').get(k).f32x4(LN2_LO).op('f32x4.mul').op('f32x4.sub').set(v);
  c.note('exp(r) = 1 + r + r^2 P(r), then times 2^k built as the float bits (k + 127) << 23');
  c.f32x4(EXP_POLY[0]!).set(p);
  for (const coef of EXP_POLY.slice(1)) c.get(p).get(v).op('f32x4.mul').f32x4(coef).op('f32x4.add').set(p);
  c.get(p).get(v).op('f32x4.mul').get(v).op('f32x4.mul').get(v).op('f32x4.add').f32x4(1).op('f32x4.add');
  c.get(k).op('i32x4.trunc_sat_f32x4_s').i32(127).op('i32x4.splat').op('i32x4.add').i32(23).op('i32x4.shl').op('f32x4.mul');
  c.get(under).op('v128.andnot').set(v);
}

/** `softmax(x, y, rows, n)`: per row y = exp(x - max) / sum. */
function addSoftmax(mod: ModuleBuilder): void {
  const f = mod.func('softmax');
  const [x, y, rows, n] = [f.param('x'), f.param('y'), f.param('rows'), f.param('n')];
  const i = f.local('i'), j = f.local('j');
  const acc = f.local('acc', 'v128'), v = f.local('v', 'v128'), k = f.local('k', 'v128'), p = f.local('p', 'v128'), under = f.local('under', 'v128');
  const mx = f.local('mx', 'f32'), sum = f.local('sum', 'f32');
  const c = f.code;
  c.block('empty').get(rows).op('i32.eqz').brIf('empty').get(rows).set(i).loop('rowLoop');
  c.note('mx = max(x)');
  c.f32x4(-Infinity).set(acc).f32(-Infinity).set(mx);
  lanes(c, j, n, () => { c.get(acc); at(c, x, j).mem('v128.load').op('f32x4.max').set(acc); }, () => { c.get(mx); at(c, x, j).mem('f32.load').op('f32.max').set(mx); });
  for (let lane = 0; lane < 4; lane++) c.get(mx).get(acc).lane('f32x4.extract_lane', lane).op('f32.max').set(mx);
  c.note('y = exp(x - mx), summed (the tail one lane at a time through the same vector exp)');
  c.f32x4(0).set(acc).f32(0).set(sum);
  lanes(c, j, n, () => {
    at(c, x, j).mem('v128.load').get(mx).op('f32x4.splat').op('f32x4.sub').set(v);
    exp4(c, v, k, p, under);
    at(c, y, j).get(v).mem('v128.store');
    c.get(acc).get(v).op('f32x4.add').set(acc);
  }, () => {
    at(c, x, j).mem('f32.load').get(mx).op('f32.sub').op('f32x4.splat').set(v);
    exp4(c, v, k, p, under);
    at(c, y, j).get(v).lane('f32x4.extract_lane', 0).mem('f32.store');
    c.get(sum).get(v).lane('f32x4.extract_lane', 0).op('f32.add').set(sum);
  });
  c.note('y /= sum');
  c.f32(1);
  horizontalSum(c, acc).get(sum).op('f32.add').op('f32.div').set(sum);
  lanes(c, j, n, () => {
    at(c, y, j);
    at(c, y, j).mem('v128.load').get(sum).op('f32x4.splat').op('f32x4.mul').mem('v128.store');
  }, () => {
    at(c, y, j);
    at(c, y, j).mem('f32.load').get(sum).op('f32.mul').mem('f32.store');
  });
  c.get(x).get(n).i32(4).op('i32.mul').op('i32.add').set(x).get(y).get(n).i32(4).op('i32.mul').op('i32.add').set(y);
  c.get(i).i32(1).op('i32.sub').tee(i).brIf('rowLoop').end().end();
}

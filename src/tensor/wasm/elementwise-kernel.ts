/**
 * The WebAssembly twins of the elementwise kernels around a dense layer (../bias-activation.ts,
 * ../column-sums.ts, ../squared-error.ts, ../adam-update.ts): four lanes per f32x4, a scalar loop
 * for the last `n % 4` of a row. Arithmetic is float32 throughout (the JS twins round the same
 * formulas from float64), except the loss sums, which are float64 as in JS.
 */
import type { Code, Local } from './code.js';
import { at, horizontalSum, lanes } from './emit-helpers.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';

/** The elementwise module: {@link addElementwise}. */
export const ELEMENTWISE_MODULE: KernelModuleSpec = {
  name: 'elementwise',
  summary: 'bias + ReLU epilogue, ReLU gradient, column sums, squared-error loss and gradient, row scores, Adam update',
  build: addElementwise,
};

/** Adds every elementwise kernel to `mod`. */
export function addElementwise(mod: ModuleBuilder): void {
  addBiasRelu(mod);
  addReluGrad(mod);
  addColumnSums(mod);
  addSquaredErrorGrad(mod);
  addRowSquaredError(mod);
  addAdam(mod);
}

/** `bias_relu(z, a, bias, rows, n, relu)`: z[i, :] += bias; when relu, a = max(z, 0) (NaN -> 0, as `z > 0 ? z : 0`). */
function addBiasRelu(mod: ModuleBuilder): void {
  const f = mod.func('bias_relu');
  const [z, a, bias, rows, n, relu] = ['z', 'a', 'bias', 'rows', 'n', 'relu'].map((p) => f.param(p)) as [Local, Local, Local, Local, Local, Local];
  const i = f.local('i'), j = f.local('j'), zRow = f.local('zRow'), aRow = f.local('aRow');
  const v = f.local('v', 'v128'), s = f.local('s', 'f32');
  const x = f.code;
  x.block('empty').get(rows).op('i32.eqz').brIf('empty');
  x.get(z).set(zRow).get(a).set(aRow).get(rows).set(i).loop('rowLoop');
  x.note('z[row] += bias, then a[row] = pmax(0, z[row]) when relu: pmax(0, v) is `0 < v ? v : 0`');
  lanes(x, j, n, () => {
    at(x, zRow, j).mem('v128.load').get(bias).get(j).i32(4).op('i32.mul').op('i32.add').mem('v128.load').op('f32x4.add').set(v);
    at(x, zRow, j).get(v).mem('v128.store');
    x.get(relu).if();
    at(x, aRow, j).f32x4(0).get(v).op('f32x4.pmax').mem('v128.store');
    x.end();
  }, () => {
    at(x, zRow, j).mem('f32.load').get(bias).get(j).i32(4).op('i32.mul').op('i32.add').mem('f32.load').op('f32.add').set(s);
    at(x, zRow, j).get(s).mem('f32.store');
    x.get(relu).if();
    at(x, aRow, j).get(s).f32(0).get(s).f32(0).op('f32.gt').op('select').mem('f32.store');
    x.end();
  });
  x.get(zRow).get(n).i32(4).op('i32.mul').op('i32.add').set(zRow);
  x.get(aRow).get(n).i32(4).op('i32.mul').op('i32.add').set(aRow);
  x.get(i).i32(1).op('i32.sub').tee(i).brIf('rowLoop').end().end();
}

/** `relu_grad(g, a, len)`: g[i] = a[i] > 0 ? g[i] : 0 (the derivative of ReLU through its output). */
function addReluGrad(mod: ModuleBuilder): void {
  const f = mod.func('relu_grad');
  const [g, a, len] = [f.param('g'), f.param('a'), f.param('len')];
  const j = f.local('j');
  const x = f.code;
  x.note('g &= (a > 0): the comparison gives all-ones lanes where a is positive, zeros elsewhere (NaN too)');
  lanes(x, j, len, () => {
    at(x, g, j);
    at(x, g, j).mem('v128.load');
    at(x, a, j).mem('v128.load').f32x4(0).op('f32x4.gt').op('v128.and');
    x.mem('v128.store');
  }, () => {
    at(x, g, j);
    at(x, g, j).mem('f32.load').f32(0);
    at(x, a, j).mem('f32.load').f32(0).op('f32.gt').op('select');
    x.mem('f32.store');
  });
}

/**
 * `col_sums(m, rows, n, out)`: out[j] = sum_i m[i, j], summed in float32 lanes down the rows
 * (the JS twin sums in float64).
 */
function addColumnSums(mod: ModuleBuilder): void {
  const f = mod.func('col_sums');
  const [m, rows, n, out] = [f.param('m'), f.param('rows'), f.param('n'), f.param('out')];
  const i = f.local('i'), j = f.local('j'), p = f.local('p');
  const acc = f.local('acc', 'v128'), s = f.local('s', 'f32');
  const x = f.code;
  x.note('per group of four columns: acc += m[i, j : j + 4] down the rows');
  const down = (body: () => void): void => {
    at(x, m, j).set(p).get(rows).set(i);
    x.block('noRows').get(i).op('i32.eqz').brIf('noRows').loop('down');
    body();
    x.get(p).get(n).i32(4).op('i32.mul').op('i32.add').set(p);
    x.get(i).i32(1).op('i32.sub').tee(i).brIf('down').end().end();
  };
  lanes(x, j, n, () => {
    x.f32x4(0).set(acc);
    down(() => x.get(acc).get(p).mem('v128.load').op('f32x4.add').set(acc));
    at(x, out, j).get(acc).mem('v128.store');
  }, () => {
    x.f32(0).set(s);
    down(() => x.get(s).get(p).mem('f32.load').op('f32.add').set(s));
    at(x, out, j).get(s).mem('f32.store');
  });
}

/**
 * `sq_err_grad(y, x, dy, rows, d, mask, scale) -> f64`: e = (y - x) * mask[j] (mask: floats 1 or
 * 0), dy = scale * e, and returns sum e^2 (per row in float32 lanes, over rows in float64).
 */
function addSquaredErrorGrad(mod: ModuleBuilder): void {
  const f = mod.func('sq_err_grad').returns('f64');
  const [y, xs, dy, rows, d, mask, scale] = [f.param('y'), f.param('x'), f.param('dy'), f.param('rows'), f.param('d'), f.param('mask'), f.param('scale', 'f32')];
  const i = f.local('i'), j = f.local('j'), e = f.local('e', 'v128'), acc = f.local('acc', 'v128'), es = f.local('es', 'f32'), row = f.local('row', 'f32');
  const sum = f.local('sum', 'f64');
  const x = f.code;
  x.f64(0).set(sum).get(rows).set(i);
  x.block('empty').get(rows).op('i32.eqz').brIf('empty').loop('rowLoop');
  x.note('one row: e = (y - x) * mask, dy = scale * e, row sum of e^2 in four lanes plus the tail');
  maskedErrors(x, { y, xs, mask, j, d, e, es, acc, row }, {
    vector: () => at(x, dy, j).get(e).get(scale).op('f32x4.splat').op('f32x4.mul').mem('v128.store'),
    scalar: () => at(x, dy, j).get(es).get(scale).op('f32.mul').mem('f32.store'),
  });
  horizontalSum(x, acc).get(row).op('f32.add').op('f64.promote_f32').get(sum).op('f64.add').set(sum);
  advance(x, [y, xs, dy], d);
  x.get(i).i32(1).op('i32.sub').tee(i).brIf('rowLoop').end().end();
  x.get(sum);
}

/** `row_sq_err(y, x, out, rows, d, mask, invCount)`: out[i] = invCount * sum_j mask[j] (y[i, j] - x[i, j])^2. */
function addRowSquaredError(mod: ModuleBuilder): void {
  const f = mod.func('row_sq_err');
  const [y, xs, out, rows, d, mask, invCount] = [f.param('y'), f.param('x'), f.param('out'), f.param('rows'), f.param('d'), f.param('mask'), f.param('invCount', 'f32')];
  const i = f.local('i'), j = f.local('j'), e = f.local('e', 'v128'), acc = f.local('acc', 'v128'), es = f.local('es', 'f32'), row = f.local('row', 'f32');
  const x = f.code;
  x.get(rows).set(i);
  x.block('empty').get(rows).op('i32.eqz').brIf('empty').loop('rowLoop');
  x.note('one row: the masked sum of (y - x)^2 in four lanes plus the tail, times 1 / count');
  maskedErrors(x, { y, xs, mask, j, d, e, es, acc, row }, { vector: () => undefined, scalar: () => undefined });
  x.get(out);
  horizontalSum(x, acc).get(row).op('f32.add').get(invCount).op('f32.mul').mem('f32.store');
  advance(x, [y, xs], d);
  x.get(out).i32(4).op('i32.add').set(out);
  x.get(i).i32(1).op('i32.sub').tee(i).brIf('rowLoop').end().end();
}

/**
 * `adam(w, g, m, v, len, beta1, beta2, oneMinusBeta1, oneMinusBeta2, stepSize, rootBc2, eps, l2, shrink)`,
 * torch.optim.Adam's float32 update: w' = w shrink; g' = g + l2 w'; m = b1 m + (1 - b1) g';
 * v = b2 v + (1 - b2) g'^2; w = w' - stepSize m / (sqrt(v) / rootBc2 + eps). `1 - b` comes in
 * computed in float64, as torch's Python scalars do (1 - f32(0.999) would be 1.3e-5 off).
 */
function addAdam(mod: ModuleBuilder): void {
  const f = mod.func('adam');
  const [w, g, m, v, len] = [f.param('w'), f.param('g'), f.param('m'), f.param('v'), f.param('len')];
  const scalars = ['beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'stepSize', 'rootBc2', 'eps', 'l2', 'shrink'].map((p) => f.param(p, 'f32'));
  const j = f.local('j');
  const vec = scalars.map((s) => f.local(`${s.name}4`, 'v128'));
  const wi = f.local('wi', 'v128'), gi = f.local('gi', 'v128'), mi = f.local('mi', 'v128'), vi = f.local('vi', 'v128');
  const [b1, b2, one1, one2, stepSize, rootBc2, eps, l2, shrink] = vec as [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const x = f.code;
  x.note('every hyperparameter splatted to four lanes once');
  scalars.forEach((s, k) => x.get(s).op('f32x4.splat').set(vec[k]!));
  const update = (load: 'v128.load' | 'f32.load', store: 'v128.store' | 'f32.store'): void => {
    const put = (base: Local, value: Local): void => {
      at(x, base, j).get(value);
      if (store === 'f32.store') x.lane('f32x4.extract_lane', 0);
      x.mem(store);
    };
    const fetch = (base: Local): Code => (load === 'v128.load' ? at(x, base, j).mem(load) : at(x, base, j).mem(load).op('f32x4.splat'));
    fetch(w).get(shrink).op('f32x4.mul').set(wi);
    fetch(g).get(l2).get(wi).op('f32x4.mul').op('f32x4.add').set(gi);
    x.get(b1); fetch(m).op('f32x4.mul').get(one1).get(gi).op('f32x4.mul').op('f32x4.add').set(mi);
    x.get(b2); fetch(v).op('f32x4.mul').get(one2).get(gi).op('f32x4.mul').get(gi).op('f32x4.mul').op('f32x4.add').set(vi);
    put(m, mi);
    put(v, vi);
    x.get(wi).get(stepSize).get(mi).op('f32x4.mul')
      .get(vi).op('f32x4.sqrt').get(rootBc2).op('f32x4.div').get(eps).op('f32x4.add').op('f32x4.div').op('f32x4.sub').set(wi);
    put(w, wi);
  };
  x.note('four parameters per step, then the tail one by one (splatted, lane 0 stored)');
  lanes(x, j, len, () => update('v128.load', 'v128.store'), () => update('f32.load', 'f32.store'));
}

/** The locals of one row of masked errors. */
interface ErrorLocals {
  y: Local; xs: Local; mask: Local; j: Local; d: Local;
  /** this group's (vector) or this column's (scalar) masked error */
  e: Local; es: Local;
  /** the row's sum of squares: four lanes and the tail */
  acc: Local; row: Local;
}

/** One row: e = (y - x) * mask per lane group, `use` it, and sum e^2 into acc (vector) and row (tail). */
function maskedErrors(x: Code, L: ErrorLocals, use: { vector: () => void; scalar: () => void }): void {
  const { y, xs, mask, j, d, e, es, acc, row } = L;
  x.f32x4(0).set(acc).f32(0).set(row);
  lanes(x, j, d, () => {
    at(x, y, j).mem('v128.load');
    at(x, xs, j).mem('v128.load').op('f32x4.sub');
    at(x, mask, j).mem('v128.load').op('f32x4.mul').set(e);
    use.vector();
    x.get(acc).get(e).get(e).op('f32x4.mul').op('f32x4.add').set(acc);
  }, () => {
    at(x, y, j).mem('f32.load');
    at(x, xs, j).mem('f32.load').op('f32.sub');
    at(x, mask, j).mem('f32.load').op('f32.mul').set(es);
    use.scalar();
    x.get(row).get(es).get(es).op('f32.mul').op('f32.add').set(row);
  });
}

/** Moves each row pointer on by `d` floats. */
function advance(x: Code, pointers: Local[], d: Local): void {
  for (const p of pointers) x.get(p).get(d).i32(4).op('i32.mul').op('i32.add').set(p);
}


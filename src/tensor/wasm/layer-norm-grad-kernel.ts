/**
 * The WebAssembly twin of LayerNorm's backward (../../autograd/grad-kernels.ts layerNormGradInto):
 * per row, with xh = (x - mean) rstd and gw = g * weight,
 * `dx = rstd (gw - mean(gw) - xh mean(gw xh))`, and the weight and bias gradients
 * `dw += g xh`, `db += g` summed down the rows. Four lanes per f32x4, a scalar loop for the last
 * `n % 4`; float32 throughout (the JS twin sums in float64).
 */
import type { Local } from './code.js';
import { at, horizontalSum, lanes } from './emit-helpers.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';

/** LayerNorm's backward, apart from the forward normalize module: training runs it, the runtime never does. */
export const LAYER_NORM_GRAD_MODULE: KernelModuleSpec = {
  name: 'layer-norm-grad',
  summary: "LayerNorm's backward: dx, and the weight and bias gradients summed down the rows in float32 lanes",
  build: addLayerNormGrad,
};

/**
 * `layer_norm_grad(g, x, w, mean, rstd, dx, dw, db, rows, n, hasW)`: `mean` and `rstd` are float64
 * per row (as layer_norm stores them); `dw` and `db` are float32 `[n]` added to; w is read when
 * hasW.
 */
export function addLayerNormGrad(mod: ModuleBuilder): void {
  const f = mod.func('layer_norm_grad');
  const names = ['g', 'x', 'w', 'mean', 'rstd', 'dx', 'dw', 'db', 'rows', 'n', 'hasW'];
  const [g, x, w, mean, rstd, dx, dw, db, rows, n, hasW] = names.map((p) => f.param(p)) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const i = f.local('i'), j = f.local('j');
  const mu = f.local('mu', 'f32'), rs = f.local('rs', 'f32'), s1 = f.local('s1', 'f32'), s2 = f.local('s2', 'f32');
  const t1 = f.local('t1', 'f32'), xh = f.local('xh', 'f32'), gw = f.local('gw', 'f32');
  const a1 = f.local('a1', 'v128'), a2 = f.local('a2', 'v128'), vx = f.local('vx', 'v128'), vg = f.local('vg', 'v128'), vw = f.local('vw', 'v128');
  const c = f.code;
  /** Loads x-hat and g * w of float j (vector or scalar form) into the given locals. */
  const loadV = (): void => {
    at(c, x, j).mem('v128.load').get(mu).op('f32x4.splat').op('f32x4.sub').get(rs).op('f32x4.splat').op('f32x4.mul').set(vx);
    at(c, g, j).mem('v128.load').set(vg);
    c.get(vg).set(vw).get(hasW).if().get(vg); at(c, w, j).mem('v128.load').op('f32x4.mul').set(vw); c.end();
  };
  const loadS = (): void => {
    at(c, x, j).mem('f32.load').get(mu).op('f32.sub').get(rs).op('f32.mul').set(xh);
    at(c, g, j).mem('f32.load').set(t1);
    c.get(t1).set(gw).get(hasW).if().get(t1); at(c, w, j).mem('f32.load').op('f32.mul').set(gw); c.end();
  };
  c.block('empty').get(rows).op('i32.eqz').brIf('empty').get(rows).set(i).loop('rowLoop');
  c.get(mean).mem('f64.load').op('f32.demote_f64').set(mu).get(rstd).mem('f64.load').op('f32.demote_f64').set(rs);
  c.note('s1 = sum(gw), s2 = sum(gw xh); dw += g xh, db += g');
  c.f32x4(0).set(a1).f32x4(0).set(a2).f32(0).set(s1).f32(0).set(s2);
  lanes(c, j, n, () => {
    loadV();
    c.get(a1).get(vw).op('f32x4.add').set(a1).get(a2).get(vw).get(vx).op('f32x4.mul').op('f32x4.add').set(a2);
    at(c, dw, j); at(c, dw, j).mem('v128.load').get(vg).get(vx).op('f32x4.mul').op('f32x4.add').mem('v128.store');
    at(c, db, j); at(c, db, j).mem('v128.load').get(vg).op('f32x4.add').mem('v128.store');
  }, () => {
    loadS();
    c.get(s1).get(gw).op('f32.add').set(s1).get(s2).get(gw).get(xh).op('f32.mul').op('f32.add').set(s2);
    at(c, dw, j); at(c, dw, j).mem('f32.load').get(t1).get(xh).op('f32.mul').op('f32.add').mem('f32.store');
    at(c, db, j); at(c, db, j).mem('f32.load').get(t1).op('f32.add').mem('f32.store');
  });
  horizontalSum(c, a1).get(s1).op('f32.add').get(n).op('f32.convert_i32_s').op('f32.div').set(s1);
  horizontalSum(c, a2).get(s2).op('f32.add').get(n).op('f32.convert_i32_s').op('f32.div').set(s2);
  c.note('dx = rs (gw - s1 - xh s2)');
  lanes(c, j, n, () => {
    loadV();
    at(c, dx, j).get(vw).get(s1).op('f32x4.splat').op('f32x4.sub').get(vx).get(s2).op('f32x4.splat').op('f32x4.mul').op('f32x4.sub');
    c.get(rs).op('f32x4.splat').op('f32x4.mul').mem('v128.store');
  }, () => {
    loadS();
    at(c, dx, j).get(gw).get(s1).op('f32.sub').get(xh).get(s2).op('f32.mul').op('f32.sub').get(rs).op('f32.mul').mem('f32.store');
  });
  for (const p of [g, x, dx]) c.get(p).get(n).i32(4).op('i32.mul').op('i32.add').set(p);
  for (const p of [mean, rstd]) c.get(p).i32(8).op('i32.add').set(p);
  c.get(i).i32(1).op('i32.sub').tee(i).brIf('rowLoop').end().end();
}

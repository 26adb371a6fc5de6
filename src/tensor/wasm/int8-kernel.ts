/**
 * The WebAssembly twin of the runtime's fused dynamic-quantization layer (runtime/ops/
 * quantized-linear.ts over `integerRow` in runtime/ops/quantize.ts):
 * y[i, j] = f32(f32(int32 sum_p (a[i, p] - az) (B[p, j] - bzp[j])) * scale[j]) + bias[j].
 * Both factors fit int16 (|a - az|, |b - bzp| <= 255), so `i32x4.dot_i16x8_s` multiplies eight
 * pairs and adds them pairwise into four int32 lanes; int32 sums wrap exactly as MatMulInteger's
 * int32 output does, so the result is bit-identical to the JS path.
 */
import type { Local } from './code.js';
import type { KernelModuleSpec } from './kernels.js';
import type { ModuleBuilder } from './module.js';

/** The int8 module: {@link addInt8}. */
export const INT8_MODULE: KernelModuleSpec = {
  name: 'int8',
  summary: 'dynamic-quantization linear layer: int16 dot products (i32x4.dot_i16x8_s) into exact int32 sums, then scale and bias',
  build: addInt8,
};

/** The inner dimension is padded to a multiple of this (one i16x8 vector); the weights' padding is zero. */
export const K_STEP = 8;

/**
 * Adds `qlinear(a, signed, az, w, kPad, n, rows, k, scale, bias, y, shift)`: `a` [rows, k] bytes
 * (int8 when `signed`), `w` [n, kPad] int16 = (B - bzp) transposed, `scale` and `bias` [n] f32,
 * `y` [rows, n] f32, `shift` kPad int16 of scratch for one row of (a - az).
 */
export function addInt8(mod: ModuleBuilder): void {
  const f = mod.func('qlinear');
  const [a, signed, az, w, kPad, n, rows, k, scale, bias, y, shift] = [
    'a', 'signed', 'az', 'w', 'kPad', 'n', 'rows', 'k', 'scale', 'bias', 'y', 'shift',
  ].map((p) => f.param(p)) as Local[] as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const p = f.local('p'), j = f.local('j'), i = f.local('i'), wRow = f.local('wRow');
  const azv = f.local('azv', 'v128'), av = f.local('av', 'v128');
  const acc = Array.from({ length: 4 }, (_, t) => f.local(`acc${t}`, 'v128'));
  const x = f.code;
  x.get(az).op('i16x8.splat').set(azv);
  x.block('empty').get(rows).op('i32.eqz').brIf('empty').get(rows).set(i).loop('rowLoop');
  x.note('shift[p] = a[p] - az as int16, eight at a time (lanes past k meet zero weights)');
  x.i32(0).set(p).loop('widen');
  x.get(shift).get(p).i32(2).op('i32.mul').op('i32.add');
  x.get(signed).if();
  x.get(a).get(p).op('i32.add').mem('v128.load8x8_s').set(av);
  x.else();
  x.get(a).get(p).op('i32.add').mem('v128.load8x8_u').set(av);
  x.end();
  x.get(av).get(azv).op('i16x8.sub').mem('v128.store');
  x.get(p).i32(K_STEP).op('i32.add').tee(p).get(kPad).op('i32.lt_u').brIf('widen').end();
  x.note('four outputs at a time: acc[t] += dot(shift[p : p + 8], w[j + t, p : p + 8])');
  x.i32(0).set(j);
  for (const outputs of [4, 1]) {
    x.block(`done${outputs}`).loop(`outputs${outputs}`);
    x.get(j).i32(outputs).op('i32.add').get(n).op('i32.gt_u').brIf(`done${outputs}`);
    x.get(w).get(j).get(kPad).op('i32.mul').i32(2).op('i32.mul').op('i32.add').set(wRow);
    for (let t = 0; t < outputs; t++) x.i32(0).op('i32x4.splat').set(acc[t]!);
    x.i32(0).set(p).loop(`dot${outputs}`);
    x.get(shift).get(p).i32(2).op('i32.mul').op('i32.add').mem('v128.load').set(av);
    for (let t = 0; t < outputs; t++) {
      // w[j + t, p] is at wRow + (t * kPad + p) * 2
      x.get(acc[t]!).get(av);
      x.get(wRow).get(kPad).i32(t).op('i32.mul').get(p).op('i32.add').i32(2).op('i32.mul').op('i32.add').mem('v128.load');
      x.op('i32x4.dot_i16x8_s').op('i32x4.add').set(acc[t]!);
    }
    x.get(p).i32(K_STEP).op('i32.add').tee(p).get(kPad).op('i32.lt_u').brIf(`dot${outputs}`).end();
    for (let t = 0; t < outputs; t++) {
      x.note(`y[j + ${t}] = f32(f32(int32 sum) * scale) + bias`);
      x.get(y).get(j).i32(t).op('i32.add').i32(4).op('i32.mul').op('i32.add');
      for (let lane = 0; lane < 4; lane++) x.get(acc[t]!).lane('i32x4.extract_lane', lane);
      x.op('i32.add').op('i32.add').op('i32.add').op('f32.convert_i32_s');
      x.get(scale).get(j).i32(t).op('i32.add').i32(4).op('i32.mul').op('i32.add').mem('f32.load').op('f32.mul');
      x.get(bias).get(j).i32(t).op('i32.add').i32(4).op('i32.mul').op('i32.add').mem('f32.load').op('f32.add');
      x.mem('f32.store');
    }
    x.get(j).i32(outputs).op('i32.add').set(j).br(`outputs${outputs}`).end().end();
  }
  x.get(a).get(k).op('i32.add').set(a).get(y).get(n).i32(4).op('i32.mul').op('i32.add').set(y);
  x.get(i).i32(1).op('i32.sub').tee(i).brIf('rowLoop').end().end();
}

/** Loop and addressing shapes several kernel emitters share (elementwise, normalize). */
import type { Code, Local } from './code.js';

/**
 * `for (j = 0; j < n; j += 4 or 1)`: `vector()` over whole f32x4 groups, then `scalar()` for the
 * rest, with `j` a local counting floats.
 */
export function lanes(x: Code, j: Local, n: Local, vector: () => void, scalar: () => void): void {
  x.i32(0).set(j);
  x.block(`${j.name}_vecDone`).loop(`${j.name}_vec`);
  x.get(j).i32(4).op('i32.add').get(n).op('i32.gt_u').brIf(`${j.name}_vecDone`);
  vector();
  x.get(j).i32(4).op('i32.add').set(j).br(`${j.name}_vec`).end().end();
  x.block(`${j.name}_tailDone`).loop(`${j.name}_tail`);
  x.get(j).get(n).op('i32.ge_u').brIf(`${j.name}_tailDone`);
  scalar();
  x.get(j).i32(1).op('i32.add').set(j).br(`${j.name}_tail`).end().end();
}

/** Pushes `base + index * 4` (the byte address of float `index`). */
export function at(x: Code, base: Local, index: Local): Code {
  return x.get(base).get(index).i32(4).op('i32.mul').op('i32.add');
}

/** Pushes the f32 sum of `v`'s four lanes, (l0 + l1) + (l2 + l3). */
export function horizontalSum(x: Code, v: Local): Code {
  return x.get(v).lane('f32x4.extract_lane', 0).get(v).lane('f32x4.extract_lane', 1).op('f32.add')
    .get(v).lane('f32x4.extract_lane', 2).get(v).lane('f32x4.extract_lane', 3).op('f32.add').op('f32.add');
}

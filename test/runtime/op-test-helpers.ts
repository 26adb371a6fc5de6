/** Shared helpers of the runtime op tests (ops-*.test.ts). */
import { loadOnnx, type RunOutput } from '../../src/runtime/index.js';
import { Random } from '../../src/tensor/index.js';
import { modelBytes, type ModelSpec } from './build-model.js';

/** Builds `spec`, loads it with the runtime and runs it once on `feeds`. */
export function run1(spec: ModelSpec, feeds: Record<string, { data: ArrayLike<number>; shape: number[] }>): Record<string, RunOutput> {
  return loadOnnx(modelBytes(spec)).run(feeds);
}

/** A seeded source of `n` float32-exact values uniform in [-2, 2). */
export function randValues(seed: number): (n: number) => Float32Array {
  const rng = new Random(seed);
  return (n) => Float32Array.from({ length: n }, () => Math.fround(rng.uniform(-2, 2)));
}

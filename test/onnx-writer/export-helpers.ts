/** Naive float64 references for the exporter tests (independent of the code under test). */
import * as ort from 'onnxruntime-web';

/** erf in float64: Maclaurin series below 2.5, the Laplace continued fraction for erfc above. */
export function erfRef(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let k = a;
  for (let j = 80; j >= 1; j--) k = a + j / 2 / k;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * k);
  return Math.sign(x) * (1 - erfc);
}

export interface NaiveLayer {
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
}

export interface NaiveAutoencoder {
  layers: readonly NaiveLayer[];
  activation: 'relu' | 'gelu' | 'tanh';
  inputDim: number;
  activeFeatures: readonly number[] | null;
  scaler?: { mean: ArrayLike<number>; std: ArrayLike<number> };
}

function act(kind: NaiveAutoencoder['activation'], v: number): number {
  if (kind === 'relu') return v > 0 ? v : 0;
  if (kind === 'tanh') return Math.tanh(v);
  return 0.5 * v * (1 + erfRef(v / Math.SQRT2));
}

/** The autoencoder's score and reconstruction in float64, written straight from the definitions. */
export function naiveAutoencoder(spec: NaiveAutoencoder, x: ArrayLike<number>, n: number): { score: number[]; recon: number[] } {
  const D = spec.inputDim;
  const score: number[] = [];
  const recon: number[] = [];
  for (let r = 0; r < n; r++) {
    const z: number[] = [];
    for (let j = 0; j < D; j++) {
      const v = x[r * D + j]!;
      z.push(spec.scaler ? (v - spec.scaler.mean[j]!) / spec.scaler.std[j]! : v);
    }
    let h = z;
    spec.layers.forEach((layer, i) => {
      const nOut = layer.bias.length;
      const next: number[] = [];
      for (let o = 0; o < nOut; o++) {
        let s = layer.bias[o]!;
        for (let j = 0; j < h.length; j++) s += layer.weight[o * h.length + j]! * h[j]!;
        next.push(i < spec.layers.length - 1 ? act(spec.activation, s) : s);
      }
      h = next;
    });
    const cols = spec.activeFeatures ?? Array.from({ length: D }, (_, j) => j);
    let sum = 0;
    for (const c of cols) sum += (h[c]! - z[c]!) ** 2;
    score.push(sum / cols.length);
    recon.push(...h);
  }
  return { score, recon };
}

/** Runs `bytes` in onnxruntime-web on one `[n, D]` float32 input; returns every output's data and dims. */
export async function runOrt(
  bytes: Uint8Array,
  x: Float32Array,
  shape: readonly number[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
    const result: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as Float32Array, dims: t.dims };
    return result;
  } finally {
    await session.release();
  }
}

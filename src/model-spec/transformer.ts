/** The transformer window model as plain data (what the exporter writes, what the detector hands out), and its one checker. */
import { DataError, InvalidOptionError, ShapeError } from '../errors.js';

/** A Linear layer in PyTorch layout: `y = x weight^T + bias`, `weight [out, in]`. */
export interface TransformerLinearSpec {
  weight: Float32Array;
  bias: Float32Array;
}

/** A LayerNorm's affine parameters, `[d]` each. */
export interface TransformerNormSpec {
  weight: Float32Array;
  bias: Float32Array;
}

/** One torch.nn.TransformerEncoderLayer (batch_first, dropout 0), PyTorch's parameter layout. */
export interface TransformerLayerSpec {
  /** `[3d, d]`: rows W_q, W_k, W_v */
  inProjWeight: Float32Array;
  /** `[3d]` */
  inProjBias: Float32Array;
  outProj: TransformerLinearSpec;
  linear1: TransformerLinearSpec;
  linear2: TransformerLinearSpec;
  norm1: TransformerNormSpec;
  norm2: TransformerNormSpec;
}

/**
 * A window model as plain data: embed (Linear F->d) + positions, encoder layers, head (Linear d->F);
 * see docs/transformer.md. `objective` decides what the graph scores from input `[N, T, F]`:
 * `next-step` reads steps 0..T-2 (causal) and predicts step T-1; `masked-step` reads all T steps with
 * step T-1's embedding replaced by `maskEmbedding`; `reconstruct` reads all T steps.
 */
export interface TransformerExportSpec {
  objective: 'next-step' | 'masked-step' | 'reconstruct';
  /** T, steps per input window */
  window: number;
  /** F, features per input step */
  inputDim: number;
  dModel: number;
  heads: number;
  normFirst: boolean;
  activation: 'relu' | 'gelu';
  /** LayerNorm epsilon (torch's default 1e-5) */
  layerNormEps: number;
  /** `Linear(A, d)`, A = the active features (all F when activeFeatures is null) */
  embed: TransformerLinearSpec;
  /** `[L, d]`, L = T - 1 for next-step, else T */
  posEmbedding: Float32Array;
  /** `[d]`, masked-step only */
  maskEmbedding?: Float32Array;
  layers: readonly TransformerLayerSpec[];
  /** `Linear(d, A)` */
  head: TransformerLinearSpec;
  /** the A input columns the network reads and scores, in order; null = all F */
  activeFeatures: readonly number[] | null;
  /**
   * 'context-mean': the graph subtracts each window's level (per active feature, the mean of steps
   * 0..T-2) from all T steps before the embed, and the head predicts the last step minus it; absent = 'none'
   */
  centering?: 'none' | 'context-mean';
  /** `[A]` divides each feature's squared error before the mean (the model's error scale); absent = 1 */
  errorScale?: Float32Array;
  /** written as the model's metadata_props (see modelMetadata) */
  metadata: Readonly<Record<string, string>>;
}

/** Positions the network reads for `objective` and window T. */
export function specPositions(spec: Pick<TransformerExportSpec, 'objective' | 'window'>): number {
  return spec.objective === 'next-step' ? spec.window - 1 : spec.window;
}

/**
 * Checks sizes, finiteness and options of a spec.
 * @throws ShapeError for a tensor of the wrong length; DataError for a NaN/Inf weight; InvalidOptionError otherwise
 */
export function checkTransformerSpec(spec: TransformerExportSpec, where: string): void {
  const { window: T, inputDim: F, dModel: d, heads } = spec;
  for (const [name, v, min] of [['window', T, 2], ['inputDim', F, 1], ['dModel', d, 1], ['heads', heads, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InvalidOptionError(`${where}: ${name} must be an integer >= ${min}, got ${v}`, name);
  }
  if (d % heads !== 0) throw new InvalidOptionError(`${where}: heads must divide dModel ${d}, got ${heads}`, 'heads');
  if (!['next-step', 'masked-step', 'reconstruct'].includes(spec.objective)) {
    throw new InvalidOptionError(`${where}: objective must be 'next-step', 'masked-step' or 'reconstruct', got ${String(spec.objective)}`, 'objective');
  }
  if (spec.centering !== undefined && spec.centering !== 'none' && spec.centering !== 'context-mean') {
    throw new InvalidOptionError(`${where}: centering must be 'none' or 'context-mean', got ${String(spec.centering)}`, 'centering');
  }
  if (spec.activation !== 'relu' && spec.activation !== 'gelu') throw new InvalidOptionError(`${where}: activation must be 'relu' or 'gelu', got ${String(spec.activation)}`, 'activation');
  if (!(spec.layerNormEps >= 0)) throw new InvalidOptionError(`${where}: layerNormEps must be >= 0, got ${spec.layerNormEps}`, 'layerNormEps');
  if (spec.layers.length === 0) throw new InvalidOptionError(`${where}: layers must hold at least one encoder layer, got 0`, 'layers');
  const L = specPositions(spec);
  const active = spec.activeFeatures;
  if (active !== null && (active.length === 0 || new Set(active).size !== active.length || active.some((j) => !Number.isInteger(j) || j < 0 || j >= F))) {
    throw new InvalidOptionError(`${where}: activeFeatures must be null or distinct columns in [0, ${F}), got ${JSON.stringify(active)}`, 'activeFeatures');
  }
  const A = active?.length ?? F;
  const check = (name: string, a: Float32Array | undefined, n: number): void => {
    if (a === undefined || a.length !== n) throw new ShapeError(`${where}: ${name} must hold ${n} values, got ${a?.length ?? 'none'}`, where);
    for (let i = 0; i < n; i++) if (!Number.isFinite(a[i]!)) throw new DataError(`${where}: ${name}[${i}] must be finite, got ${a[i]}`, name);
  };
  const linear = (name: string, l: TransformerLinearSpec, nIn: number, nOut: number): void => {
    check(`${name}.weight`, l.weight, nOut * nIn);
    check(`${name}.bias`, l.bias, nOut);
  };
  linear('embed', spec.embed, A, d);
  check('posEmbedding', spec.posEmbedding, L * d);
  if (spec.objective === 'masked-step') check('maskEmbedding', spec.maskEmbedding, d);
  spec.layers.forEach((layer, i) => {
    const p = `layers.${i}`;
    const ff = layer.linear1.bias.length;
    check(`${p}.inProjWeight`, layer.inProjWeight, 3 * d * d);
    check(`${p}.inProjBias`, layer.inProjBias, 3 * d);
    linear(`${p}.outProj`, layer.outProj, d, d);
    linear(`${p}.linear1`, layer.linear1, d, ff);
    linear(`${p}.linear2`, layer.linear2, ff, d);
    for (const norm of ['norm1', 'norm2'] as const) {
      check(`${p}.${norm}.weight`, layer[norm].weight, d);
      check(`${p}.${norm}.bias`, layer[norm].bias, d);
    }
  });
  linear('head', spec.head, d, A);
  if (spec.errorScale !== undefined) {
    check('errorScale', spec.errorScale, A);
    if (spec.errorScale.some((v) => !(v > 0))) throw new DataError(`${where}: errorScale must be > 0 everywhere, got ${Array.from(spec.errorScale).find((v) => !(v > 0))}`, 'errorScale');
  }
}

/** Network width A: the active features, or all F. */
export function specWidth(spec: Pick<TransformerExportSpec, 'activeFeatures' | 'inputDim'>): number {
  return spec.activeFeatures?.length ?? spec.inputDim;
}

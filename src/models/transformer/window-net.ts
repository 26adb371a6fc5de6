/**
 * The network of the transformer model: `x [B, L, F] -> embed (Linear F->d) + pos_embedding [L, d]
 * -> N TransformerEncoderLayers -> head (Linear d->F) = [B, L, F]`, optionally with a causal mask
 * (position i sees only j <= i) and a learned mask embedding that replaces the embedding of a
 * masked position. The autograd {@link WindowNet.forward} is the reference; training and scoring
 * run the same parameters through {@link FusedTransformer}.
 */
import type { DadmConfig } from '../../config/index.js';
import { InvalidOptionError, ShapeError, fmtShape } from '../../errors.js';
import { type Random, Tensor } from '../../tensor/index.js';
import { Var, add, mul, pow, scale, sub, sum, where } from '../../autograd/index.js';
import { type FusedBatch, type FusedLoss, FusedTransformer, Linear, Module, Sequential, TransformerEncoderLayer } from '../../nn/index.js';

/** The architecture keys of config.yaml's `transformer` section (one home for their names and types). */
type Architecture = Pick<DadmConfig['transformer'], 'dModel' | 'heads' | 'layers' | 'feedForward' | 'dropout' | 'activation' | 'normFirst'>;

/** Options of {@link WindowNet}: the architecture, and what the data and objective fix. */
export interface WindowNetOptions extends Architecture {
  /** Features per step F. */
  inputDim: number;
  /** Positions per sequence L (rows of the positional embedding). */
  positions: number;
  /** Position i attends only to positions j <= i. */
  causal: boolean;
  /** Learn a `mask_embedding [d]` for masked positions. */
  maskToken: boolean;
  /** Initialises the weights: embed, pos_embedding, mask_embedding, layers, head, in that order. */
  rng: Random;
}

/**
 * State-dict names (own parameters first, as torch): `pos_embedding [L, d]`, `mask_embedding [d]`
 * (masked objective only), `embed.weight`, `embed.bias`, `layers.<i>.self_attn.in_proj_weight`, …
 * (torch.nn.TransformerEncoder's layer names), `head.weight`, `head.bias`. `pos_embedding` and
 * `mask_embedding` start as N(0, 0.02²), the learned-embedding initialisation of BERT
 * (https://arxiv.org/abs/1810.04805); the rest follow their modules' torch rules.
 */
export class WindowNet extends Module {
  readonly options: Readonly<Omit<WindowNetOptions, 'rng'>>;
  readonly embed: Linear;
  readonly posEmbedding: Var;
  readonly maskEmbedding: Var | undefined;
  readonly layers: Sequential;
  readonly head: Linear;
  readonly fused: FusedTransformer;
  private readonly encoderLayers: TransformerEncoderLayer[];

  /** @throws InvalidOptionError for non-positive sizes, heads not dividing dModel, dropout outside [0, 1) */
  constructor(options: WindowNetOptions) {
    super();
    const { rng, ...rest } = options;
    for (const key of ['inputDim', 'positions', 'dModel', 'heads', 'layers', 'feedForward'] as const) {
      const v = rest[key];
      if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`WindowNet: ${key} must be a positive integer, got ${v}`, key);
    }
    this.options = Object.freeze({ ...rest });
    const { inputDim: F, positions: L, dModel: d } = rest;
    this.embed = this.registerModule('embed', new Linear(F, d, rng));
    this.posEmbedding = this.registerParameter('pos_embedding', new Tensor(rng.normalFill(new Float32Array(L * d), 0, 0.02), [L, d]));
    this.maskEmbedding = rest.maskToken ? this.registerParameter('mask_embedding', new Tensor(rng.normalFill(new Float32Array(d), 0, 0.02), [d])) : undefined;
    this.encoderLayers = Array.from({ length: rest.layers }, () => new TransformerEncoderLayer({
      dModel: d, nhead: rest.heads, dimFeedforward: rest.feedForward, dropout: rest.dropout,
      activation: rest.activation, normFirst: rest.normFirst, rng,
    }));
    this.layers = this.registerModule('layers', new Sequential(...this.encoderLayers));
    this.head = this.registerModule('head', new Linear(d, F, rng));
    this.fused = new FusedTransformer(
      { embed: this.embed, posEmbedding: this.posEmbedding, maskEmbedding: this.maskEmbedding, layers: this.encoderLayers, head: this.head },
      { len: L, causal: rest.causal },
    );
  }

  /** The encoder layers in order. */
  get encoder(): readonly TransformerEncoderLayer[] {
    return this.encoderLayers;
  }

  /** Autograd forward without masked positions: `[B, L, F] -> [B, L, F]`. */
  forward(x: Var): Var {
    return this.forwardMasked(x, null);
  }

  /**
   * Autograd forward (the reference of the fused path): `[B, L, F] -> [B, L, F]`; sequence b's
   * position `maskPositions[b]` (if >= 0) starts from the mask embedding instead of `embed(x)`.
   * @throws ShapeError unless x is `[B, positions, inputDim]`
   */
  forwardMasked(x: Var, maskPositions: Int32Array | null): Var {
    const { inputDim: F, positions: L, causal } = this.options;
    if (x.shape.length !== 3 || x.shape[1] !== L || x.shape[2] !== F) {
      throw new ShapeError(`WindowNet: input must be [batch, ${L}, ${F}], got ${fmtShape(x.shape)}`, 'WindowNet', [x.shape]);
    }
    const b = x.shape[0]!;
    let e = this.embed.forward(x);
    if (maskPositions !== null && this.maskEmbedding !== undefined) {
      const cond = new Float32Array(b * L);
      for (let s = 0; s < b; s++) if (maskPositions[s]! >= 0) cond[s * L + maskPositions[s]!] = 1;
      e = where(new Tensor(cond, [b, L, 1]), this.maskEmbedding, e);
    }
    let h = add(e, this.posEmbedding);
    const srcMask = causal ? causalMask(L) : undefined;
    for (const layer of this.encoderLayers) h = layer.forward(h, { srcMask });
    return this.head.forward(h);
  }
}

/**
 * The loss of {@link FusedTransformer.lossAndGrad} through autograd (the training path with dropout,
 * whose masks the fused path does not draw): mean over the counted positions and columns of
 * `(y - target)^2`.
 */
export function autogradLoss(net: WindowNet, batch: FusedBatch, loss: FusedLoss): Var {
  const { positions: L, inputDim: F } = net.options;
  const b = batch.batch;
  const weights = new Float32Array(b * L * F);
  let count = 0;
  for (let r = 0; r < b * L; r++) {
    if (loss.positions !== null && loss.positions[r] !== 1) continue;
    for (let j = 0; j < F; j++) {
      if (loss.columns !== null && loss.columns[j] !== 1) continue;
      weights[r * F + j] = 1;
      count++;
    }
  }
  const x = new Tensor(batch.x.subarray(0, b * L * F), [b, L, F]);
  const y = net.forwardMasked(new Var(x), batch.maskPositions ?? null);
  const target = new Tensor(loss.target.subarray(0, b * L * F), [b, L, F]);
  return scale(sum(mul(pow(sub(y, target), 2), new Tensor(weights, [b, L, F]))), 1 / count);
}

/** `[L, L]` with 1 above the diagonal: position i must not attend to j > i. */
export function causalMask(len: number): Tensor {
  const m = new Float32Array(len * len);
  for (let i = 0; i < len; i++) for (let j = i + 1; j < len; j++) m[i * len + j] = 1;
  return new Tensor(m, [len, len]);
}

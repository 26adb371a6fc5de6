/**
 * One Transformer encoder block (Vaswani et al. 2017, https://arxiv.org/abs/1706.03762) as
 * torch.nn.TransformerEncoderLayer with `batch_first=True`: self-attention and a feed-forward
 * network, each wrapped in a residual connection with LayerNorm after (post-norm, the paper) or
 * before (pre-norm, Xiong et al. 2020, https://arxiv.org/abs/2002.04745).
 */
import { InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import type { Random, Tensor } from '../tensor/index.js';
import { type Var, add, gelu, relu } from '../autograd/index.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { Dropout } from './dropout.js';
import { MultiheadAttention } from './multihead-attention.js';

export interface TransformerEncoderLayerOptions {
  /** Model width (input and output features). */
  dModel: number;
  /** Attention heads; must divide dModel. */
  nhead: number;
  /** Hidden width of the feed-forward network (default 2048, as torch). */
  dimFeedforward?: number;
  /** Dropout probability in training mode, on attention weights, FF hidden and both residual branches (default 0.1, as torch). */
  dropout?: number;
  /** Feed-forward activation: 'relu' (default) or 'gelu' (exact erf form, torch's F.gelu). */
  activation?: 'relu' | 'gelu';
  /** false (default): post-norm; true: pre-norm. */
  normFirst?: boolean;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Draws the initial weights (attention, then linear1, linear2) and the dropout masks. */
  rng: Random;
}

export interface EncoderForwardOptions {
  /** `[T, T]`, true = position t must not attend to position s (torch's bool `src_mask`). */
  srcMask?: Tensor;
  /** `[B, T]`, true = that position is padding (torch's bool `src_key_padding_mask`). */
  srcKeyPaddingMask?: Tensor;
}

/**
 * `x [B, T, dModel] -> [B, T, dModel]` with
 * `SA(x) = dropout1(self_attn(x, x, x))`, `FF(x) = dropout2(linear2(dropout(act(linear1(x)))))`:
 *
 * * post-norm (`normFirst: false`): `h = norm1(x + SA(x)); y = norm2(h + FF(h))`
 * * pre-norm (`normFirst: true`): `h = x + SA(norm1(x)); y = h + FF(norm2(h))`
 *
 * State-dict names as torch: `self_attn.in_proj_weight`, `self_attn.in_proj_bias`,
 * `self_attn.out_proj.weight`, `self_attn.out_proj.bias`, `linear1.*`, `linear2.*`, `norm1.*`,
 * `norm2.*`. Initialisation as torch (no extra reset): MultiheadAttention's rule, nn.Linear's
 * default for linear1/linear2, LayerNorm weight 1 and bias 0.
 */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  private readonly dropout: Dropout;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;

  /** @throws InvalidOptionError for a non-positive width, nhead not dividing dModel, dropout outside [0, 1), an unknown activation or eps < 0 */
  constructor(options: TransformerEncoderLayerOptions) {
    super();
    const { dModel, nhead, dimFeedforward = 2048, dropout = 0.1, activation = 'relu', normFirst = false, layerNormEps = 1e-5, rng } = options;
    if (!Number.isInteger(dModel) || dModel < 1) {
      throw new InvalidOptionError(`TransformerEncoderLayer: dModel must be a positive integer, got ${dModel}`, 'dModel');
    }
    if (!Number.isInteger(nhead) || nhead < 1 || dModel % nhead !== 0) {
      throw new InvalidOptionError(`TransformerEncoderLayer: nhead must be a positive integer dividing dModel ${dModel}, got ${nhead}`, 'nhead');
    }
    if (!Number.isInteger(dimFeedforward) || dimFeedforward < 1) {
      throw new InvalidOptionError(`TransformerEncoderLayer: dimFeedforward must be a positive integer, got ${dimFeedforward}`, 'dimFeedforward');
    }
    if (activation !== 'relu' && activation !== 'gelu') {
      throw new InvalidOptionError(`TransformerEncoderLayer: activation must be 'relu' or 'gelu', got ${String(activation)}`, 'activation');
    }
    if (!(dropout >= 0 && dropout < 1)) throw new InvalidOptionError(`TransformerEncoderLayer: dropout must be in [0, 1), got ${dropout}`, 'dropout');
    if (!(layerNormEps >= 0)) throw new InvalidOptionError(`TransformerEncoderLayer: layerNormEps must be >= 0, got ${layerNormEps}`, 'layerNormEps');
    this.dModel = dModel;
    this.normFirst = normFirst;
    this.activation = activation;
    // Registration order = torch's attribute order, which fixes the state-dict order.
    this.selfAttn = this.registerModule('self_attn', new MultiheadAttention({ embedDim: dModel, numHeads: nhead, dropout, rng }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, dimFeedforward, rng));
    this.dropout = this.registerModule('dropout', new Dropout(dropout, rng));
    this.linear2 = this.registerModule('linear2', new Linear(dimFeedforward, dModel, rng));
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps: layerNormEps }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps: layerNormEps }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(dropout, rng));
    this.dropout2 = this.registerModule('dropout2', new Dropout(dropout, rng));
  }

  /**
   * `[B, T, dModel] -> [B, T, dModel]`.
   * @throws ShapeError when x is not `[B, T, dModel]` or a mask has the wrong shape; DataError when a
   * position has every key masked
   */
  forward(x: Var, options: EncoderForwardOptions = {}): Var {
    if (x.shape.length !== 3 || x.shape[2] !== this.dModel) {
      throw new ShapeError(`TransformerEncoderLayer: input must be [batch, seq, ${this.dModel}], got ${fmtShape(x.shape)}`, 'TransformerEncoderLayer', [x.shape]);
    }
    if (this.normFirst) {
      const h = add(x, this.selfAttention(this.norm1.forward(x), options));
      return add(h, this.feedForward(this.norm2.forward(h)));
    }
    const h = this.norm1.forward(add(x, this.selfAttention(x, options)));
    return this.norm2.forward(add(h, this.feedForward(h)));
  }

  private selfAttention(x: Var, options: EncoderForwardOptions): Var {
    const { output } = this.selfAttn.attend(x, x, x, {
      attnMask: options.srcMask,
      keyPaddingMask: options.srcKeyPaddingMask,
      needWeights: false,
    });
    return this.dropout1.forward(output);
  }

  private feedForward(x: Var): Var {
    const z = this.linear1.forward(x);
    const a = this.activation === 'relu' ? relu(z) : gelu(z);
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(a)));
  }
}

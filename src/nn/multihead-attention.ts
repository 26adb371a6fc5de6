/**
 * Multi-head scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need",
 * https://arxiv.org/abs/1706.03762), with torch.nn.MultiheadAttention's parameters and
 * `batch_first=True` semantics, composed entirely of autograd primitives (no backward of its own).
 */
import { DataError, InvalidOptionError, ShapeError, fmtShape } from '../errors.js';
import { type Random, Tensor, scalar, zeros } from '../tensor/index.js';
import {
  type Var, linear, matmul, mean, permute, reshape, scale, slice, softmax, where,
} from '../autograd/index.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { Dropout } from './dropout.js';

export interface MultiheadAttentionOptions {
  /** Model width E (query, key and value all have E features). */
  embedDim: number;
  /** Number of heads H; must divide E (each head sees E/H features). */
  numHeads: number;
  /** Dropout on the attention weights in training mode (torch's `dropout`, default 0). */
  dropout?: number;
  /** Draws the initial weights (and the attention-dropout masks). */
  rng: Random;
}

export interface AttentionOptions {
  /** `[L, S]`, non-zero (true) = query l must NOT attend to key s (torch's bool `attn_mask`). */
  attnMask?: Tensor;
  /** `[B, S]`, non-zero (true) = key s of sequence b is padding and is ignored (torch's `key_padding_mask`). */
  keyPaddingMask?: Tensor;
  /** Also return the head-averaged attention weights (default true, as torch's `need_weights`). */
  needWeights?: boolean;
}

export interface AttentionResult {
  /** `[B, L, E]` */
  output: Var;
  /** `[B, L, S]`: softmax weights averaged over the heads; undefined when `needWeights` is false. */
  attnWeightsAvg: Var | undefined;
}

/** Added (via `where`) to masked scores: exp(-inf) = 0 exactly, as torch's bool masks. */
const NEG_INF = scalar(-Infinity);

/**
 * `MultiheadAttention({ embedDim: E, numHeads: H, rng })` with torch's state-dict names and shapes:
 * `in_proj_weight [3E, E]` (rows `[0,E)` = W_q, `[E,2E)` = W_k, `[2E,3E)` = W_v), `in_proj_bias [3E]`,
 * `out_proj.weight [E, E]`, `out_proj.bias [E]`.
 *
 * Math (per head h over feature columns `h E/H ... (h+1) E/H - 1`):
 * `q = query W_q^T + b_q` (likewise k, v); `P_h = softmax((q_h / sqrt(E/H)) k_h^T + mask)` over keys,
 * masked entries `-inf`; `o_h = P_h v_h`; `output = concat_h(o_h) W_o^T + b_o`.
 *
 * Initialisation as torch 1.13 `MultiheadAttention._reset_parameters`: `in_proj_weight` is
 * `xavier_uniform_` over the whole `[3E, E]` matrix (bound `sqrt(6 / (E + 3E))`), `in_proj_bias` and
 * `out_proj.bias` are 0, `out_proj.weight` keeps nn.Linear's default `U(-1/sqrt(E), 1/sqrt(E))`.
 * Random draws follow torch's order: `out_proj` (Linear) first, then `in_proj_weight`.
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly inProjWeight: Var;
  readonly inProjBias: Var;
  readonly outProj: Linear;
  private readonly attnDropout: Dropout;

  /** @throws InvalidOptionError when E or H is not a positive integer, H does not divide E, or dropout is outside [0, 1) */
  constructor(options: MultiheadAttentionOptions) {
    super();
    const { embedDim: e, numHeads: h, dropout = 0, rng } = options;
    if (!Number.isInteger(e) || e < 1) throw new InvalidOptionError(`MultiheadAttention: embedDim must be a positive integer, got ${e}`, 'embedDim');
    if (!Number.isInteger(h) || h < 1 || e % h !== 0) {
      throw new InvalidOptionError(`MultiheadAttention: numHeads must be a positive integer dividing embedDim ${e}, got ${h}`, 'numHeads');
    }
    if (!(dropout >= 0 && dropout < 1)) throw new InvalidOptionError(`MultiheadAttention: dropout must be in [0, 1), got ${dropout}`, 'dropout');
    this.embedDim = e;
    this.numHeads = h;
    this.headDim = e / h;
    this.inProjWeight = this.registerParameter('in_proj_weight', zeros([3 * e, e]));
    this.inProjBias = this.registerParameter('in_proj_bias', zeros([3 * e]));
    this.outProj = this.registerModule('out_proj', new Linear(e, e, rng));
    this.outProj.bias!.data.fill(0);
    const bound = Math.sqrt(6 / (e + 3 * e));
    rng.uniformFill(this.inProjWeight.data, -bound, bound);
    this.attnDropout = this.registerModule('dropout', new Dropout(dropout, rng));
  }

  /** Self- or cross-attention output only (`attend(...).output` without weights): `[B, L, E]`. */
  forward(query: Var, key: Var = query, value: Var = key, options: AttentionOptions = {}): Var {
    return this.attend(query, key, value, { ...options, needWeights: false }).output;
  }

  /**
   * torch's `mha(query, key, value, attn_mask, key_padding_mask, need_weights,
   * average_attn_weights=True)` with `batch_first=True`: query `[B, L, E]`, key and value `[B, S, E]`.
   * @throws ShapeError for inconsistent shapes; DataError when a query row has every key masked
   * (torch would return NaN there)
   */
  attend(query: Var, key: Var, value: Var, options: AttentionOptions = {}): AttentionResult {
    const { b, l, s } = this.checkInputs(query, key, value);
    const mask = buildMask(b, l, s, options.attnMask, options.keyPaddingMask);
    const e = this.embedDim, h = this.numHeads, dh = this.headDim;
    const [qp, kp, vp] = this.project(query, key, value);
    const q = permute(reshape(qp, [b, l, h, dh]), [0, 2, 1, 3]); // [B, H, L, dh]
    const kT = permute(reshape(kp, [b, s, h, dh]), [0, 2, 3, 1]); // [B, H, dh, S]
    const v = permute(reshape(vp, [b, s, h, dh]), [0, 2, 1, 3]); // [B, H, S, dh]
    let scores = matmul(scale(q, 1 / Math.sqrt(dh)), kT); // [B, H, L, S]
    if (mask !== undefined) scores = where(mask, NEG_INF, scores);
    const p = this.attnDropout.forward(softmax(scores, -1));
    const heads = reshape(permute(matmul(p, v), [0, 2, 1, 3]), [b, l, e]); // concat over heads
    const output = this.outProj.forward(heads);
    const needWeights = options.needWeights ?? true;
    return { output, attnWeightsAvg: needWeights ? mean(p, { axis: 1 }) : undefined };
  }

  /**
   * q, k, v projections `[B, *, E]`, each a gemm with its row block of `in_proj_weight`. (Slicing the
   * weight is one contiguous copy; slicing a fused `[B, L, 3E]` projection along its last axis would
   * copy element by element, which measured slower for self-attention too.)
   */
  private project(query: Var, key: Var, value: Var): [Var, Var, Var] {
    const e = this.embedDim;
    const part = (x: Var, i: number): Var => linear(
      x,
      slice(this.inProjWeight, { axis: 0, start: i * e, end: (i + 1) * e }),
      slice(this.inProjBias, { axis: 0, start: i * e, end: (i + 1) * e }),
    );
    return [part(query, 0), part(key, 1), part(value, 2)];
  }

  private checkInputs(query: Var, key: Var, value: Var): { b: number; l: number; s: number } {
    const e = this.embedDim;
    const ok = (x: Var): boolean => x.shape.length === 3 && x.shape[2] === e;
    if (!ok(query) || !ok(key) || !ok(value)) {
      throw new ShapeError(
        `MultiheadAttention: query, key and value must be [batch, seq, ${e}], got ${fmtShape(query.shape)}, ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`,
        'MultiheadAttention', [query.shape, key.shape, value.shape],
      );
    }
    const [b, l] = query.shape as [number, number, number];
    if (key.shape[0] !== b || value.shape[0] !== b || key.shape[1] !== value.shape[1]) {
      throw new ShapeError(
        `MultiheadAttention: key and value must be [${b}, S, ${e}] with the same S, got ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`,
        'MultiheadAttention', [query.shape, key.shape, value.shape],
      );
    }
    return { b, l, s: key.shape[1]! };
  }
}

/**
 * The combined "not allowed" mask, broadcastable to the scores `[B, H, L, S]`: the attention mask
 * `[L, S]` as is, the padding mask as `[B, 1, 1, S]`, or both OR-ed into `[B, 1, L, S]`.
 * @throws ShapeError for a mask of the wrong shape; DataError when a query row would have no key left
 */
function buildMask(b: number, l: number, s: number, attnMask?: Tensor, keyPaddingMask?: Tensor): Tensor | undefined {
  if (attnMask === undefined && keyPaddingMask === undefined) return undefined;
  checkMaskShape('attnMask', attnMask, [l, s]);
  checkMaskShape('keyPaddingMask', keyPaddingMask, [b, s]);
  const out = new Float32Array(b * l * s);
  const am = attnMask?.data, kp = keyPaddingMask?.data;
  for (let bi = 0; bi < b; bi++) {
    for (let li = 0; li < l; li++) {
      const o = (bi * l + li) * s;
      let open = 0;
      for (let si = 0; si < s; si++) {
        const blocked = (am !== undefined && am[li * s + si] !== 0) || (kp !== undefined && kp[bi * s + si] !== 0);
        out[o + si] = blocked ? 1 : 0;
        if (!blocked) open++;
      }
      if (open === 0) {
        throw new DataError(`MultiheadAttention: every query must be allowed at least one key, got batch ${bi}, query ${li} with all ${s} keys masked`, 'mask');
      }
    }
  }
  return new Tensor(out, [b, 1, l, s]);
}

function checkMaskShape(name: string, mask: Tensor | undefined, want: readonly number[]): void {
  if (mask === undefined) return;
  if (mask.shape.length !== want.length || mask.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`MultiheadAttention: ${name} must have shape ${fmtShape(want)}, got ${fmtShape(mask.shape)}`, 'MultiheadAttention', [mask.shape]);
  }
}

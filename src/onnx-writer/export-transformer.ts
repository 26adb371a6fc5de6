/**
 * `exportTransformer`: a transformer window model as an ONNX scoring graph, `input [N, T, F]` ->
 * `score [N]` (and `prediction [N, A]`, the model's estimate of step T-1's A active features). Layout in docs/onnx.md,
 * "Transformer graph". Every product with a weight is its own Gemm on a constant (so `quantize` can
 * rewrite it); the attention products QK^T and PV multiply two activations and stay float.
 */
import { checkTransformerSpec, specPositions, specWidth, type TransformerExportSpec, type TransformerLayerSpec, type TransformerLinearSpec, type TransformerNormSpec } from '../model-spec/index.js';
import { GraphBuilder, attrInts, checkModel, makeModel, type onnx } from '../onnx/index.js';
import { type ExportOptions, resolveExportOptions } from './export-options.js';

/** Options of {@link exportTransformer}: the shared exporter options (opset, dynamicBatch, irVersion). */
export type TransformerExportOptions = ExportOptions;

interface Ctx {
  b: GraphBuilder;
  spec: TransformerExportSpec;
  opset: number;
  /** int64 `[1]` initializer holding 1: the steps axis of every Slice */
  stepsAxis: string;
}

/**
 * Exports a window model (checked with checkModel). Graph for input x `[N, T, F]`: the A active
 * columns (Gather on axis 2, when a subset); with centering 'context-mean', `level = ReduceMean`
 * of steps 0..T-2 (keepdims, `[N, 1, A]`) subtracted from every step; `context` = steps 0..T-2 (next-step) or all steps;
 * activations flow as 2-D `[N * L, d]` rows so every Linear is one Gemm (transB, PyTorch's weight
 * layout, bias included); `h = Gemm_embed(context) (* keep + mask) + pos`; each encoder layer as
 * torch (post- or pre-norm; LayerNormalization from opset 17, its decomposition below), attention as
 * Reshape/Transpose to `[N, H, L, dh]`, MatMul, the causal mask added to the scores of every layer
 * but the last, Softmax, MatMul; the last layer computes only the query, attention output and
 * feed-forward of the last position, whose output is all the score reads (1/sqrt(dh) is folded
 * into the query weights); `y = Gemm_head(h_last) [N, A]`; `score = ReduceMax` over the A columns
 * of `(y - x[:, T-1])^2 / errorScale` (x centered); `prediction = y` (+ level when centered, so it
 * is in the input's units). N is 1, or 'batch' with `dynamicBatch`.
 * @throws ShapeError, DataError, InvalidOptionError for a bad spec or option (checkTransformerSpec)
 */
export function exportTransformer(spec: TransformerExportSpec, options: TransformerExportOptions = {}): onnx.ModelProto {
  const where = 'exportTransformer';
  const { opset, irVersion, batch } = resolveExportOptions(options, where);
  checkTransformerSpec(spec, where);
  const { window: T, inputDim: F, dModel: d } = spec;
  const L = specPositions(spec);
  const A = specWidth(spec);
  const b = new GraphBuilder('dadm_transformer', `transformer window model (${spec.objective}); score = largest standardized squared prediction error of step T-1 over the active features`);
  let x = b.input('input', 'float32', [batch, T, F]);
  const ctx: Ctx = { b, spec, opset, stepsAxis: b.addInitializer({ name: 'steps.axis', dataType: 'int64', dims: [1], values: [1] }) };
  if (spec.activeFeatures !== null) {
    const idx = b.addInitializer({ name: 'active_features', dataType: 'int64', dims: [A], values: spec.activeFeatures });
    [x] = b.addNode('Gather', [x, idx], { name: 'active.Gather', outputs: ['active'], attributes: { axis: 2 } }) as [string];
  }
  let level: string | null = null;
  if (spec.centering === 'context-mean') {
    level = reduceMean(ctx, sliceSteps(ctx, x, 0, T - 1, 'level.context'), 1, true, 'level.ReduceMean', 'level');
    [x] = b.addNode('Sub', [x, level], { name: 'centered.Sub', outputs: ['centered'] }) as [string];
  }
  const target = reshape(ctx, sliceSteps(ctx, x, T - 1, T, 'target'), [-1, A], 'target_step');
  const context = spec.objective === 'next-step' ? sliceSteps(ctx, x, 0, T - 1, 'context') : x;
  const e = gemmLinear(ctx, reshape(ctx, context, [-1, A], 'context_rows'), 'embed', spec.embed);
  let h3 = reshape(ctx, e, [-1, L, d], 'embed.steps');
  if (spec.objective === 'masked-step') {
    const keep = new Float32Array(L).fill(1);
    keep[L - 1] = 0;
    const rows = new Float32Array(L * d);
    rows.set(spec.maskEmbedding!, (L - 1) * d);
    const k = b.addInitializer({ name: 'mask.keep', dataType: 'float32', dims: [L, 1], values: keep });
    const m = b.addInitializer({ name: 'mask.embedding', dataType: 'float32', dims: [L, d], values: rows });
    [h3] = b.addNode('Mul', [h3, k], { name: 'mask.Mul', outputs: ['mask.kept'] }) as [string];
    [h3] = b.addNode('Add', [h3, m], { name: 'mask.Add', outputs: ['mask.embedded'] }) as [string];
  }
  const pos = b.addInitializer({ name: 'pos_embedding', dataType: 'float32', dims: [L, d], values: spec.posEmbedding });
  [h3] = b.addNode('Add', [h3, pos], { name: 'pos.Add', outputs: ['embedded'] }) as [string];
  let h = reshape(ctx, h3, [-1, d], 'embedded_rows');
  spec.layers.forEach((layer, i) => {
    h = encoderLayer(ctx, h, layer, i, i === spec.layers.length - 1);
  });
  const y = gemmLinear(ctx, h, 'head', spec.head, level === null ? 'prediction' : 'head.out');
  if (level !== null) b.addNode('Add', [y, reshape(ctx, level, [-1, A], 'level_rows')], { name: 'prediction.Add', outputs: ['prediction'] });
  const [diff] = b.addNode('Sub', [y, target], { name: 'error.Sub', outputs: ['error.diff'] });
  let [sq] = b.addNode('Mul', [diff!, diff!], { name: 'error.Mul', outputs: ['error.squared'] });
  if (spec.errorScale !== undefined) {
    const scale = b.addInitializer({ name: 'error.scale', dataType: 'float32', dims: [A], values: spec.errorScale });
    [sq] = b.addNode('Div', [sq!, scale], { name: 'error.Div', outputs: ['error.scaled'] });
  }
  reduce(ctx, { op: 'ReduceMax', x: sq!, axis: 1, keepDims: false, name: 'error.ReduceMax', out: 'score' });
  b.output('score', 'float32', [batch]);
  b.output('prediction', 'float32', [batch, A]);
  const model = makeModel(b.build(), { irVersion, opsets: [{ domain: '', version: opset }], metadataProps: spec.metadata });
  checkModel(model);
  return model;
}

/** One encoder layer on `[N * L, d]` rows; in the last layer only the last position's query path. */
function encoderLayer(ctx: Ctx, h: string, layer: TransformerLayerSpec, i: number, last: boolean): string {
  const { b, spec } = ctx;
  const { dModel: d, heads: H } = spec;
  const dh = d / H;
  const L = specPositions(spec);
  const Lq = last ? 1 : L;
  const p = `layers.${i}`;
  const lastRow = (v: string, name: string): string =>
    reshape(ctx, sliceSteps(ctx, reshape(ctx, v, [-1, L, d], `${name}.steps`), L - 1, L, `${name}.last`), [-1, d], name);
  const attnIn = spec.normFirst ? layerNorm(ctx, h, layer.norm1, `${p}.norm1`) : h;
  const qIn = last ? lastRow(attnIn, `${p}.query_in`) : attnIn;
  const residual = last ? (spec.normFirst ? lastRow(h, `${p}.residual_in`) : qIn) : h;
  // in_proj rows are [W_q; W_k; W_v]; the 1/sqrt(dh) score scale is folded into W_q and b_q.
  const part = (k: number, f = 1): TransformerLinearSpec => ({
    weight: Float32Array.from(layer.inProjWeight.subarray(k * d * d, (k + 1) * d * d), (v) => v * f),
    bias: Float32Array.from(layer.inProjBias.subarray(k * d, (k + 1) * d), (v) => v * f),
  });
  const q = gemmLinear(ctx, qIn, `${p}.self_attn.q`, part(0, 1 / Math.sqrt(dh)));
  const k = gemmLinear(ctx, attnIn, `${p}.self_attn.k`, part(1));
  const v = gemmLinear(ctx, attnIn, `${p}.self_attn.v`, part(2));
  const heads = (x: string, len: number, perm: number[], name: string): string => {
    const r = reshape(ctx, x, [-1, len, H, dh], `${p}.self_attn.${name}_split`);
    return b.addNode('Transpose', [r], { name: `${p}.self_attn.${name}.Transpose`, outputs: [`${p}.self_attn.${name}_heads`], attributes: { perm: attrInts(perm) } })[0]!;
  };
  let [scores] = b.addNode('MatMul', [heads(q, Lq, [0, 2, 1, 3], 'q'), heads(k, L, [0, 2, 3, 1], 'k')], { name: `${p}.self_attn.scores.MatMul`, outputs: [`${p}.self_attn.scores`] });
  if (spec.objective === 'next-step' && !last) {
    const mask = new Float32Array(L * L);
    for (let r = 0; r < L; r++) for (let c = r + 1; c < L; c++) mask[r * L + c] = -Infinity;
    const m = b.addInitializer({ name: `${p}.self_attn.causal_mask`, dataType: 'float32', dims: [L, L], values: mask });
    [scores] = b.addNode('Add', [scores!, m], { name: `${p}.self_attn.mask.Add`, outputs: [`${p}.self_attn.scores_masked`] });
  }
  const [probs] = b.addNode('Softmax', [scores!], { name: `${p}.self_attn.Softmax`, outputs: [`${p}.self_attn.weights`], attributes: { axis: -1 } });
  const [o] = b.addNode('MatMul', [probs!, heads(v, L, [0, 2, 1, 3], 'v')], { name: `${p}.self_attn.values.MatMul`, outputs: [`${p}.self_attn.values`] });
  const [ot] = b.addNode('Transpose', [o!], { name: `${p}.self_attn.merge.Transpose`, outputs: [`${p}.self_attn.merge_t`], attributes: { perm: attrInts([0, 2, 1, 3]) } });
  const attn = gemmLinear(ctx, reshape(ctx, ot!, [-1, d], `${p}.self_attn.merged`), `${p}.self_attn.out_proj`, layer.outProj);
  const [r1] = b.addNode('Add', [residual, attn], { name: `${p}.residual1.Add`, outputs: [`${p}.residual1`] });
  const ffIn = layerNorm(ctx, r1!, spec.normFirst ? layer.norm2 : layer.norm1, spec.normFirst ? `${p}.norm2` : `${p}.norm1`);
  const ff = feedForward(ctx, ffIn, layer, p);
  const [r2] = b.addNode('Add', [spec.normFirst ? r1! : ffIn, ff], { name: `${p}.residual2.Add`, outputs: [`${p}.residual2`] });
  return spec.normFirst ? r2! : layerNorm(ctx, r2!, layer.norm2, `${p}.norm2`);
}

function feedForward(ctx: Ctx, x: string, layer: TransformerLayerSpec, p: string): string {
  const { b, spec } = ctx;
  const z = gemmLinear(ctx, x, `${p}.linear1`, layer.linear1);
  let a: string;
  if (spec.activation === 'relu') {
    [a] = b.addNode('Relu', [z], { name: `${p}.Relu`, outputs: [`${p}.relu`] }) as [string];
  } else {
    // Exact GELU 0.5 x (1 + erf(x / sqrt2)), the pattern onnxruntime fuses.
    const c = (name: string, v: number): string => b.addInitializer({ name: `${p}.gelu.${name}`, dataType: 'float32', dims: [], values: [v] });
    const [s] = b.addNode('Div', [z, c('sqrt2', Math.SQRT2)], { name: `${p}.gelu.Div`, outputs: [`${p}.gelu.scaled`] });
    const [e] = b.addNode('Erf', [s!], { name: `${p}.gelu.Erf`, outputs: [`${p}.gelu.erf`] });
    const [o] = b.addNode('Add', [e!, c('one', 1)], { name: `${p}.gelu.Add`, outputs: [`${p}.gelu.one_plus`] });
    const [m] = b.addNode('Mul', [z, o!], { name: `${p}.gelu.Mul`, outputs: [`${p}.gelu.prod`] });
    [a] = b.addNode('Mul', [m!, c('half', 0.5)], { name: `${p}.gelu.Mul_half`, outputs: [`${p}.gelu`] }) as [string];
  }
  return gemmLinear(ctx, a, `${p}.linear2`, layer.linear2);
}

/** `x W^T + b` for 2-D x: one Gemm(transB=1) with PyTorch's `[out, in]` weight. */
function gemmLinear(ctx: Ctx, x: string, name: string, l: TransformerLinearSpec, out = `${name}.out`): string {
  const { b } = ctx;
  const nOut = l.bias.length;
  const w = b.addInitializer({ name: `${name}.weight`, dataType: 'float32', dims: [nOut, l.weight.length / nOut], values: l.weight });
  const c = b.addInitializer({ name: `${name}.bias`, dataType: 'float32', dims: [nOut], values: l.bias });
  return b.addNode('Gemm', [x, w, c], { name: `${name}.Gemm`, outputs: [out], attributes: { transB: 1 } })[0]!;
}

/** A Reshape to `dims` (-1 for the batch-dependent dimension); the runtime only relabels the shape. */
function reshape(ctx: Ctx, x: string, dims: number[], out: string): string {
  const s = ctx.b.addInitializer({ name: `${out}.shape`, dataType: 'int64', dims: [dims.length], values: dims });
  return ctx.b.addNode('Reshape', [x, s], { name: `${out}.Reshape`, outputs: [out] })[0]!;
}

/** LayerNormalization over the last axis (opset 17+), or its decomposition with the biased variance. */
function layerNorm(ctx: Ctx, x: string, n: TransformerNormSpec, name: string): string {
  const { b, spec, opset } = ctx;
  const d = spec.dModel;
  const g = b.addInitializer({ name: `${name}.weight`, dataType: 'float32', dims: [d], values: n.weight });
  const beta = b.addInitializer({ name: `${name}.bias`, dataType: 'float32', dims: [d], values: n.bias });
  if (opset >= 17) {
    return b.addNode('LayerNormalization', [x, g, beta], { name: `${name}.LayerNormalization`, outputs: [`${name}.out`], attributes: { axis: -1, epsilon: spec.layerNormEps } })[0]!;
  }
  const mean = reduceMean(ctx, x, -1, true, `${name}.mean.ReduceMean`, `${name}.mean`);
  const [c] = b.addNode('Sub', [x, mean], { name: `${name}.Sub`, outputs: [`${name}.centred`] });
  const [sq] = b.addNode('Mul', [c!, c!], { name: `${name}.Mul_sq`, outputs: [`${name}.squared`] });
  const variance = reduceMean(ctx, sq!, -1, true, `${name}.var.ReduceMean`, `${name}.var`);
  const eps = b.addInitializer({ name: `${name}.eps`, dataType: 'float32', dims: [], values: [spec.layerNormEps] });
  const [ve] = b.addNode('Add', [variance, eps], { name: `${name}.Add_eps`, outputs: [`${name}.var_eps`] });
  const [sd] = b.addNode('Sqrt', [ve!], { name: `${name}.Sqrt`, outputs: [`${name}.std`] });
  const [z] = b.addNode('Div', [c!, sd!], { name: `${name}.Div`, outputs: [`${name}.normalized`] });
  const [s] = b.addNode('Mul', [z!, g], { name: `${name}.Mul`, outputs: [`${name}.scaled`] });
  return b.addNode('Add', [s!, beta], { name: `${name}.Add`, outputs: [`${name}.out`] })[0]!;
}

/** ReduceMean over one axis: axes an attribute before opset 18, an input from 18. */
function reduceMean(ctx: Ctx, x: string, axis: number, keepDims: boolean, name: string, out: string): string {
  return reduce(ctx, { op: 'ReduceMean', x, axis, keepDims, name, out });
}

/** ReduceMean or ReduceMax over one axis: axes an attribute before opset 18, an input from 18 (both ops). */
function reduce(ctx: Ctx, r: { op: 'ReduceMean' | 'ReduceMax'; x: string; axis: number; keepDims: boolean; name: string; out: string }): string {
  const { b, opset } = ctx;
  const keepdims = r.keepDims ? 1 : 0;
  if (opset >= 18) {
    const axes = b.addInitializer({ name: `${r.name}.axes`, dataType: 'int64', dims: [1], values: [r.axis] });
    return b.addNode(r.op, [r.x, axes], { name: r.name, outputs: [r.out], attributes: { keepdims } })[0]!;
  }
  return b.addNode(r.op, [r.x], { name: r.name, outputs: [r.out], attributes: { axes: attrInts([r.axis]), keepdims } })[0]!;
}

/** Steps `start..end-1` of a `[N, steps, *]` value. */
function sliceSteps(ctx: Ctx, x: string, start: number, end: number, name: string): string {
  const { b } = ctx;
  const s = b.addInitializer({ name: `${name}.starts`, dataType: 'int64', dims: [1], values: [start] });
  const e = b.addInitializer({ name: `${name}.ends`, dataType: 'int64', dims: [1], values: [end] });
  return b.addNode('Slice', [x, s, e, ctx.stepsAxis], { name: `${name}.Slice`, outputs: [name] })[0]!;
}

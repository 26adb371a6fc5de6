/** The fitted transformer as the plain data `exportTransformer` (src/onnx-writer) writes. */
import type { TransformerExportSpec } from '../../model-spec/index.js';
import type { TransformerDetector } from './transformer-detector.js';

/**
 * The export spec of a fitted model with `metadata` as its metadata_props (build them with
 * `modelMetadata`, e.g. `window: 16, objective: 'next-step'`).
 * Arrays are the model's parameter buffers (not copies): export before training further.
 * @throws NotFittedError before fit
 */
export function transformerExportSpec(model: TransformerDetector, metadata: Readonly<Record<string, string>>): TransformerExportSpec {
  const net = model.net;
  const o = model.options;
  const lin = (l: { weight: { data: Float32Array }; bias?: { data: Float32Array } }): { weight: Float32Array; bias: Float32Array } => ({ weight: l.weight.data, bias: l.bias!.data });
  return {
    objective: o.objective,
    window: o.window,
    inputDim: model.features,
    dModel: o.dModel,
    heads: o.heads,
    normFirst: o.normFirst,
    activation: o.activation,
    layerNormEps: net.encoder[0]!.norm1.eps,
    embed: lin(net.embed),
    posEmbedding: net.posEmbedding.data,
    ...(net.maskEmbedding ? { maskEmbedding: net.maskEmbedding.data } : {}),
    layers: net.encoder.map((l) => ({
      inProjWeight: l.selfAttn.inProjWeight.data,
      inProjBias: l.selfAttn.inProjBias.data,
      outProj: lin(l.selfAttn.outProj),
      linear1: lin(l.linear1),
      linear2: lin(l.linear2),
      norm1: { weight: l.norm1.weight!.data, bias: l.norm1.bias!.data },
      norm2: { weight: l.norm2.weight!.data, bias: l.norm2.bias!.data },
    })),
    head: lin(net.head),
    activeFeatures: o.activeFeatures,
    centering: o.centering,
    errorScale: model.errorScale,
    metadata,
  };
}

/**
 * The autoencoder back from a graph `exportAutoencoder` wrote: the linears read from the
 * `layers.{i}.weight` / `.bias` initializers (transposed back to PyTorch's `[out, in]`), the activation
 * from the node ops, the active columns from `error.active_features`; checked by model-spec's
 * `checkMlpSpec`, then exported again and compared with the file's graph, so the rebuilt weights
 * compute exactly what the file does. A graph that standardizes inside (`scaler.*`) is not rebuilt:
 * its network reads standardized rows, not the raw rows the .onnx detector feeds.
 */
import { checkMlpSpec, type LinearWeights, type MlpSpec } from '../../model-spec/index.js';
import type { onnx } from '../../onnx/index.js';
import { exportAutoencoder } from '../../onnx-writer/index.js';
import { MlpForward, type Activation } from '../../tensor/index.js';
import type { ExplainHooks } from '../kind.js';
import { GraphInitializers, defaultOpset, hasDynamicBatch, sameGraph } from '../onnx-graph.js';

/** The explain hooks of a dadm-exported autoencoder graph, or null for any other graph. */
export function autoencoderFromOnnx(model: onnx.ModelProto): ExplainHooks | null {
  const graph = model.graph;
  const opset = defaultOpset(model);
  if (graph == null || opset === null) return null;
  const inits = new GraphInitializers(graph);
  if (inits.has('scaler.mean')) return null;
  const layers: LinearWeights[] = [];
  for (let i = 0; inits.has(`layers.${i}.weight`); i++) {
    const w = inits.read(`layers.${i}.weight`);
    const b = inits.read(`layers.${i}.bias`);
    if (w === null || b === null || w.shape.length !== 2) return null;
    const [nIn, nOut] = w.shape as [number, number];
    const weight = new Float32Array(nIn * nOut);
    for (let j = 0; j < nIn; j++) for (let o = 0; o < nOut; o++) weight[o * nIn + j] = w.data[j * nOut + o]!;
    layers.push({ weight, bias: Float32Array.from(b.data) });
  }
  if (layers.length === 0) return null;
  const active = inits.read('error.active_features');
  const spec: MlpSpec = { layers, activation: activationOf(graph), activeFeatures: active === null ? null : Array.from(active.data) };
  let inputDim: number;
  try {
    inputDim = checkMlpSpec(spec, 'autoencoderFromOnnx')[0]!;
    const again = exportAutoencoder({ ...spec, inputDim, metadata: {} }, { opset, dynamicBatch: hasDynamicBatch(graph) });
    if (again.graph == null || !sameGraph(graph, again.graph)) return null;
  } catch {
    return null;
  }
  const net = new MlpForward(spec.layers, spec.activation);
  return {
    shapModel: { kind: 'mlp-autoencoder', ...spec },
    reconstruct: (z) => net.run(z, 1).slice(0, inputDim),
  };
}

/** The activation between layers, from the ops the exporter writes for it (ReLU when there is only one layer). */
function activationOf(graph: onnx.GraphProto): Activation {
  const ops = new Set((graph.node ?? []).map((n) => n.opType));
  return ops.has('Tanh') ? 'tanh' : ops.has('Erf') ? 'gelu' : 'relu';
}

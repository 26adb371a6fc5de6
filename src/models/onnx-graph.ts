/**
 * Reading back what dadm's exporters wrote into a graph, for the kinds' `explainFromOnnx`: the
 * initializers by name as plain arrays, and the check that a graph is byte for byte the one an
 * exporter writes (so a model rebuilt from it computes exactly what the file does).
 */
import { onnx } from '../onnx/index.js';
import { tensorFromProto } from '../runtime/index.js';

/** A graph's initializers by name, read as numbers (null when absent or not a plain tensor). */
export class GraphInitializers {
  private readonly byName = new Map<string, onnx.TensorProto>();

  constructor(graph: onnx.GraphProto) {
    for (const t of graph.initializer ?? []) this.byName.set(t.name ?? '', t);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The tensor's values and shape, or null when it is missing or cannot be read. */
  read(name: string): { data: ArrayLike<number>; shape: readonly number[] } | null {
    const t = this.byName.get(name);
    if (t === undefined) return null;
    try {
      const { data, shape } = tensorFromProto(t, name);
      return { data, shape };
    } catch {
      return null;
    }
  }
}

/**
 * True when both graphs encode to the same bytes: same nodes in the same order, same names, same
 * initializers, same inputs and outputs.
 */
export function sameGraph(a: onnx.GraphProto, b: onnx.GraphProto): boolean {
  const x = onnx.encodeMessage(onnx.GRAPH_PROTO, a);
  const y = onnx.encodeMessage(onnx.GRAPH_PROTO, b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The default-domain opset a model imports, or null. */
export function defaultOpset(model: onnx.ModelProto): number | null {
  const entry = (model.opsetImport ?? []).find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  return entry === undefined ? null : Number(entry.version);
}

/** Whether the graph's one fed input has a symbolic (dynamic) batch dimension. */
export function hasDynamicBatch(graph: onnx.GraphProto): boolean {
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const input = (graph.input ?? []).find((i) => !inits.has(i.name));
  const dim = input?.type?.tensorType?.shape?.dim?.[0];
  return dim !== undefined && dim.dimValue === undefined;
}

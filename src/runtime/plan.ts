/**
 * Builds an execution plan for one set of concrete input shapes: walks the nodes in topological
 * order, lets each op infer its output shapes and allocate its buffers, runs ops whose inputs are
 * all constant right away (constant folding: torch's Shape → Gather → Unsqueeze → Concat chains end
 * here), and keeps the rest as a flat list of steps.
 */
import { DadmError, FormatError } from '../errors.js';
import { ByteBudget, type Limits } from '../limits.js';
import type { DType, TensorData } from './dtypes.js';
import type { Attributes, NodeProto } from './proto-utils.js';
import { newValue, type OpPlanner, type Value } from './ops/types.js';

/** A node prepared at load time: its planner, attributes and opset are looked up once. */
export interface PreparedNode {
  node: NodeProto;
  where: string;
  planner: OpPlanner;
  attrs: Attributes;
  opset: number;
}

/** The parts of a loaded graph that every plan starts from. */
export interface PreparedGraph {
  nodes: readonly PreparedNode[];
  constants: ReadonlyMap<string, Value>;
  inputs: readonly { name: string; dtype: DType }[];
  outputs: readonly string[];
  /** Each plan's buffers plus `constantBytes` (the initializers) must fit these limits. */
  limits: Limits;
  constantBytes: number;
}

/** Everything `run` needs for one input-shape combination. */
export interface Plan {
  inputShapes: readonly (readonly number[])[];
  /** Buffers the caller copies the inputs into, in input order. */
  inputBuffers: readonly TensorData[];
  /** Kernels to run in order. */
  steps: readonly (() => void)[];
  /** Graph outputs, in output order (buffers are reused by the next call). */
  outputs: readonly Value[];
}

/**
 * @throws FormatError, ShapeError, UnsupportedOpError naming the node that cannot be planned;
 *   LimitError naming the node (or input) whose buffer would take the plan past the limits
 */
export function buildPlan(graph: PreparedGraph, inputShapes: readonly (readonly number[])[]): Plan {
  const values = new Map<string, Value>(graph.constants);
  const budget = new ByteBudget(graph.limits, graph.constantBytes);
  const inputBuffers = graph.inputs.map((inp, i) => {
    const where = `onnx: graph input "${inp.name}"`;
    const v = guard(where, () => newValue({ where, budget }, inp.dtype, inputShapes[i]!));
    values.set(inp.name, v);
    return v.data;
  });
  const steps: (() => void)[] = [];
  for (const p of graph.nodes) {
    const inputs = (p.node.input ?? []).map((name) => (name === '' ? undefined : values.get(name)));
    const outNames = p.node.output ?? [];
    const plan = guard(p.where, () => p.planner({ where: p.where, opType: p.node.opType ?? '', attrs: p.attrs, inputs, nOutputs: outNames.length, opset: p.opset, budget }));
    const allConst = inputs.every((v) => v === undefined || v.isConst);
    if (allConst && plan.run) {
      guard(p.where, plan.run);
      for (const o of plan.outputs) o.isConst = true;
    } else if (plan.run) {
      steps.push(plan.run);
    }
    outNames.forEach((name, i) => {
      if (name === '') return;
      const v = plan.outputs[i];
      if (!v) throw new FormatError(`${p.where}: output ${i} ("${name}") must be one the op produces, got ${plan.outputs.length} outputs`);
      values.set(name, v);
    });
  }
  const outputs = graph.outputs.map((name) => values.get(name)!);
  return { inputShapes: inputShapes.map((s) => [...s]), inputBuffers, steps, outputs };
}

/** Turns unexpected exceptions from an op (e.g. RangeError on a huge buffer) into FormatError. */
function guard<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DadmError) throw e;
    throw new FormatError(`${where}: planning must succeed, got ${(e as Error).message}`);
  }
}

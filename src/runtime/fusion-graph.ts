/**
 * What the load-time fusions (fuse-quantized-linear.ts, fuse-affine-sum.ts) share: who reads each
 * value, and the fallback that plans a fused chain's original nodes when a plan's shapes or dtypes
 * fall outside the fused kernel's case, so results and errors never change.
 */
import type { PreparedNode } from './plan.js';
import type { OpArgs, OpPlan, Value } from './ops/types.js';

/**
 * `onlyReader(name, opType)`: the index of the single node reading `name` when it is `opType` in the
 * default domain and `name` is not a graph output, else undefined.
 */
export function singleReaders(nodes: readonly PreparedNode[], outputs: readonly string[]): (name: string | undefined, opType: string) => number | undefined {
  const reads = new Map<string, number>();
  const reader = new Map<string, number>();
  nodes.forEach((p, i) => {
    for (const name of p.node.input ?? []) {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      reader.set(name, i);
    }
  });
  for (const name of outputs) reads.set(name, (reads.get(name) ?? 0) + 1);
  return (name, opType) => {
    const i = name === undefined ? undefined : reader.get(name);
    // A graph output counts as one more read, so a value read once by a node is not an output.
    if (i === undefined || reads.get(name!) !== 1) return undefined;
    const p = nodes[i]!;
    return p.node.opType === opType && isDefaultDomain(p) ? i : undefined;
  };
}

export function isDefaultDomain(p: PreparedNode): boolean {
  const domain = p.node.domain ?? '';
  return domain === '' || domain === 'ai.onnx';
}

/** The input of a two-input node other than `name`; undefined unless exactly one input is `name`. */
export function otherInput(p: PreparedNode, name: string): string | undefined {
  const input = p.node.input ?? [];
  if (input.length !== 2 || input[0] === input[1]) return undefined;
  if (input[0] === name) return input[1];
  return input[1] === name ? input[0] : undefined;
}

/** Plans the chain's original nodes one after another, as if they had not been fused. */
export function planMembers(members: readonly PreparedNode[], names: readonly string[], args: OpArgs): OpPlan {
  const values = new Map<string, Value | undefined>(names.map((name, i) => [name, args.inputs[i]]));
  const runs: (() => void)[] = [];
  let outputs: Value[] = [];
  for (const p of members) {
    const inputs = (p.node.input ?? []).map((name) => (name === '' ? undefined : values.get(name)));
    const outNames = p.node.output ?? [];
    const plan = p.planner({ where: p.where, opType: p.node.opType ?? '', attrs: p.attrs, inputs, nOutputs: outNames.length, opset: p.opset, budget: args.budget });
    outNames.forEach((name, i) => values.set(name, plan.outputs[i]));
    if (plan.run) runs.push(plan.run);
    outputs = plan.outputs;
  }
  return { outputs, run: () => { for (const r of runs) r(); } };
}

/**
 * Load-time fusion of the tail that dynamic quantization (dadm's `quantizeDynamic`, onnxruntime's
 * IntegerOps quantizer) writes for every linear layer:
 *
 *   yi = MatMulInteger(A, B, a_zp, b_zp); yf = Cast<to=FLOAT>(yi); ys = Mul(yf, scale); y = Add(ys, bias)
 *
 * becomes one node planned by ops/quantized-linear.ts. Only chains whose intermediates (yi, yf, ys)
 * have no other reader and are not graph outputs are fused; the fused node takes the place of the
 * Add, where all six inputs already exist. When a plan's shapes or dtypes fall outside the fused
 * kernel's case, the node plans the original four ops instead, so results and errors never change.
 */
import type { PreparedNode } from './plan.js';
import { planQuantizedLinear } from './ops/quantized-linear.js';
import type { OpArgs, OpPlan, Value } from './ops/types.js';

const FLOAT = 1;

/**
 * Returns `nodes` (topologically ordered) with every matching chain replaced by one fused node.
 * @param outputs the graph's output names, which must stay materialized
 */
export function fuseQuantizedLinear(nodes: readonly PreparedNode[], outputs: readonly string[]): PreparedNode[] {
  const reads = new Map<string, number>();
  const reader = new Map<string, number>();
  nodes.forEach((p, i) => {
    for (const name of p.node.input ?? []) {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      reader.set(name, i);
    }
  });
  for (const name of outputs) reads.set(name, (reads.get(name) ?? 0) + 1);
  // The single node reading `name` when it is `opType` in the default domain, else undefined.
  const onlyReader = (name: string | undefined, opType: string): number | undefined => {
    const i = name === undefined ? undefined : reader.get(name);
    // A graph output counts as one more read, so a value read once by a node is not an output.
    if (i === undefined || reads.get(name!) !== 1) return undefined;
    const p = nodes[i]!;
    const domain = p.node.domain ?? '';
    return p.node.opType === opType && (domain === '' || domain === 'ai.onnx') ? i : undefined;
  };
  const fusedAt = new Map<number, PreparedNode>();
  const removed = new Set<number>();
  nodes.forEach((mmi, i) => {
    const domain = mmi.node.domain ?? '';
    if (mmi.node.opType !== 'MatMulInteger' || (domain !== '' && domain !== 'ai.onnx') || (mmi.node.output ?? []).length !== 1) return;
    const cast = onlyReader(mmi.node.output![0], 'Cast');
    if (cast === undefined || nodes[cast]!.attrs.int('to', 0) !== FLOAT) return;
    const mul = onlyReader(nodes[cast]!.node.output?.[0], 'Mul');
    const add = mul === undefined ? undefined : onlyReader(nodes[mul]!.node.output?.[0], 'Add');
    if (mul === undefined || add === undefined) return;
    const scale = otherInput(nodes[mul]!, nodes[cast]!.node.output![0]!);
    const bias = otherInput(nodes[add]!, nodes[mul]!.node.output![0]!);
    if (scale === undefined || bias === undefined || (nodes[add]!.node.output ?? []).length !== 1) return;
    const members = [mmi, nodes[cast]!, nodes[mul]!, nodes[add]!];
    const mmiInputs = mmi.node.input ?? [];
    const input = [0, 1, 2, 3].map((j) => mmiInputs[j] ?? '').concat(scale, bias);
    fusedAt.set(add, {
      node: { name: mmi.node.name, opType: 'MatMulInteger', input, output: [...nodes[add]!.node.output!] },
      where: members.map((p) => p.where).join(' + '),
      planner: (args) => planQuantizedLinear(args) ?? planMembers(members, input, args),
      attrs: mmi.attrs,
      opset: mmi.opset,
    });
    removed.add(i).add(cast).add(mul);
  });
  return nodes.flatMap((p, i) => (removed.has(i) ? [] : [fusedAt.get(i) ?? p]));
}

/** The input of a two-input node other than `name`; undefined unless exactly one input is `name`. */
function otherInput(p: PreparedNode, name: string): string | undefined {
  const input = p.node.input ?? [];
  if (input.length !== 2 || input[0] === input[1]) return undefined;
  if (input[0] === name) return input[1];
  return input[1] === name ? input[0] : undefined;
}

/** Plans the chain's original nodes one after another, as if they had not been fused. */
function planMembers(members: readonly PreparedNode[], names: readonly string[], args: OpArgs): OpPlan {
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

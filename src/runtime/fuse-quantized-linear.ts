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
import { isDefaultDomain, otherInput, planMembers, singleReaders } from './fusion-graph.js';
import type { PreparedNode } from './plan.js';
import * as neural from './ops/neural.js';

const FLOAT = 1;

/**
 * Returns `nodes` (topologically ordered) with every matching chain replaced by one fused node.
 * @param outputs the graph's output names, which must stay materialized
 */
export function fuseQuantizedLinear(nodes: readonly PreparedNode[], outputs: readonly string[]): PreparedNode[] {
  const onlyReader = singleReaders(nodes, outputs);
  const fusedAt = new Map<number, PreparedNode>();
  const removed = new Set<number>();
  nodes.forEach((mmi, i) => {
    if (mmi.node.opType !== 'MatMulInteger' || !isDefaultDomain(mmi) || (mmi.node.output ?? []).length !== 1) return;
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
      planner: (args) => neural.planQuantizedLinear(args) ?? planMembers(members, input, args),
      attrs: mmi.attrs,
      opset: mmi.opset,
    });
    removed.add(i).add(cast).add(mul);
  });
  return nodes.flatMap((p, i) => (removed.has(i) ? [] : [fusedAt.get(i) ?? p]));
}

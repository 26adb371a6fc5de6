/**
 * Load-time fusion of the calibration and combination tail that `exportEnsemble` writes (and any
 * graph that sums affinely mapped score columns the same way):
 *
 *   z = Concat<axis 1>(s_1 [N,1], ..., s_M [N,1]); c = Sub(z, centers [M]); w = Mul(c, factors [M]);
 *   y = ReduceSum<keepdims 0>(w, axes [1])                                    -> y [N]
 *
 * becomes one node planned here: four steps and three [N, M] intermediates become one loop. It keeps
 * every float32 rounding of the unfused graph in the same order, and sums as ReduceSum does
 * ({@link pairedSum}), so its output is bit-identical. The file stays standard ops (onnxruntime-web
 * runs it as written); only chains whose intermediates have no other reader are fused, and a plan
 * whose shapes, dtypes or constants fall outside this case plans the four original nodes.
 */
import { isDefaultDomain, otherInput, planMembers, singleReaders } from './fusion-graph.js';
import type { PreparedNode } from './plan.js';
import { pairedSum } from './ops/reduce.js';
import { newValue, type OpArgs, type OpPlan, type Value } from './ops/types.js';

/**
 * Returns `nodes` (topologically ordered) with every matching chain replaced by one fused node at
 * the ReduceSum's place (where all its inputs exist).
 * @param outputs the graph's output names, which must stay materialized
 */
export function fuseAffineSum(nodes: readonly PreparedNode[], outputs: readonly string[]): PreparedNode[] {
  const onlyReader = singleReaders(nodes, outputs);
  const fusedAt = new Map<number, PreparedNode>();
  const removed = new Set<number>();
  nodes.forEach((concat, i) => {
    if (concat.node.opType !== 'Concat' || !isDefaultDomain(concat) || (concat.node.output ?? []).length !== 1) return;
    const stacked = concat.node.output![0]!;
    const sub = onlyReader(stacked, 'Sub');
    if (sub === undefined || nodes[sub]!.node.input?.[0] !== stacked) return;
    const centred = nodes[sub]!.node.output?.[0];
    const mul = onlyReader(centred, 'Mul');
    const sum = mul === undefined ? undefined : onlyReader(nodes[mul]!.node.output?.[0], 'ReduceSum');
    if (mul === undefined || sum === undefined || nodes[sum]!.node.input?.[0] !== nodes[mul]!.node.output![0]) return;
    const centers = otherInput(nodes[sub]!, stacked);
    const factors = otherInput(nodes[mul]!, centred!);
    if (centers === undefined || factors === undefined || (nodes[sum]!.node.output ?? []).length !== 1) return;
    const columns = concat.node.input ?? [];
    const members = [concat, nodes[sub]!, nodes[mul]!, nodes[sum]!];
    const input = [...columns, centers, factors, nodes[sum]!.node.input?.[1] ?? ''];
    fusedAt.set(sum, {
      node: { name: concat.node.name, opType: 'ReduceSum', input, output: [...nodes[sum]!.node.output!] },
      where: members.map((p) => p.where).join(' + '),
      planner: (args) => planAffineSum(args, { concat, sum: nodes[sum]! }) ?? planMembers(members, input, args),
      attrs: nodes[sum]!.attrs,
      opset: nodes[sum]!.opset,
    });
    removed.add(i).add(sub).add(mul);
  });
  return nodes.flatMap((p, i) => (removed.has(i) ? [] : [fusedAt.get(i) ?? p]));
}

/**
 * The fused kernel for inputs [s_1 .. s_M, centers, factors, axes?] when they fit: every column
 * float32 [N, 1], centers and factors float32 constants of shape [M], Concat on axis 1 (or -1) and
 * ReduceSum over axis 1 (or -1) without keepdims. y[n] = sum_k f32(f32(s_k[n] - center_k) * factor_k).
 * @returns undefined outside that case (the caller then plans the four ops)
 */
function planAffineSum(args: OpArgs, chain: { concat: PreparedNode; sum: PreparedNode }): OpPlan | undefined {
  const m = args.inputs.length - 3;
  const columns = args.inputs.slice(0, m);
  const [centers, factors, axes] = args.inputs.slice(m) as [Value | undefined, Value | undefined, Value | undefined];
  const n = columns[0]?.shape[0];
  const isColumn = (v: Value | undefined): v is Value => v !== undefined && v.dtype === 'float32' && v.shape.length === 2 && v.shape[0] === n && v.shape[1] === 1;
  const isTable = (v: Value | undefined): v is Value => v !== undefined && v.dtype === 'float32' && v.isConst && v.shape.length === 1 && v.shape[0] === m;
  if (m < 1 || !columns.every(isColumn) || !isTable(centers) || !isTable(factors)) return undefined;
  const axis = chain.concat.attrs.int('axis', 0);
  const sumAxes = chain.sum.opset >= 13 ? (axes?.isConst ? Array.from(axes.data, Number) : null) : chain.sum.attrs.ints('axes') ?? null;
  const overColumns = (a: number): boolean => a === 1 || a === -1;
  if (!overColumns(axis) || sumAxes?.length !== 1 || !overColumns(sumAxes[0]!) || chain.sum.attrs.int('keepdims', 1) !== 0) return undefined;
  const y = newValue(args, 'float32', [n!]);
  const terms = newValue(args, 'float32', [m]).data;
  const data = columns.map((v) => v!.data);
  const [c, f, out] = [centers.data, factors.data, y.data];
  return {
    outputs: [y],
    run: () => {
      for (let r = 0; r < out.length; r++) {
        // Each term rounds to float32 as Sub's and Mul's outputs do.
        for (let k = 0; k < m; k++) terms[k] = Math.fround(data[k]![r]! - c[k]!) * f[k]!;
        out[r] = pairedSum(terms, 0, m, 1);
      }
    },
  };
}

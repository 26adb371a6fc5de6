/**
 * Reverse-mode sweep: topologically order the graph below `root`, then walk it backwards, applying
 * each node's rule and accumulating gradients. Intermediate gradients live in a map for the
 * duration of the sweep (freed as soon as a node is processed); only leaves keep `grad`.
 */
import { ShapeError, UsageError, fmtShape } from '../errors.js';
import { Tensor, add, ones, sameShape } from '../tensor/index.js';
import { type RuleContext, rules } from './rules.js';
import type { Primitive } from './primitives.js';
import type { Node, Var } from './variable.js';

/** Vars reachable from `root` through recorded nodes, inputs before the Vars computed from them. */
function topoOrder(root: Var): Var[] {
  const order: Var[] = [];
  const visited = new Set<Var>();
  // Iterative DFS (deep graphs must not overflow the call stack): [var, next input index].
  const stack: [Var, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [v, i] = top;
    const inputs = v.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const u = inputs[i]!;
      if (u.requiresGrad && !visited.has(u)) {
        visited.add(u);
        stack.push([u, 0]);
      }
    } else {
      stack.pop();
      order.push(v);
    }
  }
  return order;
}

/** Adds `g` into a leaf's own gradient buffer (copied on first arrival so it never aliases). */
function accumulateLeaf(v: Var, g: Tensor): void {
  if (v.grad === undefined) {
    v.grad = new Tensor(g.data.slice(), g.shape);
    return;
  }
  const d = v.grad.data, s = g.data;
  for (let i = 0; i < d.length; i++) d[i] += s[i]!;
}

/**
 * Backpropagates from `root`: every leaf Var with `requiresGrad` below it gets `grad += dL/dleaf`
 * where `L = sum(root * upstream)`. `upstream` defaults to 1 for a one-element root.
 * @throws UsageError when `root` does not require gradients; ShapeError when no upstream is given
 * for a non-scalar root or its shape differs from the root's
 */
export function backward(root: Var, upstream?: Tensor): void {
  if (!root.requiresGrad) {
    throw new UsageError('backward: root must require gradients (be computed from a Var with requiresGrad), got a constant');
  }
  let seed: Tensor;
  if (upstream === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(`backward: root must have one element when no upstream gradient is given, got ${fmtShape(root.shape)}`, 'backward', [root.shape]);
    }
    seed = ones(root.shape);
  } else {
    if (!sameShape(upstream.shape, root.shape)) {
      throw new ShapeError(`backward: upstream gradient shape must match the root's ${fmtShape(root.shape)}, got ${fmtShape(upstream.shape)}`, 'backward', [root.shape, upstream.shape]);
    }
    seed = upstream;
  }
  const order = topoOrder(root);
  const grads = new Map<Var, Tensor>([[root, seed]]);
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i]!;
    const g = grads.get(v);
    if (g === undefined) continue;
    grads.delete(v);
    const node = v.node;
    if (node === undefined) {
      accumulateLeaf(v, g);
      continue;
    }
    const inGrads = applyRule(node, v.value, g);
    for (let k = 0; k < node.inputs.length; k++) {
      const u = node.inputs[k]!;
      const gu = inGrads[k];
      if (!u.requiresGrad || gu === null || gu === undefined) continue;
      const prev = grads.get(u);
      grads.set(u, prev === undefined ? gu : add(prev, gu));
    }
  }
}

function applyRule<P extends Primitive>(node: Node<P>, out: Tensor, g: Tensor): readonly (Tensor | null)[] {
  const ctx: RuleContext<P> = {
    inputs: node.inputs.map((u) => u.value),
    out,
    attrs: node.attrs,
    needs: node.inputs.map((u) => u.requiresGrad),
  };
  return (rules[node.op] as (g: Tensor, ctx: RuleContext<P>) => readonly (Tensor | null)[])(g, ctx);
}

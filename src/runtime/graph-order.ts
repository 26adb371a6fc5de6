/**
 * Topological order of a graph's nodes (Kahn's algorithm), with the structural checks it needs:
 * every input name defined exactly once, no cycles.
 */
import { FormatError } from '../errors.js';
import { nodeLabel, type GraphProto } from './proto-utils.js';

/**
 * Returns node indices so that every node comes after the producers of its inputs.
 * @throws FormatError for an undefined input name, a name produced twice, or a cycle
 */
export function topologicalOrder(graph: GraphProto, where: string): number[] {
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  const defined = new Set<string>();
  for (const v of graph.input ?? []) defined.add(v.name ?? '');
  for (const t of graph.initializer ?? []) defined.add(t.name ?? '');
  nodes.forEach((n, i) => {
    for (const out of n.output ?? []) {
      if (out === '') continue;
      if (producer.has(out) || defined.has(out)) {
        throw new FormatError(`${where}: value "${out}" must be produced once, got a second producer ${nodeLabel(n)}`);
      }
      producer.set(out, i);
    }
  });
  const pending = new Int32Array(nodes.length);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const name of n.input ?? []) {
      if (name === '' || defined.has(name)) continue;
      const p = producer.get(name);
      if (p === undefined) {
        throw new FormatError(`${where}: input "${name}" of ${nodeLabel(n)} must be a graph input, initializer or node output, got an undefined name`);
      }
      pending[i]++;
      consumers[p]!.push(i);
    }
  });
  const order: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (pending[i] === 0) order.push(i);
  for (let h = 0; h < order.length; h++) {
    for (const c of consumers[order[h]!]!) if (--pending[c] === 0) order.push(c);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.findIndex((_, i) => pending[i]! > 0);
    throw new FormatError(`${where}: graph must be acyclic, got a cycle reaching ${nodeLabel(nodes[stuck]!)}`);
  }
  for (const out of graph.output ?? []) {
    const name = out.name ?? '';
    if (!defined.has(name) && !producer.has(name)) {
      throw new FormatError(`${where}: graph output "${name}" must be produced by a node or be an input, got an undefined name`);
    }
  }
  return order;
}

/**
 * `GraphBuilder`: the few lines exporters need to lay out a graph — inputs, initializers, nodes with
 * generated names, outputs — checked as they are added, in a fixed naming scheme so that building the
 * same graph twice gives the same bytes.
 */
import { InvalidOptionError } from '../errors.js';
import type { AttributeValue } from './attributes.js';
import type { DataTypeName } from './data-types.js';
import { type Dim, makeGraph, makeValueInfo } from './make-graph.js';
import { makeNode } from './make-node.js';
import { type MakeTensorOptions, makeTensor } from './make-tensor.js';
import { onnx } from './proto.js';

/** Options of {@link GraphBuilder.addNode}. */
export interface AddNodeOptions {
  /** explicit output names, or how many to generate (default 1) */
  outputs?: readonly string[] | number;
  attributes?: Readonly<Record<string, AttributeValue | undefined>>;
  /** default `<opType>_<k>`, k counting nodes of that op type from 0 */
  name?: string;
  /** operator set domain, default '' */
  domain?: string;
  docString?: string;
}

/**
 * Builds a graph step by step. Naming scheme: a node without a given name is called `<opType>_<k>`
 * (k = 0, 1, … per op type, skipping names already taken) and its generated outputs are
 * `<nodeName>_out<j>` (j = 0, 1, …). Every name is checked for uniqueness and every node input for
 * being defined earlier, so `build()` yields a graph in topological, single-assignment form.
 *
 * @example
 * const b = new GraphBuilder('scorer');
 * const x = b.input('input', 'float32', ['batch', 4]);
 * const w = b.addInitializer({ name: 'w', dataType: 'float32', dims: [3, 4], values });
 * const [h] = b.addNode('Gemm', [x, w], { attributes: { transB: 1 } });
 * b.addNode('Relu', [h], { outputs: ['score'] });
 * b.output('score', 'float32', ['batch', 3]);
 * const bytes = encodeModel(makeModel(b.build()));
 */
export class GraphBuilder {
  private readonly nodes: onnx.NodeProto[] = [];
  private readonly inputs: onnx.ValueInfoProto[] = [];
  private readonly outputs: onnx.ValueInfoProto[] = [];
  private readonly initializers: onnx.TensorProto[] = [];
  private readonly valueInfos: onnx.ValueInfoProto[] = [];
  /** value names defined so far (graph inputs, initializers, node outputs) */
  private readonly values = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly opCounters = new Map<string, number>();
  private readonly outputNames = new Set<string>();

  /** @param name graph name (non-empty) @param docString optional graph doc string */
  constructor(
    readonly name: string,
    private readonly docString?: string,
  ) {
    if (name === '') throw new InvalidOptionError(`GraphBuilder: name must be non-empty, got ''`, 'name');
  }

  /** Declares a graph input; returns its name. @throws InvalidOptionError if the name is taken. */
  input(name: string, elemType: DataTypeName, shape: readonly Dim[]): string {
    this.define(name, 'input');
    this.inputs.push(makeValueInfo(name, elemType, shape));
    return name;
  }

  /**
   * Adds a constant tensor (weights, biases, shapes) as an initializer; returns its name.
   * @throws InvalidOptionError if the name is taken; the errors of makeTensor for bad values.
   */
  addInitializer(tensor: MakeTensorOptions): string {
    const proto = makeTensor(tensor);
    this.define(tensor.name, 'addInitializer');
    this.initializers.push(proto);
    return tensor.name;
  }

  /**
   * Appends a node; returns its output names (generated unless given). Inputs must already be defined
   * ('' marks an absent optional input).
   * @throws InvalidOptionError for an undefined input or a node/output name that is already taken.
   */
  addNode(opType: string, inputs: readonly string[], options: AddNodeOptions = {}): string[] {
    for (const input of inputs) {
      if (input !== '' && !this.values.has(input)) {
        throw new InvalidOptionError(
          `GraphBuilder.addNode ${opType}: input '${input}' must be defined before use, got an unknown name`,
          'inputs',
        );
      }
    }
    const name = options.name ?? this.nextNodeName(opType);
    if (this.nodeNames.has(name)) {
      throw new InvalidOptionError(
        `GraphBuilder.addNode ${opType}: node name must be unique, got '${name}' again`,
        'name',
      );
    }
    const spec = options.outputs ?? 1;
    let outputs: string[];
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < 1) {
        throw new InvalidOptionError(
          `GraphBuilder.addNode ${opType}: outputs count must be a positive integer, got ${spec}`,
          'outputs',
        );
      }
      outputs = Array.from({ length: spec }, (_, j) => `${name}_out${j}`);
    } else outputs = spec.slice();
    const fresh = new Set<string>();
    for (const output of outputs) {
      if (output === '') continue;
      if (this.values.has(output) || fresh.has(output)) {
        throw new InvalidOptionError(
          `GraphBuilder.addNode ${opType}: output name must be unique, got '${output}' again`,
          'outputs',
        );
      }
      fresh.add(output);
    }
    const { attributes, domain, docString } = options;
    const node = makeNode(opType, inputs, outputs, { name, attributes, domain, docString });
    for (const output of fresh) this.values.add(output);
    this.nodeNames.add(name);
    this.nodes.push(node);
    return outputs;
  }

  /**
   * Copies the part of another graph that computes `outputs` into this one: its nodes (in order) and
   * the initializers they read, every name prefixed `<prefix>.` (as onnx.compose.add_prefix does),
   * its graph inputs fed by values of this graph. Nodes no requested output depends on are left out.
   * Returns the new names of `outputs`, in order. The caller imports the opsets the nodes use.
   * @throws InvalidOptionError for a graph input missing from `inputs`, an unknown output, a node
   *   with a graph attribute (If, Loop), or a name that is already taken
   */
  addSubgraph(graph: onnx.GraphProto, opts: { prefix: string; inputs: Readonly<Record<string, string>>; outputs: readonly string[] }): string[] {
    const where = `GraphBuilder.addSubgraph '${opts.prefix}'`;
    const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
    const rename = (v: string): string => (v === '' ? '' : opts.inputs[v] ?? `${opts.prefix}.${v}`);
    for (const input of graph.input ?? []) {
      const name = input.name ?? '';
      if (!inits.has(name) && opts.inputs[name] === undefined) throw new InvalidOptionError(`${where}: inputs must feed graph input '${name}', got no value for it`, 'inputs');
    }
    const nodes = graph.node ?? [];
    const needed = new Set<string>(opts.outputs);
    const keep = new Array<boolean>(nodes.length).fill(false);
    for (let k = nodes.length - 1; k >= 0; k--) {
      const node = nodes[k]!;
      if (!(node.output ?? []).some((o) => needed.has(o))) continue;
      keep[k] = true;
      for (const i of node.input ?? []) needed.add(i);
    }
    for (const output of opts.outputs) {
      if (!nodes.some((n) => (n.output ?? []).includes(output)) && !inits.has(output) && opts.inputs[output] === undefined) {
        throw new InvalidOptionError(`${where}: outputs must be values of the graph, got '${output}'`, 'outputs');
      }
    }
    for (const [name, tensor] of inits) {
      if (!needed.has(name) || opts.inputs[name] !== undefined) continue;
      this.define(rename(name), 'addSubgraph');
      this.initializers.push({ ...tensor, name: rename(name) });
    }
    nodes.forEach((node, k) => {
      if (!keep[k]) return;
      if ((node.attribute ?? []).some((a) => a.g || (a.graphs?.length ?? 0) > 0)) {
        throw new InvalidOptionError(`${where}: nodes must not hold subgraphs, got ${node.opType} '${node.name}'`, 'graph');
      }
      const name = rename(node.name || `${node.opType}_${k}`);
      for (const input of node.input ?? []) {
        if (input !== '' && !this.values.has(rename(input))) throw new InvalidOptionError(`${where}: input '${input}' of node '${node.name}' must be defined before use, got an unknown name`, 'graph');
      }
      if (this.nodeNames.has(name)) throw new InvalidOptionError(`${where}: node name must be unique, got '${name}' again`, 'graph');
      for (const output of node.output ?? []) if (output !== '') this.define(rename(output), 'addSubgraph');
      this.nodeNames.add(name);
      this.nodes.push({ ...node, name, input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) });
    });
    return opts.outputs.map(rename);
  }

  /** Marks a defined value as a graph output with its type. @throws InvalidOptionError if unknown or repeated. */
  output(name: string, elemType: DataTypeName, shape: readonly Dim[]): void {
    if (!this.values.has(name)) {
      throw new InvalidOptionError(
        `GraphBuilder.output: '${name}' must be a defined value, got an unknown name`,
        'name',
      );
    }
    if (this.outputNames.has(name)) {
      throw new InvalidOptionError(
        `GraphBuilder.output: output names must be unique, got '${name}' again`,
        'name',
      );
    }
    this.outputNames.add(name);
    this.outputs.push(makeValueInfo(name, elemType, shape));
  }

  /** Records the type/shape of an intermediate value (graph value_info). */
  annotate(name: string, elemType: DataTypeName, shape: readonly Dim[]): void {
    if (!this.values.has(name)) {
      throw new InvalidOptionError(
        `GraphBuilder.annotate: '${name}' must be a defined value, got an unknown name`,
        'name',
      );
    }
    this.valueInfos.push(makeValueInfo(name, elemType, shape));
  }

  /** The GraphProto built so far (wrap it with makeModel, then checkModel/encodeModel). */
  build(): onnx.GraphProto {
    const options = {
      name: this.name,
      nodes: this.nodes,
      inputs: this.inputs,
      outputs: this.outputs,
      initializers: this.initializers,
      ...(this.docString !== undefined ? { docString: this.docString } : {}),
      ...(this.valueInfos.length > 0 ? { valueInfo: this.valueInfos } : {}),
    };
    return makeGraph(options);
  }

  private define(name: string, where: string): void {
    if (name === '') throw new InvalidOptionError(`GraphBuilder.${where}: name must be non-empty, got ''`, 'name');
    if (this.values.has(name)) {
      throw new InvalidOptionError(
        `GraphBuilder.${where}: value name must be unique, got '${name}' again`,
        'name',
      );
    }
    this.values.add(name);
  }

  private nextNodeName(opType: string): string {
    let k = this.opCounters.get(opType) ?? 0;
    while (this.nodeNames.has(`${opType}_${k}`) || this.values.has(`${opType}_${k}_out0`)) k++;
    this.opCounters.set(opType, k + 1);
    return `${opType}_${k}`;
  }
}

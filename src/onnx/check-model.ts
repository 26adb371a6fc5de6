/**
 * `checkModel`: the structural checks of onnx.checker.check_model (onnx/checker.cc), plus a few it
 * leaves out (data size against dims, unique node names, graph outputs that nothing produces).
 * Operator schemas (input counts, attribute names per op) are not checked.
 */
import { checkModelFail as fail, checkTensor, hasValue } from './check-tensor.js';
import { MAX_IR_VERSION } from './make-model.js';
import { hasField, onnx, toNumber } from './proto.js';

interface CheckContext {
  readonly irVersion: number;
  /** domain -> opset version */
  readonly opsets: ReadonlyMap<string, number>;
}

const AT = onnx.AttributeType;

/** Attribute value field -> the AttributeType it belongs to. */
const ATTRIBUTE_FIELDS: readonly (readonly [string, number])[] = [
  ['f', AT.FLOAT], ['i', AT.INT], ['s', AT.STRING], ['t', AT.TENSOR], ['g', AT.GRAPH],
  ['sparseTensor', AT.SPARSE_TENSOR], ['tp', AT.TYPE_PROTO], ['floats', AT.FLOATS], ['ints', AT.INTS],
  ['strings', AT.STRINGS], ['tensors', AT.TENSORS], ['graphs', AT.GRAPHS],
  ['sparseTensors', AT.SPARSE_TENSORS], ['typeProtos', AT.TYPE_PROTOS],
];
const LIST_TYPES = new Set<number>([AT.FLOATS, AT.INTS, AT.STRINGS, AT.TENSORS, AT.GRAPHS, AT.SPARSE_TENSORS, AT.TYPE_PROTOS]);

/**
 * Checks a model (built here or decoded) and throws on the first problem. Checked: ir_version set and
 * <= MAX_IR_VERSION; opset_import non-empty, unique domains, positive versions; unique metadata keys; graph name set;
 * graph inputs/outputs named, typed (tensor elem_type and shape) and unique; initializer names unique
 * and each initializer's data consistent with its dims and type; node op_type set, domain imported,
 * unique node names (when set); every node input '' or defined earlier (graph input, initializer, earlier
 * node output) — distinguishing a wrong topological order from an undefined name; single assignment of
 * every output name; well-formed attributes (name, unique, type matching the value field), recursively
 * into subgraphs; every graph output produced by something.
 * @throws FormatError `"checkModel: <what> must <constraint>, got <actual>"` naming the node/tensor.
 */
export function checkModel(model: onnx.ModelProto): void {
  const irVersion = toNumber(model.irVersion, 'checkModel');
  if (irVersion < 1) fail(`ir_version must be set to an integer in [1, ${MAX_IR_VERSION}], got ${irVersion}`);
  if (irVersion > MAX_IR_VERSION) fail(`ir_version must be at most ${MAX_IR_VERSION} (onnx 1.16 schema), got ${irVersion}`);
  const keys = new Set<string>();
  for (const entry of model.metadataProps ?? []) {
    const key = entry.key ?? '';
    if (keys.has(key)) fail(`metadata_props keys must be unique, got '${key}' twice`);
    keys.add(key);
  }
  const opsets = new Map<string, number>();
  for (const op of model.opsetImport ?? []) {
    const domain = op.domain ?? '';
    const version = toNumber(op.version, 'checkModel');
    if (opsets.has(domain)) fail(`opset_import domains must be unique, got '${domain}' twice`);
    if (version < 1) fail(`opset_import version of domain '${domain}' must be >= 1, got ${version}`);
    opsets.set(domain, version);
  }
  if (irVersion >= 3 && opsets.size === 0) fail(`opset_import must be non-empty for ir_version >= 3, got none`);
  if (irVersion < 3 && opsets.size > 0) fail(`opset_import must be empty for ir_version < 3, got ${opsets.size} entries`);
  if (irVersion < 3) opsets.set('', 1);
  if (model.graph === null || model.graph === undefined) fail(`graph must be set, got none`);
  checkGraph(model.graph, { irVersion, opsets }, new Map(), '');
}

/**
 * `outer` maps every value name visible from enclosing graphs to what defines it (for messages);
 * `scope` is '' for the main graph, else the path that prefixes messages about a subgraph.
 */
function checkGraph(graph: onnx.GraphProto, ctx: CheckContext, outer: ReadonlyMap<string, string>, scope: string): void {
  const isMain = scope === '';
  const graphName = graph.name ?? '';
  if (graphName === '') fail(`${scope}graph name must be non-empty, got ''`);
  const where = isMain ? 'graph' : `${scope}subgraph '${graphName}'`;
  const prefix = isMain ? '' : `${where}: `;
  const inputNames = checkSignature(graph.input ?? [], `${where} input`, isMain);
  checkSignature(graph.output ?? [], `${where} output`, isMain);
  const defined = new Map<string, string>();
  for (const name of inputNames) defined.set(name, `${where} input`);
  for (const [name, origin] of outer) if (!defined.has(name)) defined.set(name, origin);
  const initNames = new Set<string>();
  for (const init of graph.initializer ?? []) {
    const name = init.name ?? '';
    const label = `${prefix}initializer '${name}'`;
    if (name === '') fail(`${prefix}initializer names must be non-empty, got ''`);
    if (initNames.has(name)) fail(`${prefix}initializer names must be unique, got '${name}' twice`);
    if (ctx.irVersion <= 3 && !inputNames.has(name)) fail(`${label} must also be a graph input for ir_version <= 3, got none`);
    initNames.add(name);
    defined.set(name, 'initializer');
    checkTensor(init, label);
  }
  for (const sparse of graph.sparseInitializer ?? []) {
    const name = sparse.values?.name ?? '';
    if (name !== '') defined.set(name, 'sparse initializer');
  }
  const nodes = graph.node ?? [];
  const producer = producersAndNames(nodes, prefix);
  nodes.forEach((node, index) => {
    const label = prefix + nodeLabel(node, index);
    for (const input of node.input ?? []) {
      if (input === '' || defined.has(input)) continue;
      const later = producer.get(input);
      if (later !== undefined && later.index === index) {
        fail(`${label} input '${input}' must be produced before the node, got the node's own output`);
      }
      if (later !== undefined && later.index > index) {
        fail(`${label} input '${input}' must be produced before the node (nodes in topological order), got it produced later by ${later.label}`);
      }
      fail(`${label} input '${input}' must be a graph input, an initializer or an earlier node's output, got an undefined name`);
    }
    checkNode(node, label, ctx, defined);
    for (const output of node.output ?? []) {
      if (output === '') continue;
      const before = defined.get(output);
      if (before !== undefined) fail(`${label} output '${output}' must be a new name (single static assignment), got a name already defined by ${before}`);
      defined.set(output, label);
    }
  });
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (!defined.has(name)) fail(`${where} output '${name}' must be produced by a node, an initializer or a graph input, got nothing that defines it`);
  }
}

/** Checks a graph's inputs or outputs; returns their names. */
function checkSignature(values: readonly onnx.ValueInfoProto[], what: string, isMain: boolean): Set<string> {
  const names = new Set<string>();
  for (const info of values) {
    const name = info.name ?? '';
    if (name === '') fail(`${what} names must be non-empty, got ''`);
    if (names.has(name)) fail(`${what} names must be unique, got '${name}' twice`);
    names.add(name);
    if (!isMain) continue;
    const type = info.type;
    if (type === null || type === undefined) fail(`${what} '${name}' must have a type, got none`);
    const tensor = type.tensorType ?? type.sparseTensorType;
    if (tensor !== null && tensor !== undefined) {
      if (!tensor.elemType) fail(`${what} '${name}' must have a tensor elem_type, got none`);
      if (tensor.shape === null || tensor.shape === undefined) fail(`${what} '${name}' must have a tensor shape, got none`);
    } else if (!type.sequenceType && !type.mapType && !type.optionalType) {
      fail(`${what} '${name}' must have a tensor, sequence, map or optional type, got an empty TypeProto`);
    }
  }
  return names;
}

/** Name -> first producing node (index and label); throws on duplicate node names. */
function producersAndNames(nodes: readonly onnx.NodeProto[], prefix: string): Map<string, { index: number; label: string }> {
  const producer = new Map<string, { index: number; label: string }>();
  const nodeNames = new Set<string>();
  nodes.forEach((node, index) => {
    const name = node.name ?? '';
    if (name !== '') {
      if (nodeNames.has(name)) fail(`${prefix}node names must be unique, got '${name}' twice`);
      nodeNames.add(name);
    }
    for (const output of node.output ?? []) {
      if (output !== '' && !producer.has(output)) producer.set(output, { index, label: nodeLabel(node, index) });
    }
  });
  return producer;
}

function nodeLabel(node: onnx.NodeProto, index: number): string {
  const name = node.name ?? '';
  return `${name === '' ? `node #${index}` : `node '${name}'`} (${node.opType || '?'})`;
}

function checkNode(node: onnx.NodeProto, label: string, ctx: CheckContext, defined: ReadonlyMap<string, string>): void {
  if (!node.opType) fail(`${label} op_type must be non-empty, got ''`);
  if ((node.input ?? []).length === 0 && (node.output ?? []).length === 0) {
    fail(`${label} must have at least one input or output, got none`);
  }
  const domain = node.domain ?? '';
  if (!ctx.opsets.has(domain)) {
    const declared = [...ctx.opsets.keys()].map((d) => `'${d}'`).join(', ');
    fail(`${label} domain '${domain}' must be declared in opset_import, got only ${declared}`);
  }
  const names = new Set<string>();
  for (const attr of node.attribute ?? []) {
    const name = attr.name ?? '';
    if (name === '') fail(`${label} attribute names must be non-empty, got ''`);
    if (names.has(name)) fail(`${label} attribute names must be unique, got '${name}' twice`);
    names.add(name);
    checkAttribute(attr, `${label} attribute '${name}'`, ctx, defined);
  }
}

function checkAttribute(attr: onnx.AttributeProto, label: string, ctx: CheckContext, defined: ReadonlyMap<string, string>): void {
  const type = attr.type ?? AT.UNDEFINED;
  if (ctx.irVersion >= 2 && type === AT.UNDEFINED) fail(`${label} type must be set, got UNDEFINED`);
  const used = ATTRIBUTE_FIELDS.filter(([field]) => hasValue(attr, field));
  if (used.length > 1) fail(`${label} must hold one value field, got ${used.map(([f]) => f).join(', ')}`);
  const usedType = used[0]?.[1];
  if (usedType !== undefined && type !== AT.UNDEFINED && usedType !== type) {
    fail(`${label} value field must match its type ${onnx.enumName(AT, type) ?? type}, got a ${onnx.enumName(AT, usedType)} value`);
  }
  if (usedType === undefined && type !== AT.UNDEFINED && !LIST_TYPES.has(type) && !hasField(attr, 'refAttrName')) {
    fail(`${label} must hold a value of its type ${onnx.enumName(AT, type) ?? type}, got none`);
  }
  if (attr.t) checkTensor(attr.t, `${label} tensor`);
  (attr.tensors ?? []).forEach((t, k) => checkTensor(t, `${label} tensor #${k}`));
  const subgraphs = attr.g ? [attr.g] : (attr.graphs ?? []);
  for (const g of subgraphs) checkGraph(g, ctx, defined, `${label} `);
}

/**
 * `checkModel`: the one walk over an ONNX model, under one of two policies.
 * - `written` (the default, for what dadm's writer and quantizer produce): the structural checks of
 *   onnx.checker.check_model (onnx/checker.cc), plus a few it leaves out (data size against dims, unique
 *   node names, graph outputs that nothing produces).
 * - `untrusted` (for what the runtime reads from a file): only what a reader must refuse before it
 *   allocates or plans: IR and opset versions outside what the runtime implements, a missing graph,
 *   graphs nested deeper than `maxDepth`, tensors whose data does not match their dims (plus the
 *   reader's own tensor rule: limits, external data), nodes of undeclared domains. Names, types and the
 *   order of nodes are the runtime's own business (it sorts the nodes itself and refuses cycles).
 * Operator schemas (input counts, attribute names per op) are not checked.
 */
import { FormatError } from '../errors.js';
import { checkTensor, hasValue } from './check-tensor.js';
import { IR_VERSION_RANGE, MAX_IR_VERSION, OPSET_RANGES } from './opsets.js';
import { hasField, onnx, toNumber } from './proto.js';

/** Where a checked tensor sits: an initializer, or the value of a node's attribute. */
export type TensorSite =
  | { readonly initializer: string; readonly label: string }
  | { readonly node: onnx.NodeProto; readonly attribute: onnx.AttributeProto; readonly label: string };

/** How {@link checkModel} judges a model: what its writer promises, or what a reader must refuse. */
export interface CheckPolicy {
  /** `written`: every rule of onnx.checker; `untrusted`: what a reader of a file must refuse (see above). */
  readonly trust: 'written' | 'untrusted';
  /** The message prefix and the FormatError source, e.g. `checkModel` or `onnx`. */
  readonly where: string;
  /** Deepest accepted nesting of graphs in node attributes (the main graph is depth 1). Default unlimited. */
  readonly maxDepth?: number;
  /**
   * Checks one tensor. Default: the toolkit's tensor-data check ({@link checkTensor}) under the walk's
   * label. A reader adds its limits and resolves external data here.
   */
  readonly tensor?: (tensor: onnx.TensorProto, site: TensorSite) => void;
}

/** The writer's policy: everything onnx.checker checks, messages `"checkModel: ..."`. */
export const WRITTEN_POLICY: CheckPolicy = { trust: 'written', where: 'checkModel' };

interface CheckContext {
  readonly irVersion: number;
  /** domain -> opset version ('ai.onnx' is stored as '', its other name) */
  readonly opsets: ReadonlyMap<string, number>;
  readonly strict: boolean;
  readonly maxDepth: number;
  readonly fail: (message: string) => never;
  readonly tensor: (tensor: onnx.TensorProto, site: TensorSite) => void;
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
 * Checks a model (built here or decoded) and throws on the first problem. Under the `written` policy:
 * ir_version set and <= MAX_IR_VERSION; opset_import non-empty, unique domains, positive versions; unique
 * metadata keys; graph name set; graph inputs/outputs named, typed (tensor elem_type and shape) and
 * unique; initializer names unique and each initializer's data consistent with its dims and type; node
 * op_type set, domain imported, unique node names (when set); every node input '' or defined earlier
 * (graph input, initializer, earlier node output) — distinguishing a wrong topological order from an
 * undefined name; single assignment of every output name; well-formed attributes (name, unique, type
 * matching the value field), recursively into subgraphs; every graph output produced by something.
 * Under the `untrusted` policy: see the file comment.
 * @returns the opset version per imported domain ('' for ai.onnx)
 * @throws FormatError `"<policy.where>: <what> must <constraint>, got <actual>"` naming the node/tensor;
 *   whatever the policy's tensor check throws (the runtime's LimitError)
 */
export function checkModel(model: onnx.ModelProto, policy: CheckPolicy = WRITTEN_POLICY): Map<string, number> {
  const where = policy.where;
  const fail = (message: string): never => {
    throw new FormatError(`${where}: ${message}`, where);
  };
  const strict = policy.trust === 'written';
  const irVersion = toNumber(model.irVersion, where);
  const opsets = strict ? writtenVersions(model, irVersion, fail) : untrustedVersions(model, irVersion, fail);
  if (model.graph === null || model.graph === undefined) fail(strict ? `graph must be set, got none` : `model must contain a graph, got none`);
  const tensor = policy.tensor ?? ((t: onnx.TensorProto, site: TensorSite) => checkTensor(t, site.label, fail));
  const ctx: CheckContext = { irVersion, opsets, strict, maxDepth: policy.maxDepth ?? Infinity, fail, tensor };
  checkGraph(model.graph!, ctx, { outer: new Map(), scope: '', depth: 1 });
  return opsets;
}

/** The writer's rules for ir_version, metadata keys and opset_import. */
function writtenVersions(model: onnx.ModelProto, irVersion: number, fail: (message: string) => never): Map<string, number> {
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
    if (opsets.has(canonicalDomain(domain))) fail(`opset_import domains must be unique, got '${domain}' twice`);
    if (version < 1) fail(`opset_import version of domain '${domain}' must be >= 1, got ${version}`);
    opsets.set(canonicalDomain(domain), version);
  }
  if (irVersion >= 3 && opsets.size === 0) fail(`opset_import must be non-empty for ir_version >= 3, got none`);
  if (irVersion < 3 && opsets.size > 0) fail(`opset_import must be empty for ir_version < 3, got ${opsets.size} entries`);
  if (irVersion < 3) opsets.set('', 1);
  return opsets;
}

/** A reader's rules: the IR and opset versions the runtime implements (IR_VERSION_RANGE, OPSET_RANGES). */
function untrustedVersions(model: onnx.ModelProto, irVersion: number, fail: (message: string) => never): Map<string, number> {
  const [lo, hi] = IR_VERSION_RANGE;
  if (irVersion < lo || irVersion > hi) fail(`ir_version must be in [${lo}, ${hi}], got ${irVersion}`);
  const opsets = new Map<string, number>();
  for (const op of model.opsetImport ?? []) {
    const domain = canonicalDomain(op.domain ?? '');
    const version = toNumber(op.version, 'onnx');
    const range = OPSET_RANGES[domain];
    if (range && (version < range[0] || version > range[1])) {
      fail(`opset version of domain "${domain || 'ai.onnx'}" must be in [${range.join(', ')}], got ${version}`);
    }
    opsets.set(domain, version);
  }
  return opsets;
}

/** 'ai.onnx' is the default domain's other name (onnx/checker.cc treats them alike). */
function canonicalDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/** Where a graph sits in the walk. */
interface GraphScope {
  /** Every value name visible from enclosing graphs -> what defines it (for messages). */
  readonly outer: ReadonlyMap<string, string>;
  /** '' for the main graph, else the path that prefixes messages about a subgraph. */
  readonly scope: string;
  /** 1 for the main graph. */
  readonly depth: number;
}

function checkGraph(graph: onnx.GraphProto, ctx: CheckContext, at: GraphScope): void {
  const { fail, strict } = ctx;
  if (at.depth > ctx.maxDepth) fail(`graph nesting depth must be at most ${ctx.maxDepth} (maxDepth), got ${at.depth}`);
  const isMain = at.scope === '';
  const graphName = graph.name ?? '';
  if (strict && graphName === '') fail(`${at.scope}graph name must be non-empty, got ''`);
  const where = isMain ? 'graph' : `${at.scope}subgraph '${graphName}'`;
  const prefix = isMain ? '' : `${where}: `;
  const inputNames = strict ? checkSignature(graph.input ?? [], { what: `${where} input`, typed: isMain }, fail) : new Set<string>();
  if (strict) checkSignature(graph.output ?? [], { what: `${where} output`, typed: isMain }, fail);
  const defined = new Map<string, string>();
  for (const name of inputNames) defined.set(name, `${where} input`);
  for (const [name, origin] of at.outer) if (!defined.has(name)) defined.set(name, origin);
  const initNames = new Set<string>();
  for (const init of graph.initializer ?? []) {
    const name = init.name ?? '';
    const label = `${prefix}initializer '${name}'`;
    if (strict) {
      if (name === '') fail(`${prefix}initializer names must be non-empty, got ''`);
      if (initNames.has(name)) fail(`${prefix}initializer names must be unique, got '${name}' twice`);
      if (ctx.irVersion <= 3 && !inputNames.has(name)) fail(`${label} must also be a graph input for ir_version <= 3, got none`);
    }
    initNames.add(name);
    defined.set(name, 'initializer');
    ctx.tensor(init, { initializer: name, label });
  }
  for (const sparse of graph.sparseInitializer ?? []) {
    const name = sparse.values?.name ?? '';
    if (name !== '') defined.set(name, 'sparse initializer');
  }
  const nodes = graph.node ?? [];
  const producer = strict ? producersAndNames(nodes, prefix, fail) : new Map<string, { index: number; label: string }>();
  nodes.forEach((node, index) => {
    const label = prefix + nodeLabel(node, index);
    if (strict) checkInputsDefined(node, { index, label, defined, producer }, fail);
    checkNode(node, { label, defined, depth: at.depth }, ctx);
    if (!strict) return;
    for (const output of node.output ?? []) {
      if (output === '') continue;
      const before = defined.get(output);
      if (before !== undefined) fail(`${label} output '${output}' must be a new name (single static assignment), got a name already defined by ${before}`);
      defined.set(output, label);
    }
  });
  if (!strict) return;
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (!defined.has(name)) fail(`${where} output '${name}' must be produced by a node, an initializer or a graph input, got nothing that defines it`);
  }
}

/** Every input of a node '' or defined before it, telling a wrong node order from an undefined name. */
function checkInputsDefined(
  node: onnx.NodeProto,
  at: { index: number; label: string; defined: ReadonlyMap<string, string>; producer: ReadonlyMap<string, { index: number; label: string }> },
  fail: (message: string) => never,
): void {
  for (const input of node.input ?? []) {
    if (input === '' || at.defined.has(input)) continue;
    const later = at.producer.get(input);
    if (later !== undefined && later.index === at.index) {
      fail(`${at.label} input '${input}' must be produced before the node, got the node's own output`);
    }
    if (later !== undefined && later.index > at.index) {
      fail(`${at.label} input '${input}' must be produced before the node (nodes in topological order), got it produced later by ${later.label}`);
    }
    fail(`${at.label} input '${input}' must be a graph input, an initializer or an earlier node's output, got an undefined name`);
  }
}

/** Checks a graph's inputs or outputs (`typed`: the main graph's, which must declare their types); returns their names. */
function checkSignature(values: readonly onnx.ValueInfoProto[], at: { what: string; typed: boolean }, fail: (message: string) => never): Set<string> {
  const { what } = at;
  const names = new Set<string>();
  for (const info of values) {
    const name = info.name ?? '';
    if (name === '') fail(`${what} names must be non-empty, got ''`);
    if (names.has(name)) fail(`${what} names must be unique, got '${name}' twice`);
    names.add(name);
    if (!at.typed) continue;
    const type = info.type;
    if (type === null || type === undefined) fail(`${what} '${name}' must have a type, got none`);
    const tensor = type!.tensorType ?? type!.sparseTensorType;
    if (tensor !== null && tensor !== undefined) {
      if (!tensor.elemType) fail(`${what} '${name}' must have a tensor elem_type, got none`);
      if (tensor.shape === null || tensor.shape === undefined) fail(`${what} '${name}' must have a tensor shape, got none`);
    } else if (!type!.sequenceType && !type!.mapType && !type!.optionalType) {
      fail(`${what} '${name}' must have a tensor, sequence, map or optional type, got an empty TypeProto`);
    }
  }
  return names;
}

/** Name -> first producing node (index and label); throws on duplicate node names. */
function producersAndNames(nodes: readonly onnx.NodeProto[], prefix: string, fail: (message: string) => never): Map<string, { index: number; label: string }> {
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

/** `at.defined` holds the names defined so far (visible in subgraphs); `at.depth` is the node's graph depth. */
function checkNode(node: onnx.NodeProto, at: { label: string; defined: ReadonlyMap<string, string>; depth: number }, ctx: CheckContext): void {
  const { fail, strict } = ctx;
  const { label } = at;
  if (strict && !node.opType) fail(`${label} op_type must be non-empty, got ''`);
  if (strict && (node.input ?? []).length === 0 && (node.output ?? []).length === 0) {
    fail(`${label} must have at least one input or output, got none`);
  }
  const domain = node.domain ?? '';
  if (!ctx.opsets.has(canonicalDomain(domain))) {
    const declared = [...ctx.opsets.keys()].map((d) => `'${d}'`).join(', ');
    fail(`${label} domain '${domain}' must be declared in opset_import, got only ${declared}`);
  }
  const names = new Set<string>();
  for (const attr of node.attribute ?? []) {
    const name = attr.name ?? '';
    if (strict && name === '') fail(`${label} attribute names must be non-empty, got ''`);
    if (strict && names.has(name)) fail(`${label} attribute names must be unique, got '${name}' twice`);
    names.add(name);
    const attrLabel = `${label} attribute '${name}'`;
    if (strict) checkAttributeValue(attr, attrLabel, ctx);
    if (attr.t) ctx.tensor(attr.t, { node, attribute: attr, label: `${attrLabel} tensor` });
    (attr.tensors ?? []).forEach((t, k) => ctx.tensor(t, { node, attribute: attr, label: `${attrLabel} tensor #${k}` }));
    const subgraphs = attr.g ? [attr.g, ...(attr.graphs ?? [])] : (attr.graphs ?? []);
    for (const g of subgraphs) checkGraph(g, ctx, { outer: at.defined, scope: `${attrLabel} `, depth: at.depth + 1 });
  }
}

/** An attribute's type set and matching its one value field. */
function checkAttributeValue(attr: onnx.AttributeProto, label: string, ctx: CheckContext): void {
  const { fail } = ctx;
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
}

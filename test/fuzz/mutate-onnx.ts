/**
 * Structural mutations of ONNX models: the seed is decoded with onnx-proto, one to three of the fields
 * that size the runtime's work are rewritten — initializer dims, node attributes (ints, floats,
 * n_targets and the tree arrays), graph input widths, outputs, shape-making nodes (ConstantOfShape,
 * Expand, Tile, Reshape) fed interesting shapes, external-data locations (a folder, a FIFO, a 1.5 GB
 * file, escapes), versions, op types and wiring — and the model is encoded again.
 */
import onnxProto from 'onnx-proto';
import { SUPPORTED_OPS } from '../../src/runtime/index.js';
import { mutateBytes, type Rng } from './mutate-bytes.js';

const { onnx } = onnxProto;
type Model = onnxProto.onnx.ModelProto;
type Graph = onnxProto.onnx.IGraphProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Attribute = onnxProto.onnx.IAttributeProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

/** Entries of the fuzz sandbox folder that external data may name (see `makeSandbox`). */
export const EXTERNAL_LOCATIONS = ['data.bin', 'folder', 'pipe', 'big.bin', 'escape', '../outside.bin', '/etc/hostname', 'missing.bin', ''];
const SHAPE_OPS = ['ConstantOfShape', 'Expand', 'Tile', 'Reshape', 'Range', 'Resize'];
const ATTRIBUTES = ['n_targets', 'axis', 'axes', 'perm', 'to', 'allowzero', 'keepdims', 'transA', 'transB', 'alpha', 'beta', 'epsilon', 'start', 'end', 'value', 'nodes_treeids', 'target_ids', 'base_values', 'aggregate_function', 'post_transform'];

function int64Tensor(name: string, values: number[]): Tensor {
  return { name, dims: [values.length], dataType: DT.INT64, int64Data: values };
}

function tensorBytes(t: Tensor): number {
  const size = (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
  return size * (t.dataType === DT.DOUBLE || t.dataType === DT.INT64 ? 8 : t.dataType === DT.FLOAT || t.dataType === DT.INT32 ? 4 : 1);
}

function mutateInitializer(rng: Rng, g: Graph): void {
  const t = rng.pick(g.initializer ?? []);
  if (t === undefined) return;
  const dims = (t.dims ?? []).map(Number);
  if (rng.chance(0.3) || dims.length === 0) dims.push(rng.chance(0.5) ? 1 : Math.abs(rng.interesting()));
  else dims[rng.below(dims.length)] = rng.chance(0.7) ? Math.abs(rng.interesting()) : rng.interesting();
  t.dims = dims;
  const bytes = tensorBytes(t);
  // Small enough: make the data fit, so the new dims reach the planner instead of the size check.
  if (bytes >= 0 && bytes <= 1 << 22 && rng.chance(0.7)) {
    t.rawData = new Uint8Array(bytes);
    t.floatData = [];
    t.int64Data = [];
    t.int32Data = [];
    t.doubleData = [];
  }
}

function hostileAttribute(rng: Rng, name: string): Attribute {
  switch (rng.below(5)) {
    case 0: return { name, type: AT.INT, i: rng.interesting() };
    case 1: return { name, type: AT.INTS, ints: Array.from({ length: rng.below(6) }, () => rng.interesting()) };
    case 2: return { name, type: AT.FLOAT, f: rng.pick([NaN, Infinity, -1, 0, 1e38, 2 ** 31]) };
    case 3: return { name, type: AT.STRING, s: new TextEncoder().encode(rng.pick(['SUM', 'MAX', 'NONE', 'SOFTMAX', 'LEAF', 'BRANCH_LEQ', ''])) };
    default: return { name, type: AT.TENSOR, t: int64Tensor('', Array.from({ length: rng.below(4) }, () => rng.interesting())) };
  }
}

function mutateAttribute(rng: Rng, g: Graph): void {
  const node = rng.pick(g.node ?? []);
  if (node === undefined) return;
  const attrs = (node.attribute ??= []);
  const existing = attrs.length > 0 && rng.chance(0.7) ? rng.pick(attrs) : undefined;
  if (existing === undefined) {
    attrs.push(hostileAttribute(rng, rng.pick(ATTRIBUTES)));
    return;
  }
  if (existing.ints && existing.ints.length > 0) {
    const ints = existing.ints.map(Number);
    if (rng.chance(0.4)) ints.length = rng.below(ints.length + 1);
    else ints[rng.below(ints.length)] = rng.interesting();
    existing.ints = ints;
  } else if (existing.floats && existing.floats.length > 0) {
    existing.floats = rng.chance(0.5) ? existing.floats.slice(0, rng.below(existing.floats.length + 1)) : existing.floats.map((f) => (rng.chance(0.1) ? NaN : f));
  } else {
    Object.assign(existing, hostileAttribute(rng, existing.name ?? ''));
  }
}

function mutateInputWidth(rng: Rng, g: Graph): void {
  const input = rng.pick(g.input ?? []);
  const dims = input?.type?.tensorType?.shape?.dim;
  if (!dims || dims.length === 0) return;
  const d = dims[rng.below(dims.length)]!;
  if (rng.chance(0.2)) {
    d.dimValue = undefined;
    d.dimParam = 'n';
  } else {
    d.dimParam = undefined;
    d.dimValue = rng.chance(0.5) ? 2 ** 31 : rng.interesting();
  }
}

function addShapeNode(rng: Rng, g: Graph): void {
  const op = rng.pick(SHAPE_OPS);
  const k = (g.node ?? []).length;
  const shape = Array.from({ length: 1 + rng.below(3) }, () => (rng.chance(0.6) ? Math.abs(rng.interesting()) : rng.below(4)));
  const source = rng.pick([...(g.input ?? []).map((i) => i.name ?? ''), ...(g.node ?? []).flatMap((n) => n.output ?? [])]) ?? '';
  g.initializer = [...(g.initializer ?? []), int64Tensor(`fuzz_shape_${k}`, shape)];
  const inputs = op === 'ConstantOfShape' ? [`fuzz_shape_${k}`] : [source, `fuzz_shape_${k}`];
  g.node = [...(g.node ?? []), { opType: op, input: inputs, output: [`fuzz_out_${k}`], name: `fuzz_${op}_${k}` }];
  g.output = [...(g.output ?? []), { name: `fuzz_out_${k}` }];
}

function mutateOutputs(rng: Rng, g: Graph): void {
  const outputs = g.output ?? [];
  const action = rng.below(3);
  if (action === 0) g.output = [];
  else if (action === 1) g.output = outputs.slice(0, rng.below(outputs.length + 1));
  else g.output = [...outputs, { name: rng.pick(['', 'nope', outputs[0]?.name ?? 'x']) }];
}

function makeExternal(rng: Rng, g: Graph): void {
  const t = rng.pick(g.initializer ?? []);
  if (t === undefined) return;
  t.dataLocation = 1;
  t.rawData = new Uint8Array(0);
  const entries = [{ key: 'location', value: rng.pick(EXTERNAL_LOCATIONS) }];
  if (rng.chance(0.4)) entries.push({ key: 'offset', value: String(rng.chance(0.5) ? rng.below(64) : rng.interesting()) });
  if (rng.chance(0.4)) entries.push({ key: 'length', value: String(rng.chance(0.5) ? tensorBytes(t) : rng.interesting()) });
  t.externalData = entries;
}

function rewire(rng: Rng, g: Graph): void {
  const node = rng.pick(g.node ?? []);
  if (node === undefined) return;
  const action = rng.below(4);
  if (action === 0) node.opType = rng.pick([...SUPPORTED_OPS.filter((o) => !o.includes(':')), 'Loop', 'If', 'Scan']);
  else if (action === 1) node.domain = rng.pick(['', 'ai.onnx.ml', 'com.microsoft']);
  else if (action === 2 && (node.input ?? []).length > 0) node.input![rng.below(node.input!.length)] = rng.pick(['', ...(g.node ?? []).flatMap((n) => n.output ?? []), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  else node.input = [...(node.input ?? []), ''].slice(0, rng.below(5));
}

/** One to three structural mutations of a decoded copy of `seed`, then sometimes byte edits. */
export function mutateOnnx(rng: Rng, seed: Uint8Array): Uint8Array {
  if (rng.chance(0.1)) return mutateBytes(rng, seed);
  const model: Model = onnx.ModelProto.decode(seed);
  const g = model.graph!;
  for (let e = 1 + rng.below(3); e > 0; e--) {
    switch (rng.below(9)) {
      case 0: mutateInitializer(rng, g); break;
      case 1:
      case 2: mutateAttribute(rng, g); break;
      case 3: mutateInputWidth(rng, g); break;
      case 4: addShapeNode(rng, g); break;
      case 5: mutateOutputs(rng, g); break;
      case 6: makeExternal(rng, g); break;
      case 7: rewire(rng, g); break;
      default:
        if (rng.chance(0.5)) model.irVersion = rng.interesting();
        else model.opsetImport[rng.below(model.opsetImport.length)]!.version = rng.chance(0.5) ? rng.below(25) : rng.interesting();
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = onnx.ModelProto.encode(model).finish();
  } catch {
    return mutateBytes(rng, seed); // a value protobufjs cannot encode (e.g. an int64 beyond 2^63)
  }
  return rng.chance(0.1) ? mutateBytes(rng, bytes, [], 2) : bytes;
}

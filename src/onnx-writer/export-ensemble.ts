/**
 * `exportEnsemble`: several scoring graphs of the same input as one ONNX model. Each member's nodes
 * are copied in under its name as a prefix (GraphBuilder.addSubgraph); the member scores are
 * calibrated by an affine map and summed:
 * `score = sum_k factor_k (score_k - center_k)` (an ensemble's mean of robust z-scores has
 * `factor_k = 1 / (members x scale_k)`). Layout in docs/ensemble.md, "ONNX".
 */
import { InvalidOptionError, ShapeError } from '../errors.js';
import { GraphBuilder, checkModel, makeModel, toNumber, type Dim, type onnx } from '../onnx/index.js';
import { type ExportOptions, resolveExportOptions } from './export-options.js';

/** One member: its own scoring graph (`input [batch, D] -> score [batch]`) and its affine calibration. */
export interface EnsembleMemberExport {
  /** Prefix of the member's node and value names; its raw score is the output `<name>.score`. */
  name: string;
  model: onnx.ModelProto;
  center: number;
  factor: number;
}

/** Options of {@link exportEnsemble}: opset (of the calibration nodes), dynamicBatch, irVersion. */
export type EnsembleExportOptions = ExportOptions;

/**
 * Composes the member graphs (checked with checkModel). Graph, for input x [N, D]: every member's
 * nodes up to its `score` [N]; Unsqueeze each to [N, 1]; Concat (axis 1) -> [N, M]; Sub `centers`
 * [M]; Mul `factors` [M]; ReduceSum (axis 1, keepdims 0) -> `score` [N]. Outputs: `score`, then each
 * member's raw `<name>.score`. The model imports every opset its members import.
 * @throws ShapeError when the members' inputs differ in width or are not one `input [batch, D]`
 * @throws InvalidOptionError for fewer than 2 members, repeated names, a non-finite calibration,
 *   members importing different versions of one opset domain, or a bad option or metadata value
 */
export function exportEnsemble(members: readonly EnsembleMemberExport[], options: EnsembleExportOptions & { metadata?: Readonly<Record<string, string>> } = {}): onnx.ModelProto {
  const where = 'exportEnsemble';
  const { opset, irVersion, batch } = resolveExportOptions(options, where);
  if (members.length < 2 || new Set(members.map((m) => m.name)).size !== members.length) {
    throw new InvalidOptionError(`${where}: members must be at least 2 with distinct names, got ${JSON.stringify(members.map((m) => m.name))}`, 'members');
  }
  for (const m of members) {
    if (!Number.isFinite(m.center) || !Number.isFinite(m.factor)) {
      throw new InvalidOptionError(`${where}: member ${m.name} center and factor must be finite, got ${m.center} and ${m.factor}`, 'members');
    }
  }
  const width = inputWidth(members, where);
  const b = new GraphBuilder('dadm_ensemble', `ensemble of ${members.map((m) => m.name).join(', ')}; score = sum of factor x (member score - center)`);
  const x = b.input('input', 'float32', [batch, width]);
  const axis = b.addInitializer({ name: 'calibration.axis', dataType: 'int64', dims: [1], values: [1] });
  const columns = members.map((m) => {
    const [score] = b.addSubgraph(m.model.graph!, { prefix: m.name, inputs: { input: x }, outputs: ['score'] });
    return b.addNode('Unsqueeze', [score!, axis], { name: `calibration.Unsqueeze_${m.name}`, outputs: [`calibration.${m.name}`] })[0]!;
  });
  const [stacked] = b.addNode('Concat', columns, { name: 'calibration.Concat', outputs: ['calibration.scores'], attributes: { axis: 1 } });
  const centers = b.addInitializer({ name: 'calibration.centers', dataType: 'float32', dims: [members.length], values: members.map((m) => m.center) });
  const factors = b.addInitializer({ name: 'calibration.factors', dataType: 'float32', dims: [members.length], values: members.map((m) => m.factor) });
  const [centred] = b.addNode('Sub', [stacked!, centers], { name: 'calibration.Sub', outputs: ['calibration.centred'] });
  const [weighted] = b.addNode('Mul', [centred!, factors], { name: 'calibration.Mul', outputs: ['calibration.weighted'] });
  b.addNode('ReduceSum', [weighted!, axis], { name: 'combination.ReduceSum', outputs: ['score'], attributes: { keepdims: 0 } });
  b.output('score', 'float32', [batch]);
  for (const m of members) b.output(`${m.name}.score`, 'float32', [batch]);
  const model = makeModel(b.build(), { irVersion, opsets: memberOpsets(members, opset, where), ...(options.metadata !== undefined ? { metadataProps: options.metadata } : {}) });
  checkModel(model);
  return model;
}

/** The one input width every member reads. */
function inputWidth(members: readonly EnsembleMemberExport[], where: string): number {
  const widths = members.map((m) => {
    const inputs = (m.model.graph?.input ?? []).filter((i) => !(m.model.graph?.initializer ?? []).some((t) => t.name === i.name));
    const dims: Dim[] = (inputs[0]?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)));
    if (inputs.length !== 1 || inputs[0]!.name !== 'input' || dims.length !== 2) throw new ShapeError(`${where}: member ${m.name} must take one input 'input' [batch, D], got ${inputs.map((i) => i.name).join(', ')}`, where);
    return dims[1] as number;
  });
  if (widths.some((w) => w !== widths[0])) throw new ShapeError(`${where}: members must read the same width, got ${widths.join(', ')}`, where);
  return widths[0]!;
}

/** The default-domain opset plus every other domain the members import, once each. */
function memberOpsets(members: readonly EnsembleMemberExport[], opset: number, where: string): { domain: string; version: number }[] {
  const versions = new Map<string, number>([['', opset]]);
  for (const m of members) {
    for (const o of m.model.opsetImport ?? []) {
      const domain = o.domain ?? '';
      const version = toNumber(o.version);
      const had = versions.get(domain);
      if (had !== undefined && had !== version) {
        throw new InvalidOptionError(`${where}: members must import one version of opset '${domain || 'ai.onnx'}', got ${had} and ${version} (member ${m.name})`, 'members');
      }
      versions.set(domain, version);
    }
  }
  return [...versions].map(([domain, version]) => ({ domain, version }));
}

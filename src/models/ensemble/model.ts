/**
 * The ensemble kind's fitted model: its members (each a fitted model of its own kind), each member's
 * robust z-score calibration and its weight in the sum that combines them. Checkpoint: every member's tensors and
 * metadata keys under its name as a prefix (`autoencoder.encoder.0.weight`, `iforest.trees.threshold`,
 * `ecod.tables.values`, `ecod.ecod`, ...) plus the `ensemble` key (members, calibrations, rule).
 */
import { ENSEMBLE_COMBINATIONS, ENSEMBLE_MEMBER_NAMES, type EnsembleCombination, type EnsembleMemberName } from '../../config/index.js';
import { FormatError } from '../../errors.js';
import type { onnx } from '../../onnx/index.js';
import { exportEnsemble } from '../../onnx-writer/index.js';
import type { RobustZCalibration } from '../../stats/index.js';
import { parseJson } from '../checkpoint.js';
import type { ExplainHooks, FittedModel, InputShape, ModelKindHandler, ModelState, OnnxExportContext, ScoreKernel, StoredModel } from '../kind.js';

/** One member of an ensemble: its fitted model, the calibration of its raw scores and its weight. */
export interface EnsembleMember {
  readonly name: EnsembleMemberName;
  readonly model: FittedModel;
  readonly calibration: RobustZCalibration;
  /** Its share of the combined score; the members' weights sum to 1. */
  readonly weight: number;
}

/** What the `ensemble` metadata key records. */
export interface EnsembleRecord {
  format: 'dadm.ensemble';
  version: 1;
  /** How the weights were chosen (`ensemble.combination`): equal, or by spread ratio (stats' spreadWeights). */
  combination: EnsembleCombination;
  /** In member order: each member's robust z calibration `(s - center) / scale` and its weight. */
  members: { name: EnsembleMemberName; calibration: RobustZCalibration; weight: number }[];
  /** Which rows the calibrations and weights were fitted on ('all': training and validation rows), and how many. */
  calibratedOn: { rows: 'all' | 'validation' | 'training'; count: number };
}

/**
 * A trained ensemble. Score (higher = more anomalous): the weighted sum over members of
 * `weight x (raw member score - center) / scale`, computed in float64 and rounded to float32.
 */
export class EnsembleModel implements FittedModel {
  readonly kind = 'ensemble' as const;
  readonly input: InputShape;
  readonly score: ScoreKernel;
  readonly explain: ExplainHooks;

  constructor(
    readonly members: readonly EnsembleMember[],
    readonly calibratedOn: EnsembleRecord['calibratedOn'],
    readonly combination: EnsembleCombination,
  ) {
    this.input = members[0]!.model.input;
    const m = members.length;
    let raw = members.map(() => new Float32Array(0));
    this.score = (x, n, out) => {
      if (raw[0]!.length < n) raw = members.map(() => new Float32Array(n));
      members.forEach((member, k) => member.model.score(x, n, raw[k]!));
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let k = 0; k < m; k++) {
          const { calibration, weight } = members[k]!;
          sum += (weight * (raw[k]![i]! - calibration.center)) / calibration.scale;
        }
        out[i] = sum;
      }
    };
    // Affine calibrations and a weighted sum make the score linear in the members' scores, so its Shapley
    // values are the same combination of theirs (docs/ensemble.md, "Explanations").
    this.explain = {
      shapModel: {
        kind: 'weighted-sum',
        terms: members.map((member) => ({ model: member.model.explain.shapModel, weight: member.weight / member.calibration.scale })),
        offset: -members.reduce((s, member) => s + (member.weight * member.calibration.center) / member.calibration.scale, 0),
      },
      reconstruct: null,
    };
  }

  /** The raw score of each member (before calibration) of the first `n` items of `x`: `[members][n]`. */
  memberScores(x: Float32Array, n: number): Float32Array[] {
    return this.members.map((member) => {
      const out = new Float32Array(n);
      member.model.score(x, n, out);
      return out;
    });
  }

  /** Every member's tensors and metadata keys under `<member>.`, and the `ensemble` / `score` keys. */
  state(): ModelState {
    const tensors: ModelState['tensors'] = new Map();
    const metadata: Record<string, string> = {};
    for (const { name, model } of this.members) {
      const s = model.state();
      for (const [key, t] of s.tensors) tensors.set(`${name}.${key}`, t);
      for (const [key, v] of Object.entries(s.metadata)) metadata[`${name}.${key}`] = v;
    }
    const record: EnsembleRecord = {
      format: 'dadm.ensemble',
      version: 1,
      combination: this.combination,
      members: this.members.map(({ name, calibration, weight }) => ({ name, calibration, weight })),
      calibratedOn: this.calibratedOn,
    };
    metadata.ensemble = JSON.stringify(record);
    metadata.score = `weighted sum over ${this.members.map((x) => `${x.name} (${x.weight.toFixed(3)})`).join(', ')} of the robust z-score (s - median) / (1.4826 MAD) of each member's score, higher = more anomalous`;
    return { tensors, metadata };
  }

  /** One graph: every member's scoring graph, then the calibration and the weighted sum (exportEnsemble). */
  exportOnnx(ctx: OnnxExportContext): onnx.ModelProto {
    return exportEnsemble(
      this.members.map(({ name, model, calibration, weight }) => ({
        name,
        model: model.exportOnnx(ctx),
        center: calibration.center,
        factor: weight / calibration.scale,
      })),
      { opset: ctx.opset, dynamicBatch: ctx.dynamicBatch, metadata: ctx.metadata },
    );
  }

  /** Every member's counts under its name, e.g. `{ 'autoencoder Linear': 4, 'iforest trees': 100, ... }`. */
  describe(): Record<string, number> {
    const out: Record<string, number> = { members: this.members.length };
    for (const { name, model } of this.members) for (const [key, v] of Object.entries(model.describe())) out[`${name} ${key}`] = v;
    return out;
  }
}

/**
 * Rebuilds an ensemble: each member through its own kind's `load` on its prefixed part.
 * @param kinds the member kinds' handlers by name (the registry's)
 * @throws FormatError naming the file (and member) for a missing or invalid `ensemble` record or member
 */
export function loadEnsemble(stored: StoredModel, kinds: Readonly<Record<EnsembleMemberName, ModelKindHandler>>): EnsembleModel {
  const { path } = stored;
  const text = stored.metadata.ensemble;
  if (text === undefined) throw new FormatError(`${path}: metadata key 'ensemble' must be present, got nothing (corrupted checkpoint)`, path);
  const record = parseJson(path, 'ensemble', text) as EnsembleRecord;
  const list = record?.members;
  if (record?.format !== 'dadm.ensemble' || record.version !== 1 || !Array.isArray(list) || list.length < 2 || !(ENSEMBLE_COMBINATIONS as readonly unknown[]).includes(record.combination)) {
    throw new FormatError(`${path}: metadata ensemble must be a dadm.ensemble version 1 record with a combination among ${ENSEMBLE_COMBINATIONS.join(', ')} and at least 2 members, got '${text.slice(0, 80)}'`, path);
  }
  const members = list.map(({ name, calibration: c, weight }) => {
    if (!(ENSEMBLE_MEMBER_NAMES as readonly unknown[]).includes(name) || c?.method !== 'robust-z' || !Number.isFinite(c.center) || !(c.scale > 0 && Number.isFinite(c.scale)) || !(weight >= 0 && weight <= 1)) {
      throw new FormatError(`${path}: ensemble member must name a member kind with a robust-z calibration (finite center, scale > 0) and a weight in [0, 1], got ${JSON.stringify({ name, calibration: c, weight })}`, path);
    }
    return { name, model: kinds[name].load(memberPart(stored, name)), calibration: c, weight };
  });
  const total = members.reduce((s, m) => s + m.weight, 0);
  if (Math.abs(total - 1) > 1e-9) throw new FormatError(`${path}: ensemble member weights must sum to 1, got ${total}`, path);
  const widths = new Set(members.map((m) => m.model.input.width));
  if (widths.size !== 1) throw new FormatError(`${path}: ensemble members must read one row width, got ${[...widths].join(', ')}`, path);
  return new EnsembleModel(members, record.calibratedOn, record.combination);
}

/** A member's part of the checkpoint: its tensors and metadata keys with the `<name>.` prefix removed. */
function memberPart(stored: StoredModel, name: string): StoredModel {
  const prefix = `${name}.`;
  const strip = <V>(entries: Iterable<[string, V]>): [string, V][] => [...entries].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]);
  return {
    path: `${stored.path} (ensemble member ${name})`,
    config: stored.config,
    schema: stored.schema,
    tensors: new Map(strip(stored.tensors)),
    metadata: Object.fromEntries(strip(Object.entries(stored.metadata))),
  };
}

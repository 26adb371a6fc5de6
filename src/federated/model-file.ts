/**
 * Global model files and flat parameter vectors. A global model is a safetensors file of F32
 * tensors under PyTorch state-dict names, with metadata naming the format, the model kind, its
 * architecture and the model version (committed aggregations so far). Updates and aggregates travel
 * as one flat Float32Array whose layout is the tensors sorted by name (the order safetensors writes
 * them), so server and client agree on it without sharing model code.
 */
import { FormatError } from '../errors.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensorLike } from '../io/index.js';
import type { StateDict } from '../nn/index.js';
import { Tensor } from '../tensor/index.js';
import { describe } from './bytes.js';

export const MODEL_FORMAT = 'dadm-federated-model';
export const MODEL_FORMAT_VERSION = '1';

/** One tensor's place in the flat vector. */
export interface TensorSlot {
  name: string;
  shape: readonly number[];
  offset: number;
  size: number;
}

/** The flat layout of a model: tensors sorted by name. */
export interface ModelLayout {
  tensors: readonly TensorSlot[];
  /** Total number of parameters. */
  size: number;
}

/** A decoded global model. */
export interface GlobalModel {
  state: StateDict;
  /** Committed aggregations that produced it (0 = the initial model). */
  version: number;
  /** Model kind, e.g. 'autoencoder'. */
  kind: string;
  /** The kind's own metadata (architecture …), string values. */
  metadata: Record<string, string>;
}

/**
 * The layout of a state dict; `skip` names a tensor left out (a fitted statistic, which updates do
 * not carry).
 */
export function layoutOf(state: ReadonlyMap<string, { shape: readonly number[] }>, skip: string | null = null): ModelLayout {
  const names = [...state.keys()].filter((n) => n !== skip).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let offset = 0;
  const tensors = names.map((name) => {
    const shape = [...state.get(name)!.shape];
    const size = shape.reduce((p, d) => p * d, 1);
    const slot = { name, shape, offset, size };
    offset += size;
    return slot;
  });
  return { tensors, size: offset };
}

/** The state dict as one flat vector in layout order. */
export function flatten(state: ReadonlyMap<string, Tensor>, layout: ModelLayout): Float32Array {
  const out = new Float32Array(layout.size);
  for (const t of layout.tensors) out.set(state.get(t.name)!.data, t.offset);
  return out;
}

/** A state dict from a flat vector (copies). */
export function unflatten(flat: Float32Array, layout: ModelLayout): StateDict {
  const state: StateDict = new Map();
  for (const t of layout.tensors) state.set(t.name, new Tensor(flat.slice(t.offset, t.offset + t.size), t.shape));
  return state;
}

/** Safetensors bytes of a global model. */
export function encodeModel(model: GlobalModel): Uint8Array {
  const tensors = new Map<string, SafetensorsTensorLike>();
  for (const [name, t] of model.state) tensors.set(name, { data: t.data, shape: t.shape });
  return writeSafetensors(tensors, {
    ...model.metadata,
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    model_kind: model.kind,
    model_version: String(model.version),
  });
}

/**
 * Decodes a global model file, optionally checking it against a layout.
 * @throws FormatError naming `source` for a foreign file, non-F32 or non-finite tensors, or a layout mismatch
 */
export function decodeModel(bytes: Uint8Array, source: string, layout?: ModelLayout): GlobalModel {
  const contents = readSafetensors(bytes, source);
  const { format, format_version: fv, model_kind: kind, model_version: mv, ...metadata } = contents.metadata;
  if (format !== MODEL_FORMAT || fv !== MODEL_FORMAT_VERSION) {
    throw new FormatError(`${source}: metadata format must be '${MODEL_FORMAT}' version ${MODEL_FORMAT_VERSION}, got ${describe(format)} version ${describe(fv)}`, source);
  }
  const version = Number(mv);
  if (kind === undefined || kind === '' || !Number.isSafeInteger(version) || version < 0 || String(version) !== mv) {
    throw new FormatError(`${source}: metadata model_kind and model_version must be a name and a non-negative integer, got ${describe(kind)} and ${describe(mv)}`, source);
  }
  const state: StateDict = new Map();
  for (const [name, t] of contents.tensors) {
    if (t.dtype !== 'F32') throw new FormatError(`${source}: tensor ${name} must be F32, got ${t.dtype}`, source);
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new FormatError(`${source}: tensor ${name} must hold finite values, got ${data[i]} at index ${i}`, source);
    }
    state.set(name, new Tensor(data, t.shape));
  }
  if (layout !== undefined) checkLayout(state, layout, source);
  return { state, version, kind, metadata };
}

/** @throws FormatError when `state` does not have exactly the layout's names and shapes */
export function checkLayout(state: ReadonlyMap<string, { shape: readonly number[] }>, layout: ModelLayout, source: string): void {
  const got = layoutOf(state);
  const same = got.tensors.length === layout.tensors.length && got.tensors.every((t, i) => t.name === layout.tensors[i]!.name && t.shape.join(',') === layout.tensors[i]!.shape.join(','));
  if (!same) {
    const fmt = (l: ModelLayout): string => l.tensors.map((t) => `${t.name}[${t.shape.join(',')}]`).join(' ');
    throw new FormatError(`${source}: tensors must be ${fmt(layout)}, got ${fmt(got)}`, source);
  }
}

/**
 * The model file one aggregation step later: `global + delta` in float32 over the layout's tensors
 * (a tensor outside the layout is kept as it is), as version `version`.
 */
export function applyDelta(globalBytes: Uint8Array, layout: ModelLayout, delta: Float64Array, version: number): Uint8Array {
  const global = decodeModel(globalBytes, 'global model');
  const flat = flatten(global.state, layout);
  for (let j = 0; j < flat.length; j++) flat[j] = flat[j]! + delta[j]!;
  return encodeModel({ state: new Map([...global.state, ...unflatten(flat, layout)]), version, kind: global.kind, metadata: global.metadata });
}

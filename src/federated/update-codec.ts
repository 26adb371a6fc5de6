/**
 * The plain-mode update payload (inside an envelope) and the server's checks on it. An update is a
 * safetensors file of F32 tensors under the model's state-dict names holding `new - global`, with
 * metadata `samples` (local rows trained on) and `loss` (mean training loss of the last epoch).
 * Every check failure is a {@link Rejection}: the server logs it and answers 4xx, and the round goes on.
 */
import { FormatError } from '../errors.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensorLike } from '../io/index.js';
import type { ModelLayout } from './model-file.js';

/** Why an upload was refused (the keys of a round record's `rejected` counts). */
export type RejectReason =
  | 'malformed'
  | 'unknown-client'
  | 'bad-signature'
  | 'stale-round'
  | 'future-round'
  | 'wrong-model'
  | 'replay'
  | 'reused-nonce'
  | 'tampered'
  | 'wrong-phase'
  | 'not-selected'
  | 'wrong-tensors'
  | 'non-finite'
  | 'norm'
  | 'samples';

/** An upload the server refuses: HTTP status, reason code and a one-line message. */
export class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

/** A checked update. */
export interface CheckedUpdate {
  values: Float32Array;
  samples: number;
  loss: number | null;
  norm: number;
}

/** Relative slack on the norm bound: the client clips in float32, the server measures in float64. */
export const NORM_SLACK = 1e-5;

/** The update payload bytes. */
export function encodeUpdate(values: Float32Array, layout: ModelLayout, samples: number, loss: number): Uint8Array {
  const tensors = new Map<string, SafetensorsTensorLike>();
  for (const t of layout.tensors) tensors.set(t.name, { data: values.subarray(t.offset, t.offset + t.size), shape: t.shape });
  return writeSafetensors(tensors, { samples: String(samples), loss: String(loss) });
}

/** L2 norm of a vector, accumulated in float64. */
export function l2Norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

/**
 * Decodes and checks an update against the model layout and the norm bound.
 * @throws Rejection 'malformed' (not safetensors, bad metadata), 'wrong-tensors' (names, shapes,
 *   dtype), 'non-finite', 'norm' (over `clipNorm`), 'samples' (not an integer >= 1)
 */
export function decodeUpdate(bytes: Uint8Array, layout: ModelLayout, clipNorm: number): CheckedUpdate {
  let contents;
  try {
    contents = readSafetensors(bytes, 'update');
  } catch (err) {
    if (err instanceof FormatError) throw new Rejection(400, 'malformed', err.message);
    throw err;
  }
  const samples = Number(contents.metadata.samples);
  if (!Number.isSafeInteger(samples) || samples < 1 || String(samples) !== contents.metadata.samples) {
    throw new Rejection(422, 'samples', `update: samples must be an integer >= 1, got ${JSON.stringify(contents.metadata.samples ?? null)}`);
  }
  const loss = contents.metadata.loss === undefined ? null : Number(contents.metadata.loss);
  const names = [...contents.tensors.keys()].sort();
  if (names.length !== layout.tensors.length || names.some((n, i) => n !== layout.tensors[i]!.name)) {
    throw new Rejection(422, 'wrong-tensors', `update: tensor names must be [${layout.tensors.map((t) => t.name).join(', ')}], got [${names.join(', ')}]`);
  }
  const values = new Float32Array(layout.size);
  for (const slot of layout.tensors) {
    const t = contents.tensors.get(slot.name)!;
    if (t.dtype !== 'F32') throw new Rejection(422, 'wrong-tensors', `update: tensor ${slot.name} must be F32, got ${t.dtype}`);
    if (t.shape.join(',') !== slot.shape.join(',')) {
      throw new Rejection(422, 'wrong-tensors', `update: tensor ${slot.name} must have shape [${slot.shape.join(',')}], got [${t.shape.join(',')}]`);
    }
    values.set(t.data as Float32Array, slot.offset);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Rejection(422, 'non-finite', `update: values must be finite, got ${values[i]} at index ${i}`);
  }
  const norm = l2Norm(values);
  if (norm > clipNorm * (1 + NORM_SLACK)) throw new Rejection(422, 'norm', `update: L2 norm must be at most clip_norm = ${clipNorm}, got ${norm.toPrecision(6)}`);
  return { values, samples, loss: loss !== null && Number.isFinite(loss) ? loss : null, norm };
}

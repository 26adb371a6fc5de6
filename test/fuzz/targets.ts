/**
 * The fuzz targets: per parser or loader, how one input is made from a seed (all randomness from
 * one integer, so any input can be made again from its number) and how it is fed to dadm. Shared by
 * the fast-check properties (fuzz.test.ts) and `npm run fuzz` (run.ts, worker.ts).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { DadmError } from '../../src/errors.js';
import type { Limits } from '../../src/limits.js';
import { NpyRowReader, readNpy, readNpyTyped, readNpz, readNpzTyped, readSafetensors, writeNpy, type SafetensorsTensorLike } from '../../src/io/index.js';
import { parseConfig } from '../../src/config/index.js';
import { checkpointBytes, readCheckpoint } from '../../src/models/index.js';
import { readDriftReference } from '../../src/pipeline/index.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { generateYaml, mutateYaml, yamlKeys } from './gen-yaml.js';
import { mutateArray, mutateNpy, mutateNpz, mutateSafetensors } from './mutate-arrays.js';
import { Rng, mutateBytes } from './mutate-bytes.js';
import { mutateJsonText } from './mutate-json.js';
import { mutateOnnx } from './mutate-onnx.js';
import type { SeedCorpus } from './seeds.js';

/** An input: file bytes, or text for YAML. */
export type FuzzInput = Uint8Array | string;

/** What a target needs besides the input: the seeds, a sandbox folder for files it must write, limits. */
export interface FuzzContext {
  seeds: SeedCorpus;
  sandbox: string;
  /** Passed to every reader that takes limits (default: the library defaults). */
  limits?: Partial<Limits>;
}

/**
 * Limits for the suite's fuzz properties: the same checks at sizes a CI machine allocates in
 * milliseconds (an input within the default 1 GiB budget may legitimately take a second).
 */
export const SMALL_LIMITS: Partial<Limits> = { maxTensorBytes: 16 << 20, maxTotalBytes: 64 << 20, maxFileBytes: 64 << 20 };

export interface FuzzTarget {
  readonly name: string;
  /** Input number `n` (the same number always gives the same input). */
  generate(n: number, ctx: FuzzContext): FuzzInput;
  /** Feeds the input to dadm; returns when it was accepted, throws when it was refused. */
  run(input: FuzzInput, ctx: FuzzContext): void;
}

/** How an input ended. `untyped` is any exception that is not one of dadm's error classes. */
export type Outcome = 'accepted' | 'typed' | 'untyped';

/** Runs one input and classifies it; an untyped error is returned for reporting. */
export function classify(target: FuzzTarget, input: FuzzInput, ctx: FuzzContext): { outcome: Outcome; error?: unknown } {
  try {
    target.run(input, ctx);
    return { outcome: 'accepted' };
  } catch (error) {
    return error instanceof DadmError ? { outcome: 'typed' } : { outcome: 'untyped', error };
  }
}

const bytesOf = (input: FuzzInput): Uint8Array => (typeof input === 'string' ? new TextEncoder().encode(input) : input);

/**
 * Reads rows of an .npy file through NpyRowReader in chunks, as `score` and `train` do: the first
 * 4096 and the last 64 (a header may claim 2^31 rows of width 0, which the file length allows).
 */
function readRowsOf(path: string): void {
  const reader = new NpyRowReader(path);
  try {
    for (let r = 0; r < Math.min(reader.rows, 4096); r += 64) reader.readRows(r, Math.min(64, reader.rows - r));
    const tail = Math.min(64, reader.rows);
    reader.readRows(reader.rows - tail, tail);
  } finally {
    reader.close();
  }
}

/** Values a checkpoint's metadata keys take, so one edit can switch a checkpoint's kind or schema. */
const METADATA_WORDS = ['generic', 'endpoint-v1', 'standard', 'none', 'autoencoder', 'iforest', 'dadm-checkpoint', 'validation-quantile', '1', '0', '-1', 'NaN', '1e308', ''];

/** Checkpoint metadata: config.yaml text through the YAML mutators, JSON values through JSON ones. */
function mutateCheckpointMetadata(rng: Rng, key: string, value: string): string {
  if (key === 'config') return rng.chance(0.5) ? mutateYaml(rng, value, yamlKeys(value)) : generateYaml(rng, yamlKeys(value));
  if (rng.chance(0.3)) return rng.chance(0.5) ? rng.pick(METADATA_WORDS) : String(rng.interesting());
  if (rng.chance(0.7)) return mutateJsonText(rng, value);
  return new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(value), [], 2));
}

/**
 * A checkpoint changed consistently and signed again (data_sha256 recomputed, as anyone can): a
 * tensor's shape, dtype or values, a tensor dropped or added, or metadata values — so the input gets
 * past the integrity check to the checks behind it.
 */
function mutateSignedCheckpoint(rng: Rng, seed: Uint8Array): Uint8Array {
  const { tensors, metadata } = readSafetensors(seed);
  const out = new Map<string, SafetensorsTensorLike>([...tensors].map(([name, t]) => [name, { data: t.data, shape: t.shape }]));
  const meta: Record<string, string> = { ...metadata };
  delete meta.data_sha256;
  for (let e = 1 + rng.below(2); e > 0; e--) {
    const action = rng.below(4);
    const name = rng.pick([...out.keys()]);
    if (action === 0 && name !== undefined) {
      const array = readNpyTyped(mutateArray(rng, writeNpy(out.get(name)!)));
      out.set(name, { data: array.data, shape: array.shape });
    } else if (action === 1 && name !== undefined) {
      out.delete(name);
    } else if (action === 2) {
      const length = 1 + rng.below(70);
      out.set(rng.pick(['scaler.mean', 'scaler.std', 'extra']), { data: new Float64Array(length).fill(rng.pick([0, 1, -1, NaN])), shape: [length] });
    } else {
      const key = rng.pick(Object.keys(meta));
      meta[key] = mutateCheckpointMetadata(rng, key, meta[key]!);
    }
  }
  try {
    return checkpointBytes(out, meta);
  } catch {
    return seed; // a combination writeSafetensors itself refuses
  }
}

/** The first graph input's declared shape (dynamic dims as 2), or undefined for inputs too large to feed. */
function feedsOf(bytes: Uint8Array): Record<string, { data: Float32Array; shape: number[] }> | undefined {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const feeds: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const input of model.graph?.input ?? []) {
    if (inits.has(input.name)) continue;
    const shape = (input.type?.tensorType?.shape?.dim ?? []).map((d) => ((d as { value?: string }).value === 'dimValue' ? Number(d.dimValue) : 2));
    const size = shape.reduce((a, d) => a * d, 1);
    if (!(size >= 0 && size <= 1 << 20)) return undefined;
    feeds[input.name ?? ''] = { data: new Float32Array(size).fill(0.5), shape };
  }
  return feeds;
}

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'npy',
    generate: (n, { seeds }) => mutateNpy(new Rng(n), new Rng(n + 1).pick(seeds.npy)),
    run(input, { sandbox, limits }) {
      const bytes = bytesOf(input);
      try {
        readNpy(bytes, 'fuzz.npy', { limits });
      } finally {
        readNpyTyped(bytes, 'fuzz.npy', { limits });
        const path = join(sandbox, 'fuzz.npy');
        writeFileSync(path, bytes);
        readRowsOf(path);
      }
    },
  },
  {
    name: 'npz',
    generate: (n, { seeds }) => mutateNpz(new Rng(n), new Rng(n + 1).pick(seeds.npz)),
    run(input, { limits }) {
      try {
        readNpz(bytesOf(input), 'fuzz.npz', { limits });
      } finally {
        readNpzTyped(bytesOf(input), 'fuzz.npz', { limits });
      }
    },
  },
  {
    name: 'safetensors',
    generate: (n, { seeds }) => mutateSafetensors(new Rng(n), new Rng(n + 1).pick(seeds.safetensors)),
    run: (input, { limits }) => void readSafetensors(bytesOf(input), 'fuzz.safetensors', { limits }),
  },
  {
    name: 'checkpoint',
    generate(n, { seeds }) {
      const rng = new Rng(n);
      const seed = new Rng(n + 1).pick(seeds.checkpoint);
      return rng.chance(0.5) ? mutateSignedCheckpoint(rng, seed) : mutateSafetensors(rng, seed, mutateCheckpointMetadata);
    },
    run(input, { sandbox }) {
      const path = join(sandbox, 'model.safetensors');
      writeFileSync(path, bytesOf(input));
      readCheckpoint(path);
    },
  },
  {
    name: 'drift-reference',
    generate: (n, { seeds }) => mutateNpz(new Rng(n), new Rng(n + 1).pick(seeds.driftReference), (rng, npy, name) => {
      if (name === 'meta_json' && rng.chance(0.7)) return mutateMetaJson(rng, npy);
      return rng.chance(0.6) ? mutateArray(rng, npy) : mutateNpy(rng, npy);
    }),
    run(input, { sandbox }) {
      const path = join(sandbox, 'drift_reference.npz');
      writeFileSync(path, bytesOf(input));
      readDriftReference(path);
    },
  },
  {
    name: 'onnx',
    generate: (n, { seeds }) => mutateOnnx(new Rng(n), new Rng(n + 1).pick(seeds.onnx)),
    run(input, { sandbox, limits }) {
      const bytes = bytesOf(input);
      const model = loadOnnx(bytes, { baseDir: sandbox, limits });
      const feeds = feedsOf(bytes);
      if (feeds !== undefined) model.run(feeds);
    },
  },
  {
    name: 'config',
    generate(n, { seeds }) {
      const rng = new Rng(n);
      const seed = rng.pick(seeds.yaml);
      return rng.chance(0.5) ? mutateYaml(rng, seed, yamlKeys(seeds.yaml[0]!)) : generateYaml(rng, yamlKeys(seeds.yaml[0]!));
    },
    run: (input) => void parseConfig(typeof input === 'string' ? input : new TextDecoder().decode(input), 'fuzz.yaml'),
  },
];

/** meta_json holds UTF-8 JSON as a uint8 array: mutate the JSON, write the array back. */
function mutateMetaJson(rng: Rng, npy: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(npy.subarray(npy.indexOf(0x0a) + 1));
  const json = new TextEncoder().encode(mutateJsonText(rng, text));
  const header = new TextEncoder().encode(`{'descr': '|u1', 'fortran_order': False, 'shape': (${json.length},), }`.padEnd(117, ' ') + '\n');
  const out = new Uint8Array(10 + header.length + json.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(header, 10);
  out.set(json, 10 + header.length);
  return out;
}

/** Looks a target up by name. */
export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}

/**
 * The sandbox that external data may name: a valid block, a folder, a FIFO, a sparse 1.5 GB file,
 * a symlink escaping the sandbox, and a file outside it.
 */
export function makeSandbox(dir: string): string {
  const sandbox = join(dir, 'sandbox');
  if (existsSync(join(sandbox, 'data.bin'))) return sandbox;
  mkdirSync(join(sandbox, 'folder'), { recursive: true });
  writeFileSync(join(dir, 'outside.bin'), new Uint8Array(64));
  writeFileSync(join(sandbox, 'data.bin'), new Uint8Array(4096));
  execFileSync('mkfifo', [join(sandbox, 'pipe')]);
  symlinkSync(join(dir, 'outside.bin'), join(sandbox, 'escape'));
  const fd = openSync(join(sandbox, 'big.bin'), 'w');
  ftruncateSync(fd, 1.5 * 1024 ** 3);
  closeSync(fd);
  return sandbox;
}

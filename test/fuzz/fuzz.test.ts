/**
 * Fuzzing in the suite: for every parser and loader, a few thousand mutated files must each be
 * accepted or refused with one of dadm's typed errors — never an untyped exception. The input
 * numbers come from fast-check with a fixed seed; a failure prints the number, and
 * `npm run fuzz -- --target <name> --from <number> --runs 1 --show` makes that input again.
 * Longer runs, with a per-input time and memory watchdog: `npm run fuzz -- --runs 100000`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildSeeds, loadSeeds } from './seeds.js';
import { SMALL_LIMITS, TARGETS, classify, makeSandbox, type FuzzContext } from './targets.js';

/** Cases per target: a few thousand, fewer where one case costs more (ONNX plans, YAML, npz bombs). */
const RUNS: Readonly<Record<string, number>> = { npy: 4000, npz: 2000, safetensors: 4000, checkpoint: 2000, 'drift-reference': 1500, onnx: 2000, config: 1500 };

let dir: string;
let ctx: FuzzContext;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dadm-fuzz-'));
  buildSeeds(join(dir, 'seeds'));
  ctx = { seeds: loadSeeds(join(dir, 'seeds')), sandbox: makeSandbox(dir), limits: SMALL_LIMITS };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzz: every mutated input is accepted or refused with a typed error', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${RUNS[target.name]} inputs`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n) => {
          const result = classify(target, target.generate(n, ctx), ctx);
          if (result.outcome === 'untyped') {
            const err = result.error as Error;
            throw new Error(`${target.name} input ${n}: untyped ${err?.constructor?.name}: ${err?.message}`, { cause: err });
          }
        }),
        { seed: 17, numRuns: RUNS[target.name] ?? 1000 },
      );
    });
  }
});

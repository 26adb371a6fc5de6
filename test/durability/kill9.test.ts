import { describe, expect, it } from 'vitest';
import { tempDir } from '../pipeline/helpers.js';
import { prepareDurabilityDir, runDurabilityTrials } from './kill9.js';

// One kill -9 trial per writing command (train, export-onnx, quantize, score --output, gen-data);
// `npm run durability -- --trials N` runs more. Each trial starts two or three CLI processes.
describe('kill -9 durability', () => {
  it('leaves no truncated file under a final name, no accepted mixed train set, and no temp file after the next command', async () => {
    const dir = tempDir('dadm-kill9-');
    prepareDurabilityDir(dir);
    const results = await runDurabilityTrials({ dir, trials: 5, seed: Number(process.env.DADM_DURABILITY_SEED ?? '7'), maxDelayMs: 3000 });
    expect(results.map((r) => r.command)).toEqual(['train', 'export-onnx', 'quantize', 'score', 'gen-data']);
    for (const r of results) expect(r.problems, `${r.command} killed after ${r.killAfterMs} ms`).toEqual([]);
  }, 400_000);
});

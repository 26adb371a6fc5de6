// Starts ./worker.ts when dadm runs from its TypeScript sources (vitest, tsx): registers the tsx
// loader in this worker first, which Node 20 does not do for a worker's `--import` before loading
// its entry. An installed package starts the compiled worker.js directly and never loads this file.
import { workerData } from 'node:worker_threads';

const { register } = await import(workerData.tsxApi);
register();
await import(workerData.entry);

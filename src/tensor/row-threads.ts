/**
 * The tensor part's narrow door for the runtime's ParallelScorer: the pool of row threads. Apart from
 * ./kernels.ts because the runtime bundle loads what is behind it only when a ParallelScorer is made,
 * so an agent that scores with OnnxModel never parses it (docs/edge.md, "What start-up pays for").
 */
// By file, not through ./threads/index.js, which also loads the data-parallel trainer.
export { resolveThreads, type ThreadsOption } from './threads/pool.js';
export { ParallelRows, type RowWork } from './threads/parallel-rows.js';

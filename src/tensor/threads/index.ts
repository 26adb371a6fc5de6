/**
 * Worker threads for the kernels: the pool (./pool.ts), sessions that run a task on several threads
 * call after call (./session.ts, waiting as ./spin.ts decides), and synchronous data-parallel training
 * steps (./data-parallel.ts).
 */
export { MAX_AUTO_THREADS, poolWorkers, releaseThreads, resolveThreads, setThreadsNotice, whyNoWorkers, type PoolWorker, type ThreadsOption } from './pool.js';
export { ThreadSession, ARG_SLOTS, type TaskContext, type TaskFactory, type TaskRef } from './session.js';
export { DataParallelStep, MAX_SIDE_INPUTS, gradientTask, type BatchSide, type DataParallelOptions, type RowArray, type RowInput, type SliceSide, type SliceStep, type SliceStepFactory } from './data-parallel.js';
export { spinBudgetMs } from './spin.js';
export { ParallelRows, rowsTask, type ParallelRowsOptions, type RowTaskFactory, type RowWork } from './parallel-rows.js';

/** A worker task for the thread tests: adds args[1] to args[0] into args[2], or throws when args[3] is 1. */
import type { TaskContext } from '../../../src/tensor/index.js';

export function echoTask(init: unknown, ctx: TaskContext): () => void {
  const offset = (init as { offset: number }).offset;
  return () => {
    if (ctx.args[3] === 1) throw new RangeError(`echo worker ${ctx.worker} was asked to fail`);
    ctx.args[2] = ctx.args[0]! + ctx.args[1]! + offset + ctx.worker;
  };
}

/**
 * A loaded ONNX model. Plans are built per concrete input shape (the first one, batch 1, at load),
 * cached, and reused: `run` copies the inputs into the plan's buffers, calls the plan's steps in
 * order and copies the outputs out; `score` does the same for one row without allocating.
 *
 * The batch-1 plan (the row plan) starts on the JavaScript kernels: its first {@link WARM_UP_CALLS}
 * - 1 calls run them, and the call after rebuilds it with the backend's kernels when its ops chose
 * by backend (a Gemm or MatMul copies its weights into the WebAssembly heap). An agent that loads a
 * model and scores one event so does not pay for emitting and compiling kernels that one event does
 * not need (the transformer: ~10 ms and ~5 MB, docs/edge.md); both kernels agree within float32
 * rounding (docs/kernels.md), so a score may move in its last bits at the switch.
 */
import { DataError, UsageError, fmtShape } from '../errors.js';
import { wasmActive, withJsKernels } from '../tensor/kernels.js';
import type { DType, TensorData } from './dtypes.js';
import { WARM_UP_CALLS } from './ops/types.js';
import { buildPlan, type Plan, type PreparedGraph } from './plan.js';

/** A graph input: its dtype and declared dims (`null` = dynamic, e.g. the batch). */
export interface InputSpec {
  name: string;
  dtype: DType;
  dims: (number | null)[];
  /** False when the model declares no shape at all (then callers must pass `shape`). */
  hasShape: boolean;
}

/** A value to feed: a flat array (shape inferred from the declared dims) or data with its shape. */
export type Feed = Float32Array | { data: ArrayLike<number>; shape: readonly number[] };

/** One output of {@link OnnxModel.run}: a fresh copy owned by the caller. */
export interface RunOutput {
  data: TensorData;
  shape: number[];
  dtype: DType;
}

const MAX_CACHED_PLANS = 16;

export class OnnxModel {
  /** Names of the graph inputs the caller feeds (initializers excluded). */
  readonly inputNames: readonly string[];
  /** Names of the graph outputs `run` returns. */
  readonly outputNames: readonly string[];
  /** The model's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
  private readonly plans = new Map<string, Plan>();
  private last: Plan | undefined;
  private rowPlan: Plan | undefined;
  /** The row plan's score output, when `score` can run (one `[1, D]` or `[1, T, D]` input). */
  private scoreBuffer: TensorData | undefined;
  /** Row-plan calls left on the JavaScript kernels, counting down from {@link WARM_UP_CALLS}. */
  private coldCalls = 0;
  /** Whether planning the row plan asked which backend runs: then the backend's plan differs. */
  private rowPlanAsked = false;

  /** Use {@link loadOnnx}. Plans batch size 1 now, so shape errors surface at load. */
  constructor(
    private readonly graph: PreparedGraph,
    private readonly specs: readonly InputSpec[],
    metadata: Record<string, string>,
  ) {
    this.inputNames = specs.map((s) => s.name);
    this.outputNames = [...graph.outputs];
    this.metadata = metadata;
    if (specs.every((s) => s.hasShape)) {
      const shapes = specs.map((s) => s.dims.map((d) => d ?? 1));
      const { value: plan, askedBackend } = withJsKernels(() => this.planFor(shapes));
      this.rowPlanAsked = askedBackend;
      this.coldCalls = WARM_UP_CALLS;
      this.setRowPlan(plan);
    }
  }

  private setRowPlan(plan: Plan): void {
    const rank = plan.inputShapes[0]?.length ?? 0;
    const idx = this.graph.outputs.indexOf('score');
    this.rowPlan = plan;
    if (this.specs.length === 1 && (rank === 2 || rank === 3) && plan.inputShapes[0]![0] === 1) this.scoreBuffer = plan.outputs[idx >= 0 ? idx : 0]!.data;
  }

  /**
   * Counts one call of the row plan while it is cold. At the last count it is rebuilt with the
   * backend's kernels if its planning asked for them and they are WebAssembly's (the calls from
   * then on run it as any other plan).
   */
  private countColdCall(): void {
    if (--this.coldCalls > 0 || !this.rowPlanAsked || !wasmActive()) return;
    const shapes = this.rowPlan!.inputShapes;
    this.plans.delete(planKey(shapes));
    this.setRowPlan(this.planFor(shapes));
  }

  /**
   * The same loaded graph with the first dimension of every input symbolic, so that many rows go
   * through one `run` (a model written for a batch of 1). Shares the prepared graph: nothing is
   * decoded, checked or converted again. Whether the graph really treats rows independently is the
   * caller's to check (an op may mix rows).
   */
  withDynamicBatch(): OnnxModel {
    return new OnnxModel(this.graph, this.specs.map((s) => ({ ...s, dims: [null, ...s.dims.slice(1)] })), { ...this.metadata });
  }

  /**
   * Runs the graph. Float inputs must be finite.
   * @param feeds one entry per input name: a Float32Array ([batch, ...] inferred from the declared
   *   dims, which may have one dynamic dim) or `{ data, shape }`
   * @returns every graph output by name, as fresh arrays
   * @throws DataError for a missing input, a shape that does not match the declared dims, or NaN/Inf
   */
  run(feeds: Readonly<Record<string, Feed>>): Record<string, RunOutput> {
    let plan = this.resolvePlan(feeds);
    const cold = plan === this.rowPlan && this.coldCalls > 0;
    if (cold) {
      this.countColdCall();
      plan = this.rowPlan!;
    }
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i]!;
      const feed = feeds[spec.name]!;
      copyChecked(spec, feed instanceof Float32Array ? feed : feed.data, plan.inputBuffers[i]!);
    }
    if (cold && this.coldCalls > 0) withJsKernels(() => execute(plan.steps));
    else execute(plan.steps);
    const result: Record<string, RunOutput> = {};
    plan.outputs.forEach((v, i) => {
      result[this.outputNames[i]!] = { data: v.data.slice(), shape: [...v.shape], dtype: v.dtype };
    });
    return result;
  }

  /**
   * Scores one item: runs the graph on `[1, D]` (a row) or `[1, T, D]` (a sequence model's window)
   * and returns element 0 of the output named `score` (or of the first output when none is named
   * so). Allocation-free.
   * @param row `[D]` float32 features, or `[T, D]` row-major for a window
   * @throws UsageError when the model does not take a single `[batch, D]` or `[batch, T, D]` input
   * @throws DataError for a wrong length or NaN/Inf
   */
  score(row: Float32Array): number {
    if (this.coldCalls > 0) return this.coldScore(row);
    const plan = this.rowPlan;
    if (plan === undefined || this.scoreBuffer === undefined || row.length !== plan.inputBuffers[0]!.length) this.refuseScore(row);
    copyChecked(this.specs[0]!, row, plan!.inputBuffers[0]!);
    execute(plan!.steps);
    // Kept small so the engine inlines it into the caller's loop: a float returned from a call that
    // is not inlined is boxed on the heap, the one allocation left on this path.
    return this.scoreBuffer![0]!;
  }

  /** {@link score} while the row plan is cold (see {@link countColdCall}). */
  private coldScore(row: Float32Array): number {
    const plan = this.rowPlan;
    if (plan === undefined || this.scoreBuffer === undefined || row.length !== plan.inputBuffers[0]!.length) this.refuseScore(row);
    this.countColdCall();
    const steps = this.rowPlan!.steps;
    copyChecked(this.specs[0]!, row, this.rowPlan!.inputBuffers[0]!);
    if (this.coldCalls > 0) withJsKernels(() => execute(steps));
    else execute(steps);
    return this.scoreBuffer![0]!;
  }

  /** Why {@link score} cannot take `row`. @throws UsageError or DataError, always */
  private refuseScore(row: Float32Array): never {
    const plan = this.rowPlan;
    if (plan === undefined || this.scoreBuffer === undefined) {
      throw new UsageError(`OnnxModel.score: model must take one [batch, D] or [batch, T, D] input, got inputs ${this.inputNames.join(', ')}`);
    }
    throw new DataError(`onnx score: input "${this.specs[0]!.name}" must have ${plan.inputBuffers[0]!.length} values, got ${row.length}`, this.specs[0]!.name);
  }

  private resolvePlan(feeds: Readonly<Record<string, Feed>>): Plan {
    const last = this.last;
    if (last !== undefined && this.matches(last, feeds)) return last;
    const shapes = this.specs.map((spec) => feedShape(spec, feeds[spec.name]));
    return this.planFor(shapes);
  }

  /** True when every feed has exactly the plan's shape (no allocation). */
  private matches(plan: Plan, feeds: Readonly<Record<string, Feed>>): boolean {
    for (let i = 0; i < this.specs.length; i++) {
      const feed = feeds[this.specs[i]!.name];
      const shape = plan.inputShapes[i]!;
      if (feed === undefined) return false;
      if (feed instanceof Float32Array) {
        if (feed.length !== plan.inputBuffers[i]!.length || this.specs[i]!.dims.length !== shape.length) return false;
      } else {
        if (feed.shape.length !== shape.length) return false;
        for (let d = 0; d < shape.length; d++) if (feed.shape[d] !== shape[d]) return false;
      }
    }
    return true;
  }

  private planFor(shapes: readonly (readonly number[])[]): Plan {
    const key = planKey(shapes);
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = buildPlan(this.graph, shapes);
      if (this.plans.size >= MAX_CACHED_PLANS) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    this.last = plan;
    return plan;
  }
}

function planKey(shapes: readonly (readonly number[])[]): string {
  return shapes.map((s) => s.join('x')).join('|');
}

function execute(steps: readonly (() => void)[]): void {
  for (let i = 0; i < steps.length; i++) steps[i]!();
}

/** The concrete shape of a feed, checked against the declared dims. @throws DataError */
function feedShape(spec: InputSpec, feed: Feed | undefined): number[] {
  const where = `onnx run: input "${spec.name}"`;
  const declared = `[${spec.dims.map((d) => d ?? '?').join(',')}]`;
  if (feed === undefined) throw new DataError(`${where} must be given, got no value`, spec.name);
  if (!(feed instanceof Float32Array)) {
    const shape = [...feed.shape];
    let n = 1;
    for (const d of shape) n *= d;
    const fits = !spec.hasShape || (shape.length === spec.dims.length && spec.dims.every((d, i) => d === null || d === shape[i]));
    if (!fits || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new DataError(`${where} shape must be ${declared}, got ${fmtShape(shape)}`, spec.name);
    if (n !== feed.data.length) throw new DataError(`${where} data must have ${n} values for shape ${fmtShape(shape)}, got ${feed.data.length}`, spec.name);
    return shape;
  }
  const dynamic = spec.dims.filter((d) => d === null).length;
  const known = spec.dims.reduce<number>((p, d) => p * (d ?? 1), 1);
  if (!spec.hasShape || dynamic > 1 || known === 0 || feed.length % known !== 0 || (dynamic === 0 && feed.length !== known)) {
    throw new DataError(`${where} must have shape ${declared} (pass { data, shape } when it cannot be inferred), got ${feed.length} values`, spec.name);
  }
  return spec.dims.map((d) => d ?? feed.length / known);
}

/** Copies a feed into a plan buffer, refusing NaN and infinities in float inputs. @throws DataError */
function copyChecked(spec: InputSpec, src: ArrayLike<number>, dst: TensorData): void {
  if (src instanceof Float32Array && dst instanceof Float32Array) dst.set(src);
  else for (let i = 0; i < dst.length; i++) dst[i] = src[i]!;
  if (spec.dtype !== 'float32' && spec.dtype !== 'float64') return;
  for (let i = 0; i < dst.length; i++) {
    const v = dst[i]!;
    // v - v is 0 for finite v and NaN for NaN and ±Infinity.
    if (!(v - v === 0)) throw new DataError(`onnx run: input "${spec.name}" element ${i} must be finite, got ${v}`, spec.name, { index: i });
  }
}

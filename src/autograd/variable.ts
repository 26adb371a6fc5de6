/**
 * `Var`: a tensor value in a computation graph. A Var made by an op while gradients are enabled
 * and at least one input requires them records a {@link Node} (primitive, inputs, attributes);
 * `backward` walks those nodes in reverse. Gradients of leaves accumulate into `grad`.
 */
import { Tensor, scalar } from '../tensor/index.js';
import type { Primitive, PrimitiveAttrs } from './primitives.js';

/** How a Var was computed. */
export interface Node<P extends Primitive = Primitive> {
  readonly op: P;
  readonly inputs: readonly Var[];
  readonly attrs: PrimitiveAttrs[P];
}

export interface VarOptions {
  /** Whether gradients should flow to (and accumulate in) this Var. Default false. */
  requiresGrad?: boolean;
}

export class Var {
  readonly value: Tensor;
  /** Accumulated gradient (leaves only); `undefined` until the first backward that reaches it. */
  grad: Tensor | undefined = undefined;
  readonly requiresGrad: boolean;
  /** The op that produced this Var; undefined for leaves and for values computed without gradients. */
  readonly node: Node | undefined;

  constructor(value: Tensor, options: VarOptions = {}, node?: Node) {
    this.value = value;
    this.requiresGrad = node !== undefined || options.requiresGrad === true;
    this.node = node;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get data(): Float32Array {
    return this.value.data;
  }

  get size(): number {
    return this.value.size;
  }

  /** True when this Var has no recorded producer (a parameter, an input or a constant). */
  get isLeaf(): boolean {
    return this.node === undefined;
  }

  /** The value as a number (one-element Vars only). */
  item(): number {
    return this.value.item();
  }
}

/**
 * The one piece of global engine state: whether ops record nodes. It exists so `noGrad` (inference,
 * optimizer updates) costs nothing per op; it is only changed by `noGrad`, which restores it.
 */
let gradEnabled = true;

/** Runs `fn` without recording any graph (results do not require gradients). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Whether ops currently record nodes (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Wraps an op result: records a node when gradients are on and some input requires them. */
export function record<P extends Primitive>(op: P, inputs: readonly Var[], value: Tensor, attrs: PrimitiveAttrs[P]): Var {
  if (gradEnabled) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]!.requiresGrad) return new Var(value, {}, { op, inputs, attrs } as Node);
    }
  }
  return new Var(value);
}

/** A leaf that requires gradients (a trainable parameter). */
export function param(value: Tensor): Var {
  return new Var(value, { requiresGrad: true });
}

/** Anything an op accepts: a Var, a plain Tensor, or a number (both become constants). */
export type Operand = Var | Tensor | number;

/** Converts an operand to a Var (constants do not require gradients). */
export function toVar(x: Operand): Var {
  if (x instanceof Var) return x;
  return new Var(typeof x === 'number' ? scalar(x) : x);
}

/** A Var sharing `v`'s value but cut from the graph (no gradient flows through it). */
export function detach(v: Var): Var {
  return new Var(v.value);
}

/** Clears the gradients of `vars` (sets `grad` to undefined). */
export function zeroGrad(vars: Iterable<Var>): void {
  for (const v of vars) v.grad = undefined;
}

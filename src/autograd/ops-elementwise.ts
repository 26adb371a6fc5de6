/** Differentiable elementwise ops: each runs the tensor kernel and records its primitive. */
import * as T from '../tensor/index.js';
import { InvalidOptionError } from '../errors.js';
import { type Operand, type Var, record, toVar } from './variable.js';

/** `a + b` with broadcasting. */
export function add(a: Operand, b: Operand): Var {
  const x = toVar(a), y = toVar(b);
  return record('add', [x, y], T.add(x.value, y.value), {});
}

/** `a - b` with broadcasting. */
export function sub(a: Operand, b: Operand): Var {
  const x = toVar(a), y = toVar(b);
  return record('sub', [x, y], T.sub(x.value, y.value), {});
}

/** `a * b` with broadcasting. */
export function mul(a: Operand, b: Operand): Var {
  const x = toVar(a), y = toVar(b);
  return record('mul', [x, y], T.mul(x.value, y.value), {});
}

/** `a / b` with broadcasting. */
export function div(a: Operand, b: Operand): Var {
  const x = toVar(a), y = toVar(b);
  return record('div', [x, y], T.div(x.value, y.value), {});
}

/** `-x` */
export function neg(x: Var): Var {
  return record('neg', [x], T.neg(x.value), {});
}

/** `e^x` */
export function exp(x: Var): Var {
  return record('exp', [x], T.exp(x.value), {});
}

/** Natural logarithm. */
export function log(x: Var): Var {
  return record('log', [x], T.log(x.value), {});
}

/** Square root. */
export function sqrt(x: Var): Var {
  return record('sqrt', [x], T.sqrt(x.value), {});
}

/** `|x|` (gradient 0 at 0). */
export function abs(x: Var): Var {
  return record('abs', [x], T.abs(x.value), {});
}

/** Hyperbolic tangent. */
export function tanh(x: Var): Var {
  return record('tanh', [x], T.tanh(x.value), {});
}

/** Logistic sigmoid. */
export function sigmoid(x: Var): Var {
  return record('sigmoid', [x], T.sigmoid(x.value), {});
}

/** `max(x, 0)` (gradient 0 at 0, as PyTorch). */
export function relu(x: Var): Var {
  return record('relu', [x], T.relu(x.value), {});
}

/** `x ** exponent` for a constant exponent. @throws InvalidOptionError for a non-finite exponent */
export function pow(x: Var, exponent: number): Var {
  if (!Number.isFinite(exponent)) throw new InvalidOptionError(`pow: exponent must be a finite number, got ${exponent}`, 'exponent');
  return record('pow', [x], T.pow(x.value, exponent), { exponent });
}

/** `factor * x` for a constant factor. */
export function scale(x: Var, factor: number): Var {
  return record('scale', [x], T.mul(x.value, T.scalar(factor)), { factor });
}

/** GELU, exact (`approximate: 'none'`, default) or tanh form. */
export function gelu(x: Var, options: T.GeluOptions = {}): Var {
  const approximate = options.approximate ?? 'none';
  return record('gelu', [x], T.gelu(x.value, { approximate }), { approximate });
}

/** `min(max(x, min), max)`; gradient 1 strictly inside the bounds, 0 outside. */
export function clamp(x: Var, options: T.ClampOptions): Var {
  const min = options.min ?? -Infinity;
  const max = options.max ?? Infinity;
  return record('clamp', [x], T.clamp(x.value, { min, max }), { min, max });
}

/** `cond != 0 ? a : b` with broadcasting; no gradient flows to `cond`. */
export function where(cond: T.Tensor | Var, a: Operand, b: Operand): Var {
  const c = cond instanceof T.Tensor ? cond : cond.value;
  const x = toVar(a), y = toVar(b);
  return record('where', [x, y], T.where(c, x.value, y.value), { cond: c });
}

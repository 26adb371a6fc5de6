/**
 * `Module`: the base of every layer. Like torch.nn.Module it owns parameters and child modules in
 * registration order, so `namedParameters()` yields torch `state_dict` names (`encoder.0.weight`) in
 * a fixed order. Training mode is a plain field on each module (`training`), set recursively by
 * `train()`/`eval()`; there is no global mode.
 */
import { ShapeError, FormatError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/index.js';
import { Var, param } from '../autograd/index.js';

/** A `state_dict`-like map: parameter name -> tensor (values are copies, shapes as registered). */
export type StateDict = Map<string, Tensor>;

export abstract class Module {
  /** True while training (Dropout is active); false after `eval()`. Starts true, as in torch. */
  training = true;
  private readonly params = new Map<string, Var>();
  private readonly children = new Map<string, Module>();

  /** The module's computation. Takes and returns Vars so it composes with autograd. */
  abstract forward(x: Var): Var;

  /** Registers a trainable parameter (a leaf Var requiring gradients) under `name`; returns it. */
  protected registerParameter(name: string, value: Tensor): Var {
    const p = param(value);
    this.params.set(name, p);
    return p;
  }

  /** Registers a child module under `name`; its parameters appear as `name.<param>`. Returns it. */
  protected registerModule<M extends Module>(name: string, child: M): M {
    this.children.set(name, child);
    return child;
  }

  /** `[name, parameter]` pairs, own parameters first, then each child's in registration order. */
  namedParameters(prefix = ''): [string, Var][] {
    const out: [string, Var][] = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** The parameters in `namedParameters()` order. */
  parameters(): Var[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** `[name, module]` for the direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Sets `training` on this module and every descendant; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  /** Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Copies of every parameter, keyed by torch `state_dict` name, in `namedParameters()` order. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [name, p] of this.namedParameters()) out.set(name, new Tensor(p.data.slice(), p.shape));
    return out;
  }

  /**
   * Copies values from `state` into the parameters in place (strict, as torch's default: the key
   * sets must be equal and every shape must match). Nothing is written unless everything matches.
   * @throws FormatError for a missing or unexpected key; ShapeError naming the key for a shape mismatch
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>): void {
    const named = this.namedParameters();
    for (const [name, p] of named) {
      const t = state.get(name);
      if (t === undefined) {
        throw new FormatError(`loadStateDict: key '${name}' must be present, got keys [${[...state.keys()].join(', ')}]`, name);
      }
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        throw new ShapeError(
          `loadStateDict: '${name}' must have shape ${fmtShape(p.shape)}, got ${fmtShape(t.shape)}`,
          'loadStateDict',
          [p.shape, t.shape],
        );
      }
    }
    if (state.size !== named.length) {
      const known = new Set(named.map(([n]) => n));
      const extra = [...state.keys()].filter((k) => !known.has(k));
      throw new FormatError(`loadStateDict: keys must all be parameters of the module, got unexpected [${extra.join(', ')}]`, extra[0]);
    }
    for (const [name, p] of named) p.data.set(state.get(name)!.data);
  }
}

/**
 * The server's step on the aggregate update Δ (the weighted mean of the clients' updates, or a
 * robust rule's, with DP noise when configured): FedOpt, Reddi et al. 2021, "Adaptive federated
 * optimization", https://arxiv.org/abs/2003.00295 (Algorithm 2), treating −Δ as a pseudo-gradient:
 *
 * - `fedavg`:  w ← w + η Δ (η = 1 is McMahan et al.'s FedAvg, bit for bit: the step is Δ itself)
 * - `fedavgm`: m ← β₁ m + Δ; w ← w + η m (Hsu et al. 2019, https://arxiv.org/abs/1909.06335)
 * - `fedadam`: m ← β₁ m + (1 − β₁) Δ; v ← β₂ v + (1 − β₂) Δ²; w ← w + η m / (√v + τ)
 *   (no bias correction, as in the paper)
 *
 * The moments are server state: they change only when a round commits, and are written to the
 * state dir (float64 safetensors) before that round's record, so a restarted server steps on from
 * exactly the moments of its last committed round. It acts on the aggregate only, so it works the
 * same under secure aggregation.
 */
import { FormatError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../io/index.js';
import { describe } from './bytes.js';
import type { FederatedConfig } from './config.js';

export const OPTIMIZER_FORMAT = 'dadm-federated-server-optimizer';

export class ServerOptimizer {
  private readonly m: Float64Array | null;
  private readonly v: Float64Array | null;
  private steps = 0;

  /**
   * @param size parameters in an update
   * @param saved the file of the last committed round's moments (null: start from zeros)
   * @throws FormatError for a saved file of another optimizer or size
   */
  constructor(private readonly config: FederatedConfig, size: number, saved: { bytes: Uint8Array; source: string } | null) {
    const kind = config.serverOptimizer;
    this.m = kind === 'fedavg' ? null : new Float64Array(size);
    this.v = kind === 'fedadam' ? new Float64Array(size) : null;
    if (saved !== null) this.load(saved.bytes, saved.source);
  }

  /** Whether there is state to keep (fedavg has none). */
  get stateful(): boolean {
    return this.m !== null;
  }

  /**
   * The step to add to the global model for the aggregate `delta` `[parameters]`, updating the
   * moments. With fedavg at η = 1 it returns `delta` itself.
   */
  step(delta: Float64Array): Float64Array {
    const { serverOptimizer: kind, serverLr: lr, serverMomentum: b1, serverBeta2: b2, serverTau: tau } = this.config;
    this.steps++;
    if (kind === 'fedavg') return lr === 1 ? delta : delta.map((d) => lr * d);
    const m = this.m!;
    const out = new Float64Array(delta.length);
    if (kind === 'fedavgm') {
      for (let j = 0; j < delta.length; j++) {
        m[j] = b1 * m[j]! + delta[j]!;
        out[j] = lr * m[j]!;
      }
      return out;
    }
    const v = this.v!;
    for (let j = 0; j < delta.length; j++) {
      const d = delta[j]!;
      m[j] = b1 * m[j]! + (1 - b1) * d;
      v[j] = b2 * v[j]! + (1 - b2) * d * d;
      out[j] = (lr * m[j]!) / (Math.sqrt(v[j]!) + tau);
    }
    return out;
  }

  /** The moments as a safetensors file (float64), for the state dir. */
  encode(): Uint8Array {
    const tensors = new Map<string, { data: Float64Array; shape: number[] }>();
    if (this.m !== null) tensors.set('m', { data: this.m, shape: [this.m.length] });
    if (this.v !== null) tensors.set('v', { data: this.v, shape: [this.v.length] });
    return writeSafetensors(tensors, { format: OPTIMIZER_FORMAT, optimizer: this.config.serverOptimizer, steps: String(this.steps) });
  }

  private load(bytes: Uint8Array, source: string): void {
    const file = readSafetensors(bytes, source);
    const { format, optimizer, steps } = file.metadata;
    if (format !== OPTIMIZER_FORMAT || optimizer !== this.config.serverOptimizer) {
      throw new FormatError(`${source}: server optimizer state must be '${OPTIMIZER_FORMAT}' of federated.server_optimizer '${this.config.serverOptimizer}', got ${describe(format)} of ${describe(optimizer)} (a state dir keeps the optimizer it started with)`, source);
    }
    for (const [name, into] of [['m', this.m], ['v', this.v]] as const) {
      if (into === null) continue;
      const t = file.tensors.get(name);
      if (t === undefined || t.dtype !== 'F64' || t.data.length !== into.length) {
        throw new FormatError(`${source}: tensor ${name} must be F64 [${into.length}], got ${t === undefined ? 'none' : `${t.dtype} [${t.data.length}]`}`, source);
      }
      into.set(t.data as Float64Array);
    }
    this.steps = Number(steps);
  }
}

/**
 * The running weighted sum of plain FedAvg, `sum_i w_i u_i` with integer weights, exact and in
 * memory independent of the number of clients (two float64 limbs per coordinate).
 *
 * Why exact: updates arrive in network order, which differs between runs and after a server
 * restart; a float sum would then differ in the last bits and the "same seeds, same model" promise
 * would break. Each product `w u` (float32 value times an integer weight below 2^29: exact in
 * float64) is rounded to a multiple of 2^-F, where F is the largest scale with
 * `maxWeight * maxAbs * 2^F <= 2^52`, and those integers are added exactly. Integer addition is
 * order-free, so the sum is the same in any order. The mean is off by at most 2^-(F+1) per
 * coordinate (e.g. F = 29 for max weight 10^6 and bound 5: 1e-9), far below float32 resolution of
 * the weights it is added to.
 */
import { MAX_EXACT_WEIGHT } from '../config/index.js';
import { InvalidOptionError } from '../errors.js';

const TWO_32 = 2 ** 32;
const TWO_52 = 2 ** 52;

export class ExactWeightedSum {
  /** The sum is `hi * 2^32 + lo` in units of 2^-F; |lo| stays below 2^52. */
  private readonly hi: Float64Array;
  private readonly lo: Float64Array;
  private readonly scale: number;
  private weight = 0;
  private count = 0;

  /**
   * @param size vector length
   * @param maxWeight largest weight `add` accepts (an integer below 2^29)
   * @param maxAbs largest |value| `add` accepts (the server's norm bound covers every coordinate)
   * @throws InvalidOptionError for a bad size, weight bound or value bound
   */
  constructor(size: number, readonly maxWeight: number, readonly maxAbs: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new InvalidOptionError(`ExactWeightedSum: size must be a positive integer, got ${size}`, 'size');
    if (!Number.isInteger(maxWeight) || maxWeight < 1 || maxWeight >= MAX_EXACT_WEIGHT) {
      throw new InvalidOptionError(`ExactWeightedSum: maxWeight must be an integer in [1, 2^29), got ${maxWeight}`, 'maxWeight');
    }
    if (!(maxAbs > 0 && Number.isFinite(maxAbs))) throw new InvalidOptionError(`ExactWeightedSum: maxAbs must be a positive number, got ${maxAbs}`, 'maxAbs');
    this.hi = new Float64Array(size);
    this.lo = new Float64Array(size);
    this.scale = 2 ** Math.floor(52 - Math.log2(maxWeight * maxAbs));
  }

  /** Vectors added so far. */
  get added(): number {
    return this.count;
  }

  /** Sum of the weights added so far. */
  get totalWeight(): number {
    return this.weight;
  }

  /**
   * Adds `weight * values`. The caller has checked `values.length === size`, every |value| <= maxAbs
   * and `weight` an integer in [1, maxWeight].
   */
  add(values: Float32Array, weight: number): void {
    const { hi, lo } = this;
    const k = weight * this.scale;
    for (let j = 0; j < lo.length; j++) {
      let l = lo[j]! + Math.round(values[j]! * k);
      if (l >= TWO_52 || l <= -TWO_52) {
        const carry = Math.trunc(l / TWO_32);
        hi[j] += carry;
        l -= carry * TWO_32;
      }
      lo[j] = l;
    }
    this.weight += weight;
    this.count++;
  }

  /** `sum_i w_i u_i` as float64 (each coordinate the correctly rounded exact sum). */
  sum(): Float64Array {
    const out = new Float64Array(this.lo.length);
    for (let j = 0; j < out.length; j++) out[j] = (this.hi[j]! * TWO_32 + this.lo[j]!) / this.scale;
    return out;
  }
}

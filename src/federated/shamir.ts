/**
 * Shamir t-of-n secret sharing (Shamir 1979, "How to share a secret",
 * https://doi.org/10.1145/359168.359176) of 32-byte secrets over the prime field GF(2^521 - 1).
 * Any `threshold` shares give the secret by Lagrange interpolation at 0; fewer reveal nothing.
 * This is field arithmetic on BigInt, not a cryptographic primitive; the random coefficients come
 * from node:crypto's randomBytes.
 */
import { randomBytes } from 'node:crypto';
import { FormatError, InvalidOptionError } from '../errors.js';

/** The Mersenne prime 2^521 - 1: every 32-byte secret is one field element below it. */
const P = (1n << 521n) - 1n;
/** Bytes of one field element (521 bits). */
export const SHARE_BYTES = 66;
const SECRET_BYTES = 32;

/** One share: the evaluation point `x` (1-based holder index) and `y = f(x)` as 66 big-endian bytes. */
export interface Share {
  x: number;
  y: Uint8Array;
}

function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function toBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A uniform field element from node:crypto (rejection sampling on 521 random bits). */
function randomElement(): bigint {
  for (;;) {
    const v = toBig(randomBytes(SHARE_BYTES)) & P;
    if (v < P) return v;
  }
}

function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/**
 * Splits a 32-byte secret into one share per evaluation point in `xs`.
 * @param threshold shares needed to recover the secret, in [1, xs.length]
 * @param xs distinct evaluation points, integers in [1, 65535]
 * @throws InvalidOptionError for a bad threshold, points or secret length
 */
export function splitSecret(secret: Uint8Array, threshold: number, xs: readonly number[]): Share[] {
  if (secret.length !== SECRET_BYTES) throw new InvalidOptionError(`splitSecret: secret must be ${SECRET_BYTES} bytes, got ${secret.length}`, 'secret');
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > xs.length) {
    throw new InvalidOptionError(`splitSecret: threshold must be an integer in [1, ${xs.length}], got ${threshold}`, 'threshold');
  }
  if (new Set(xs).size !== xs.length || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 65535)) {
    throw new InvalidOptionError(`splitSecret: points must be distinct integers in [1, 65535], got [${xs.join(', ')}]`, 'xs');
  }
  const coefficients = [toBig(secret)];
  for (let k = 1; k < threshold; k++) coefficients.push(randomElement());
  return xs.map((x) => {
    let y = 0n;
    const bx = BigInt(x);
    for (let k = coefficients.length - 1; k >= 0; k--) y = (y * bx + coefficients[k]!) % P;
    return { x, y: toBytes(y, SHARE_BYTES) };
  });
}

/**
 * Recovers the secret from `threshold` shares (the `threshold` distinct points with the smallest x).
 * @throws FormatError when there are fewer than `threshold` distinct shares or they do not
 *   interpolate to a 32-byte secret (a corrupted or forged share)
 */
export function combineShares(shares: readonly Share[], threshold: number): Uint8Array {
  const byX = new Map<number, bigint>();
  for (const s of [...shares].sort((a, b) => a.x - b.x)) {
    if (s.y.length !== SHARE_BYTES) throw new FormatError(`combineShares: share y must be ${SHARE_BYTES} bytes, got ${s.y.length}`, 'share');
    if (!byX.has(s.x) && byX.size < threshold) byX.set(s.x, toBig(s.y));
  }
  if (byX.size < threshold) throw new FormatError(`combineShares: distinct shares must number at least ${threshold}, got ${byX.size}`, 'share');
  const xs = [...byX.keys()];
  const coefficients = lagrangeAtZero(xs);
  let secret = 0n;
  xs.forEach((x, j) => (secret = (secret + (byX.get(x)! % P) * coefficients[j]!) % P));
  if (secret >> 256n !== 0n) throw new FormatError('combineShares: shares must interpolate to a 32-byte secret, got a larger value (a share is corrupted)', 'share');
  return toBytes(secret, SECRET_BYTES);
}

/** Lagrange basis values at 0 for points `xs`, cached: in a round most secrets share one point set. */
const basisCache = new Map<string, bigint[]>();

function lagrangeAtZero(xs: readonly number[]): bigint[] {
  const key = xs.join(',');
  const cached = basisCache.get(key);
  if (cached !== undefined) return cached;
  // l_j(0) = prod_{m != j} x_m / (x_m - x_j); all denominators inverted with one exponentiation
  // (Montgomery's batch inversion).
  const nums: bigint[] = [];
  const dens: bigint[] = [];
  for (const xj of xs) {
    let num = 1n;
    let den = 1n;
    for (const xm of xs) {
      if (xm === xj) continue;
      num = (num * BigInt(xm)) % P;
      den = (den * ((BigInt(xm) - BigInt(xj) + P) % P)) % P;
    }
    nums.push(num);
    dens.push(den);
  }
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const d of dens) {
    prefix.push(acc);
    acc = (acc * d) % P;
  }
  let inv = modPow(acc, P - 2n);
  const out = new Array<bigint>(xs.length);
  for (let j = xs.length - 1; j >= 0; j--) {
    out[j] = (nums[j]! * ((inv * prefix[j]!) % P)) % P;
    inv = (inv * dens[j]!) % P;
  }
  if (basisCache.size >= 64) basisCache.delete(basisCache.keys().next().value!);
  basisCache.set(key, out);
  return out;
}

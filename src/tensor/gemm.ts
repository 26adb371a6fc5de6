/**
 * Single-precision general matrix multiply, the hot kernel of training and inference.
 *
 * Layout follows GotoBLAS / BLIS (Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 2008, https://doi.org/10.1145/1356052.1356053): op(A) and op(B) are
 * packed into contiguous MR-row and NR-column micro-panels (this is also where transposes are
 * absorbed, so no transposed copy is ever made), then a 4x4 register-blocked micro-kernel keeps its
 * 16 accumulators in locals (doubles in V8) over a KC-long slice of the inner dimension.
 * One-row products (m = 1, single-sample inference) take a dedicated gemv path without packing.
 *
 * This file is the `js` backend's kernel and the reference of the `wasm` one (./wasm/gemm-kernel.ts,
 * f32x4 lanes and float32 sums); {@link gemm} runs whichever ./backend.ts selected.
 */
import { wasmActive } from './backend.js';
// A namespace: the runtime bundle loads the WebAssembly drivers on their first use (./wasm/neural.ts).
import * as wasmNeural from './wasm/neural.js';

/** Options of {@link gemm}. Offsets are element offsets into the three arrays. */
export interface GemmOptions {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  alpha?: number;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
}

const MR = 4;
const NR = 4;
/** Inner-dimension block: a packed B micro-panel (KC x NR doubles = 8 KB) stays in L1. */
const KC = 256;
/** Row block: the packed A block (MC x KC doubles = 256 KB) stays in L2. */
const MC = 128;

// Packing scratch, grown on demand and reused across calls. Module-level because allocating
// per call would dominate small products; gemm never yields, so reuse is safe.
let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * 64);

/**
 * Products smaller than this many multiply-adds stay on the JS kernel under either backend: below
 * it the WebAssembly call and operand copies cost more than the SIMD lanes save.
 */
const WASM_MIN_WORK = 256;

/**
 * C[m,n] (= or +=) alpha * op(A)[m,k] · op(B)[k,n], all row-major; op(A)=A^T when transA
 * (A stored [k,m]), op(B)=B^T when transB (B stored [n,k]). Trusts its caller (no validation).
 */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array, o: GemmOptions): void {
  if (o.m * o.n * o.k >= WASM_MIN_WORK && wasmActive() && wasmNeural.wasmGemm(a, b, c, o)) return;
  jsGemm(a, b, c, o);
}

/** The JS kernel of {@link gemm}, whichever backend is selected (the reference the tests compare with). */
export function jsGemm(a: Float32Array, b: Float32Array, c: Float32Array, o: GemmOptions): void {
  const { m, n, k } = o;
  const transA = o.transA === true;
  const transB = o.transB === true;
  const accumulate = o.accumulate === true;
  const alpha = o.alpha ?? 1;
  const aOff = o.aOffset ?? 0;
  const bOff = o.bOffset ?? 0;
  const cOff = o.cOffset ?? 0;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    return;
  }
  if (m === 1) {
    // Row i of op(A) is contiguous unless transA with m > 1; with m = 1 it is always contiguous.
    if (transB) gemvRowsDot(a, aOff, b, bOff, c, cOff, n, k, alpha, accumulate);
    else gemvAxpy(a, aOff, b, bOff, c, cOff, n, k, alpha, accumulate);
    return;
  }
  const nPanels = Math.ceil(n / NR);
  if (packB.length < KC * nPanels * NR) packB = new Float64Array(KC * nPanels * NR);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    packBBlock(b, bOff, transB, k, n, p0, kc, packB);
    const add = accumulate || p0 > 0;
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      packABlock(a, aOff, transA, m, k, i0, mc, p0, kc, packA);
      macroKernel(packA, packB, c, cOff, n, mc, i0, kc, nPanels, alpha, add);
    }
  }
}

/** Packs op(B)[p0:p0+kc, :] into NR-wide panels, `kc * NR` doubles each, zero-padded past n. */
function packBBlock(
  b: Float32Array, bOff: number, transB: boolean, k: number, n: number, p0: number, kc: number, out: Float64Array,
): void {
  let q = 0;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const w = Math.min(NR, n - j0);
    for (let p = p0; p < p0 + kc; p++) {
      if (transB) {
        // B stored [n,k]: op(B)[p,j] = b[j*k + p]
        let s = bOff + j0 * k + p;
        for (let jj = 0; jj < w; jj++, s += k) out[q + jj] = b[s]!;
      } else {
        const s = bOff + p * n + j0;
        for (let jj = 0; jj < w; jj++) out[q + jj] = b[s + jj]!;
      }
      for (let jj = w; jj < NR; jj++) out[q + jj] = 0;
      q += NR;
    }
  }
}

/** Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-tall panels, `kc * MR` doubles each, zero-padded past mc. */
function packABlock(
  a: Float32Array, aOff: number, transA: boolean, m: number, k: number,
  i0: number, mc: number, p0: number, kc: number, out: Float64Array,
): void {
  let q = 0;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const h = Math.min(MR, mc - r0);
    const row = i0 + r0;
    for (let p = p0; p < p0 + kc; p++) {
      if (transA) {
        // A stored [k,m]: op(A)[i,p] = a[p*m + i]
        const s = aOff + p * m + row;
        for (let ii = 0; ii < h; ii++) out[q + ii] = a[s + ii]!;
      } else {
        let s = aOff + row * k + p;
        for (let ii = 0; ii < h; ii++, s += k) out[q + ii] = a[s]!;
      }
      for (let ii = h; ii < MR; ii++) out[q + ii] = 0;
      q += MR;
    }
  }
}

/** Multiplies a packed A block [mc, kc] by the packed B block [kc, n] into C rows i0..i0+mc. */
function macroKernel(
  pa: Float64Array, pb: Float64Array, c: Float32Array, cOff: number, n: number,
  mc: number, i0: number, kc: number, nPanels: number, alpha: number, add: boolean,
): void {
  const panelA = kc * MR;
  const panelB = kc * NR;
  for (let jp = 0; jp < nPanels; jp++) {
    const j0 = jp * NR;
    const w = Math.min(NR, n - j0);
    const bBase = jp * panelB;
    for (let r0 = 0; r0 < mc; r0 += MR) {
      const h = Math.min(MR, mc - r0);
      let ia = (r0 / MR) * panelA;
      let ib = bBase;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < kc; p++, ia += MR, ib += NR) {
        const a0 = pa[ia]!, a1 = pa[ia + 1]!, a2 = pa[ia + 2]!, a3 = pa[ia + 3]!;
        const b0 = pb[ib]!, b1 = pb[ib + 1]!, b2 = pb[ib + 2]!, b3 = pb[ib + 3]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const row = cOff + (i0 + r0) * n + j0;
      if (h === MR && w === NR) {
        if (add) {
          c[row] += alpha * c00; c[row + 1] += alpha * c01; c[row + 2] += alpha * c02; c[row + 3] += alpha * c03;
          const r1 = row + n;
          c[r1] += alpha * c10; c[r1 + 1] += alpha * c11; c[r1 + 2] += alpha * c12; c[r1 + 3] += alpha * c13;
          const r2 = r1 + n;
          c[r2] += alpha * c20; c[r2 + 1] += alpha * c21; c[r2 + 2] += alpha * c22; c[r2 + 3] += alpha * c23;
          const r3 = r2 + n;
          c[r3] += alpha * c30; c[r3 + 1] += alpha * c31; c[r3 + 2] += alpha * c32; c[r3 + 3] += alpha * c33;
        } else {
          c[row] = alpha * c00; c[row + 1] = alpha * c01; c[row + 2] = alpha * c02; c[row + 3] = alpha * c03;
          const r1 = row + n;
          c[r1] = alpha * c10; c[r1 + 1] = alpha * c11; c[r1 + 2] = alpha * c12; c[r1 + 3] = alpha * c13;
          const r2 = r1 + n;
          c[r2] = alpha * c20; c[r2 + 1] = alpha * c21; c[r2 + 2] = alpha * c22; c[r2 + 3] = alpha * c23;
          const r3 = r2 + n;
          c[r3] = alpha * c30; c[r3 + 1] = alpha * c31; c[r3 + 2] = alpha * c32; c[r3 + 3] = alpha * c33;
        }
      } else {
        const t = edgeTile;
        t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03; t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
        t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23; t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
        storeEdge(c, row, n, h, w, alpha, add, t);
      }
    }
  }
}

const edgeTile = new Float64Array(MR * NR);

/** Writes the valid h x w corner of a 4x4 tile at the matrix edge. */
function storeEdge(
  c: Float32Array, row: number, n: number, h: number, w: number, alpha: number, add: boolean, t: Float64Array,
): void {
  for (let ii = 0; ii < h; ii++) {
    const r = row + ii * n;
    for (let jj = 0; jj < w; jj++) {
      const v = alpha * t[ii * NR + jj]!;
      if (add) c[r + jj] += v;
      else c[r + jj] = v;
    }
  }
}

let gemvAcc = new Float64Array(64);

/** c[0,:] (+)= alpha * a[0,:k] · B[k,n] (B row-major, not transposed): axpy over B's rows, 4 at a time. */
function gemvAxpy(
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
  n: number, k: number, alpha: number, accumulate: boolean,
): void {
  if (gemvAcc.length < n) gemvAcc = new Float64Array(n);
  const acc = gemvAcc;
  acc.fill(0, 0, n);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const x0 = a[aOff + p]!, x1 = a[aOff + p + 1]!, x2 = a[aOff + p + 2]!, x3 = a[aOff + p + 3]!;
    const r0 = bOff + p * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    for (let j = 0; j < n; j++) acc[j] += x0 * b[r0 + j]! + x1 * b[r1 + j]! + x2 * b[r2 + j]! + x3 * b[r3 + j]!;
  }
  for (; p < k; p++) {
    const x = a[aOff + p]!;
    const r = bOff + p * n;
    for (let j = 0; j < n; j++) acc[j] += x * b[r + j]!;
  }
  if (accumulate) for (let j = 0; j < n; j++) c[cOff + j] += alpha * acc[j]!;
  else for (let j = 0; j < n; j++) c[cOff + j] = alpha * acc[j]!;
}

/** c[0,j] (+)= alpha * dot(a[0,:k], B[j,:k]) (B stored [n,k]): four dot products per pass over a. */
function gemvRowsDot(
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
  n: number, k: number, alpha: number, accumulate: boolean,
): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r0 = bOff + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = 0; p < k; p++) {
      const x = a[aOff + p]!;
      s0 += x * b[r0 + p]!; s1 += x * b[r1 + p]!; s2 += x * b[r2 + p]!; s3 += x * b[r3 + p]!;
    }
    const o = cOff + j;
    if (accumulate) {
      c[o] += alpha * s0; c[o + 1] += alpha * s1; c[o + 2] += alpha * s2; c[o + 3] += alpha * s3;
    } else {
      c[o] = alpha * s0; c[o + 1] = alpha * s1; c[o + 2] = alpha * s2; c[o + 3] = alpha * s3;
    }
  }
  for (; j < n; j++) {
    const r = bOff + j * k;
    let s = 0;
    for (let p = 0; p < k; p++) s += a[aOff + p]! * b[r + p]!;
    if (accumulate) c[cOff + j] += alpha * s;
    else c[cOff + j] = alpha * s;
  }
}

/**
 * The few loops that all heavy work goes through: GEMM-shaped products, and the element-wise passes
 * (hidden activations, optimiser updates). Every product of a dense layer is written as C = A·Bᵀ
 * (both operands row-major with the shared dimension contiguous), so one register-blocked kernel
 * serves forward, both backward products and prediction; a faster implementation (WebAssembly)
 * replaces the `Kernels` object without touching the layers or the optimisers' bookkeeping.
 * Sums run in float64 registers and round once on store: results do not depend on blocking.
 * When accumulating into float32, the new sum is rounded to float32 before it is added, so that
 * accumulating shard after shard into one buffer gives the same bits as summing separate shard
 * buffers in order (what the parallel engine does).
 */
import type { Vec } from './vec.js'
import type { ActivationName } from './spec.js'
import { activations } from './activations.js'

export interface Kernels {
  /** C (M×N) = A (M×K) · Bᵀ (B is N×K) [+ bias[n]] — or C += A·Bᵀ when accumulate */
  gemmNT (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, bias: Vec | null, accumulate: boolean): void
  /**
   * C (M×N) (+)= Aᵀ·B with A K×M, and C (M×N) (+)= A·B with A M×K, B K×N: only kernel sets that take
   * transposed operands natively (BLAS) have these, for float32; the others get the backward
   * products as gemmNT over transposed copies in the workspace.
   */
  gemmTN?: (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, accumulate: boolean) => void
  gemmNN?: (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, accumulate: boolean) => void
  /**
   * x ← α·x and y ← y + α·x over n float32 values (BLAS sscal, saxpy): only sets that have them
   * vectorised; the others' callers run plain loops. Element-wise, so slicing never changes a result.
   */
  scal?: (x: Float32Array, n: number, alpha: number) => void
  axpy?: (y: Float32Array, x: Float32Array, n: number, alpha: number) => void
  /** dst (cols×rows) = srcᵀ (src is rows×cols) */
  transpose (dst: Vec, src: Vec, rows: number, cols: number): void
  /** out[n] += Σ_m A[m][n] (column sums of A, M×N) */
  addColumnSums (out: Vec, A: Vec, M: number, N: number): void
  /** a[i] = f(z[i]) for i < n, f a hidden activation (nn/activations.ts) */
  activate (name: ActivationName, a: Vec, z: Vec, n: number, alpha: number): void
  /** d[i] *= f'(z[i]) for i < n: da in, dz out */
  activateBackward (name: ActivationName, d: Vec, z: Vec, a: Vec, n: number, alpha: number): void
  /** p ← p − lr·g over n values */
  sgdUpdate (p: Vec, g: Vec, n: number, lr: number): void
  /** v ← μv + g; p ← p − lr·v, or p ← p − lr·(g + μv) when nesterov */
  momentumUpdate (p: Vec, g: Vec, v: Vec, n: number, lr: number, mu: number, nesterov: boolean): void
  /** Adam's moments and step; with decay, AdamW's decoupled p ← p − lr·wd·p where mask[i] = 1 */
  adamUpdate (p: Vec, g: Vec, m: Vec, v: Vec, n: number, s: AdamStep): void
}

/** One Adam step's scalars: bc1 = 1 − β1ᵗ and bc2 = 1 − β2ᵗ come from the optimiser, which counts t. */
export interface AdamStep {
  lr: number
  beta1: number
  beta2: number
  epsilon: number
  bc1: number
  bc2: number
  /** AdamW only; null for Adam (the two round differently, so they are two loops) */
  decay: { weightDecay: number, mask: Uint8Array } | null
}

// ---- C = A·Bᵀ, 4 rows of A × 2 rows of B per block: 8 accumulators stay in registers --------

function gemmNT (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, bias: Vec | null, accumulate: boolean): void {
  let m = 0
  for (; m + 4 <= M; m += 4) {
    const a0 = m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K
    let n = 0
    for (; n + 2 <= N; n += 2) {
      const b0 = n * K, b1 = b0 + K
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0
      for (let k = 0; k < K; k++) {
        const x0 = B[b0 + k], x1 = B[b1 + k]
        const y0 = A[a0 + k], y1 = A[a1 + k], y2 = A[a2 + k], y3 = A[a3 + k]
        c00 += y0 * x0; c01 += y0 * x1
        c10 += y1 * x0; c11 += y1 * x1
        c20 += y2 * x0; c21 += y2 * x1
        c30 += y3 * x0; c31 += y3 * x1
      }
      store(C, m * N + n, c00, c01, bias, n, accumulate)
      store(C, (m + 1) * N + n, c10, c11, bias, n, accumulate)
      store(C, (m + 2) * N + n, c20, c21, bias, n, accumulate)
      store(C, (m + 3) * N + n, c30, c31, bias, n, accumulate)
    }
    for (; n < N; n++) for (let r = m; r < m + 4; r++) dotInto(C, A, B, r, n, N, K, bias, accumulate)
  }
  // leftover rows (all of them for single-row prediction): one row × 4 rows of B per block
  for (; m < M; m++) {
    const a0 = m * K
    let n = 0
    for (; n + 4 <= N; n += 4) {
      const b0 = n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0
      for (let k = 0; k < K; k++) {
        const y = A[a0 + k]
        c0 += y * B[b0 + k]; c1 += y * B[b1 + k]; c2 += y * B[b2 + k]; c3 += y * B[b3 + k]
      }
      store(C, m * N + n, c0, c1, bias, n, accumulate)
      store(C, m * N + n + 2, c2, c3, bias, n + 2, accumulate)
    }
    for (; n < N; n++) dotInto(C, A, B, m, n, N, K, bias, accumulate)
  }
}

const round = (C: Vec, x: number): number => (C instanceof Float32Array ? Math.fround(x) : x)

function store (C: Vec, i: number, c0: number, c1: number, bias: Vec | null, n: number, accumulate: boolean): void {
  if (bias !== null) { c0 += bias[n]; c1 += bias[n + 1] }
  if (accumulate) { c0 = round(C, c0) + C[i]; c1 = round(C, c1) + C[i + 1] }
  C[i] = c0; C[i + 1] = c1
}

function dotInto (C: Vec, A: Vec, B: Vec, m: number, n: number, N: number, K: number, bias: Vec | null, accumulate: boolean): void {
  const a = m * K, b = n * K
  let c = 0
  for (let k = 0; k < K; k++) c += A[a + k] * B[b + k]
  if (bias !== null) c += bias[n]
  if (accumulate) c = round(C, c) + C[m * N + n]
  C[m * N + n] = c
}

function transpose (dst: Vec, src: Vec, rows: number, cols: number): void {
  // 8×8 tiles keep both sides in cache for wide matrices
  for (let r0 = 0; r0 < rows; r0 += 8) {
    const r1 = Math.min(r0 + 8, rows)
    for (let c0 = 0; c0 < cols; c0 += 8) {
      const c1 = Math.min(c0 + 8, cols)
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c]
    }
  }
}

function addColumnSums (out: Vec, A: Vec, M: number, N: number): void {
  for (let n = 0; n < N; n++) {
    let s = 0
    for (let m = 0; m < M; m++) s += A[m * N + n]
    out[n] += round(out, s)
  }
}

// ---- element-wise passes: the activations' own loops, and the optimisers' updates ---------------

function activate (name: ActivationName, a: Vec, z: Vec, n: number, alpha: number): void {
  activations[name].forward(a, z, n, alpha)
}

function activateBackward (name: ActivationName, d: Vec, z: Vec, a: Vec, n: number, alpha: number): void {
  activations[name].backward(d, z, a, n, alpha)
}

function sgdUpdate (p: Vec, g: Vec, n: number, lr: number): void {
  for (let i = 0; i < n; i++) p[i] -= lr * g[i]
}

// PyTorch's forms: lr scales the velocity at use (a schedule acts at once); Nesterov folds the look-ahead into the gradient
function momentumUpdate (p: Vec, g: Vec, v: Vec, n: number, lr: number, mu: number, nesterov: boolean): void {
  if (nesterov) {
    for (let i = 0; i < n; i++) {
      v[i] = mu * v[i] + g[i]
      p[i] -= lr * (g[i] + mu * v[i])
    }
  } else {
    for (let i = 0; i < n; i++) {
      v[i] = mu * v[i] + g[i]
      p[i] -= lr * v[i]
    }
  }
}

// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·m̂/(√v̂ + ε), m̂ = m/bc1, v̂ = v/bc2
function adamUpdate (p: Vec, g: Vec, m: Vec, v: Vec, n: number, { lr, beta1, beta2, epsilon, bc1, bc2, decay }: AdamStep): void {
  if (decay === null) {
    for (let i = 0; i < n; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i]
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
      p[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + epsilon)
    }
    return
  }
  const { weightDecay, mask } = decay
  for (let i = 0; i < n; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i]
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
    // the decay reads p before this step's update, as in llm.c's gpt2_update
    p[i] -= lr * ((m[i] / bc1) / (Math.sqrt(v[i] / bc2) + epsilon) + weightDecay * mask[i] * p[i])
  }
}

export const tsKernels: Kernels = {
  gemmNT, transpose, addColumnSums, activate, activateBackward, sgdUpdate, momentumUpdate, adamUpdate
}

/**
 * The `Kernels` of nn/ops.ts with every GEMM-shaped product in OpenBLAS (cblas_sgemm, or cblas_sgemv
 * for a single row where the kernels have no small-matrix sgemm), called on the caller's Float32Arrays in place: no packing or copying on our
 * side. BLAS takes transposed operands, so the backward products need no transposes either
 * (gemmTN, gemmNN). The element-wise passes stay with the set they are fastest in (`passes`:
 * WebAssembly where the runtime has SIMD). Float64 operands (gradient checks) go to the ts loops.
 *
 * Rounding: OpenBLAS sums in float32 lanes, in an order fixed by the shape and the CPU's kernels, so
 * results differ from the ts reference within the float32 summation bound and are reproducible on a
 * given machine. Accumulation is β = 1 onto C, i.e. fl(C + fl(Σ)) when K fits one block of OpenBLAS's
 * K loop (the backward ∂W products have K = shard rows ≤ 64), the same as adding separate shard
 * buffers in order: the engine's result does not depend on the thread count.
 */
import { tsKernels, type Kernels } from '../nn/ops.js'
import type { Vec } from '../nn/vec.js'
import { NO_TRANS, ROW_MAJOR, TRANS, type Blas } from './blas-library.js'
import { BLOCKS_BELOW_ROWS, hasSmallMatrixSgemm, smallMatrixRows } from './small-matrix.js'

export interface BlasKernels extends Kernels {
  readonly blas: Blas
}

const isF32 = (v: Vec): v is Float32Array => v instanceof Float32Array

/** Native code reads and writes whatever it is told to: every operand's size is checked first. */
function check (name: string, v: Vec, n: number): void {
  if (v.length < n) throw new RangeError(`${name} holds ${v.length} values; the shape needs ${n}`)
}

/**
 * C (M×N) = bias in every row, so that a β = 1 product adds onto it: the first row set, then copied
 * onto the next rows in doubling spans (memmove). An element loop ran 2.6 ns a value, 670 µs for
 * 1,024 rows of 256 (W1's first layer, a 1,024-row batch: 7% of its forward) and 44 µs for a 64-row
 * shard; the copies take 46 and 2.5 µs (bench/kernels.ts, 2026-11-30).
 */
export function fillRows (C: Float32Array, bias: Vec, M: number, N: number): void {
  if (M === 0 || N === 0) return
  C.set(bias.length === N ? bias : bias.subarray(0, N), 0)
  for (let done = 1; done < M;) {
    const n = Math.min(done, M - done)
    C.copyWithin(done * N, 0, n * N)
    done += n
  }
}

/** Products through `blas`; `passes` supplies the element-wise kernels (and the float64 fallbacks). */
export function createBlasKernels (blas: Blas, passes: Kernels = tsKernels): BlasKernels {
  const smallMatrix = hasSmallMatrixSgemm(blas.core)
  function gemmNT (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, bias: Vec | null, accumulate: boolean): void {
    if (!isF32(C) || !isF32(A) || !isF32(B)) { tsKernels.gemmNT(C, A, B, M, N, K, bias, accumulate); return }
    if (M === 0 || N === 0) return
    check('C', C, M * N); check('A', A, M * K); check('B', B, N * K)
    let beta = accumulate ? 1 : 0
    if (bias !== null) {
      check('bias', bias, N)
      if (accumulate) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) C[m * N + n] += bias[n]
      else fillRows(C, bias, M, N)
      beta = 1
    }
    if (K === 0) { if (beta === 0) C.fill(0, 0, M * N); return }
    // a few rows (a prediction's micro-batch): in blocks OpenBLAS's small-matrix path takes, rather
    // than one call that packs all of B (small-matrix.ts); the rows of C are independent products
    const block = smallMatrix && M < BLOCKS_BELOW_ROWS ? smallMatrixRows(N, K) : 0
    if (block > 0 && M > block) {
      for (let r = 0; r < M; r += block) product(C.subarray(r * N), A.subarray(r * K), B, Math.min(block, M - r), N, K, beta)
    } else product(C, A, B, M, N, K, beta)
  }

  /**
   * C (M×N) = A·Bᵀ + β·C in one call. One row (a single prediction) goes to the small-matrix sgemm where
   * the kernels have it and its permit takes the shape, else as y = B·x (sgemv), which reads B once where
   * a packed 1-row GEMM would pack all of it. With the Cooperlake kernels the small-matrix call took W1's
   * 784→256 row in 7.4 µs against sgemv's 8.5 (W3's one row 12.8 → 11.6 µs), and it is the kernel a
   * micro-batch of a few rows runs, so a row alone and in a micro-batch sum alike.
   */
  function product (C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, beta: number): void {
    if (M === 1 && !(smallMatrix && smallMatrixRows(N, K) >= 1)) blas.sgemv(ROW_MAJOR, NO_TRANS, N, K, 1, B, K, A, 1, beta, C, 1)
    else blas.sgemm(ROW_MAJOR, NO_TRANS, TRANS, M, N, K, 1, A, K, B, K, beta, C, N)
  }

  /** C (M×N) (+)= op(A)·B with B K×N as stored; op(A) = Aᵀ (A is K×M) for TRANS, A (M×K) for NO_TRANS. */
  function gemmAB (ta: number, C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, accumulate: boolean): void {
    if (!isF32(C) || !isF32(A) || !isF32(B)) throw new RangeError('the transposed-operand products take float32 operands')
    if (M === 0 || N === 0) return
    check('C', C, M * N); check('A', A, K * M); check('B', B, K * N)
    if (K === 0) { if (!accumulate) C.fill(0, 0, M * N); return }
    blas.sgemm(ROW_MAJOR, ta, NO_TRANS, M, N, K, 1, A, ta === TRANS ? M : K, B, N, accumulate ? 1 : 0, C, N)
  }

  /** ∂W += δᵀ·a(l−1) with no transposed copies */
  const gemmTN = (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, accumulate: boolean): void => gemmAB(TRANS, C, A, B, M, N, K, accumulate)
  /** δ(l−1) = δ(l)·W(l) with W as stored */
  const gemmNN = (C: Vec, A: Vec, B: Vec, M: number, N: number, K: number, accumulate: boolean): void => gemmAB(NO_TRANS, C, A, B, M, N, K, accumulate)

  // ---- element-wise, in place (no copies in and out, unlike the wasm passes) ----------------------

  function scal (x: Float32Array, n: number, alpha: number): void {
    check('x', x, n)
    if (n > 0) blas.sscal(n, alpha, x, 1)
  }

  function axpy (y: Float32Array, x: Float32Array, n: number, alpha: number): void {
    check('y', y, n); check('x', x, n)
    if (n > 0) blas.saxpy(n, alpha, x, 1, y, 1)
  }

  /** p ← p − lr·g as saxpy: one pass over p and g where they are */
  function sgdUpdate (p: Vec, g: Vec, n: number, lr: number): void {
    if (!isF32(p) || !isF32(g)) { passes.sgdUpdate(p, g, n, lr); return }
    axpy(p, g, n, -lr)
  }

  const { transpose, addColumnSums, activate, activateBackward, momentumUpdate, adamUpdate } = passes
  return { gemmNT, gemmTN, gemmNN, scal, axpy, transpose, addColumnSums, activate, activateBackward, sgdUpdate, momentumUpdate, adamUpdate, blas }
}

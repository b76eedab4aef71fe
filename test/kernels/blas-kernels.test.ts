import { describe, it, expect } from 'vitest'
import { fillRows } from '../../src/kernels/blas-kernels.js'
import { createBlasKernels, loadBlas, BlasUnavailable, selectKernels, chooseKernels, type BlasKernels } from '../../src/kernels/index.js'
import { tsKernels } from '../../src/nn/ops.js'
import { Rng } from '../../src/nn/random.js'
import { backward, createNetwork, createWorkspace, forward } from '../../src/nn/network.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { BLOCKS_BELOW_ROWS, hasSmallMatrixSgemm, smallMatrixRows } from '../../src/kernels/small-matrix.js'

// OpenBLAS sums in float32 (one rounding per term, in an order of its own), the ts reference in
// float64 rounded once, so |blas − ts| ≤ (K + 4)·2⁻²⁴·(Σ_k |a_k·b_k| + |bias| + |C_old|): the float32
// summation bound of K + 2 roundings on the BLAS side plus the two of the reference.
const U = 2 ** -24
const rng = new Rng(11)
const randoms = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1)
const transposed = (src: Float32Array, rows: number, cols: number): Float32Array => {
  const dst = new Float32Array(rows * cols)
  tsKernels.transpose(dst, src, rows, cols)
  return dst
}

const lib = loadBlas()
if (lib instanceof BlasUnavailable) throw new Error(`these tests need OpenBLAS (apt-get install libopenblas0): ${lib.message}`)
const blas: BlasKernels = createBlasKernels(lib)

/** Checks C against the ts gemmNT of the same (A, B in NT layout) within the bound; returns the max |diff|. */
function expectWithinBound (C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, bias: Float32Array | null, C0: Float32Array | null): number {
  const want = C0 === null ? new Float32Array(M * N) : C0.slice()
  tsKernels.gemmNT(want, A, B, M, N, K, bias, C0 !== null)
  let worst = 0
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = Math.abs(bias?.[n] ?? 0) + Math.abs(C0?.[m * N + n] ?? 0)
      for (let k = 0; k < K; k++) s += Math.abs(A[m * K + k] * B[n * K + k])
      const d = Math.abs(C[m * N + n] - want[m * N + n])
      if (!(d <= (K + 4) * U * s)) throw new Error(`C[${m}][${n}] of ${M}×${N}×${K}: |${C[m * N + n]} − ${want[m * N + n]}| exceeds the float32 bound`)
      worst = Math.max(worst, d)
    }
  }
  return worst
}

const SIZES = [1, 3, 17, 129]

describe('products of a few rows in blocks for OpenBLAS\'s small-matrix sgemm', () => {
  it('block sizes follow its permit (M\'·N\'·K ≤ 10⁶, M\'·N\' ≤ 1200, K ≥ 32), for the cores that have it', () => {
    expect(smallMatrixRows(256, 784)).toBe(4) // W1's first layer: 4·256 = 1024 ≤ 1200, 4·256·784 ≈ 803k
    expect(smallMatrixRows(128, 256)).toBe(9) // 9·128 = 1152; 10 rows would be 1280
    expect(smallMatrixRows(10, 128)).toBe(120)
    expect(smallMatrixRows(64, 31)).toBe(0) // K below 32: never
    expect(smallMatrixRows(1201, 64)).toBe(0) // one row already too large
    expect(smallMatrixRows(32, 40_000)).toBe(0) // 32·40,000 > 10⁶
    expect(['SkylakeX', 'Cooperlake', 'SapphireRapids'].map(hasSmallMatrixSgemm)).toEqual([true, true, true])
    expect(['Haswell', 'Zen', 'Prescott', 'Sandybridge', ''].map(hasSmallMatrixSgemm)).toEqual([false, false, false, false, false])
  })

  it('gemmNT in blocks gives each block\'s own product, within the float32 bound of the reference, whatever core the library has', () => {
    // a library reporting a core with the small-matrix path takes the blocked way on any machine
    const blocked = createBlasKernels({ ...lib, core: 'Cooperlake' })
    const N = 256, K = 784, block = smallMatrixRows(N, K)
    for (const M of [5, 6, 17, BLOCKS_BELOW_ROWS - 1]) {
      const A = randoms(M * K), B = randoms(N * K), bias = randoms(N), C0 = randoms(M * N)
      for (const [b, acc] of [[null, false], [bias, false], [null, true]] as const) {
        const C = acc ? C0.slice() : randoms(M * N)
        blocked.gemmNT(C, A, B, M, N, K, b, acc)
        expectWithinBound(C, A, B, M, N, K, b, acc ? C0 : null)
        // block by block through the same kernels (a block of at most `block` rows is one call): the same bits
        const want = acc ? C0.slice() : new Float32Array(M * N)
        for (let r = 0; r < M; r += block) {
          const m = Math.min(block, M - r)
          blocked.gemmNT(want.subarray(r * N, (r + m) * N), A.subarray(r * K, (r + m) * K), B, m, N, K, b, acc)
        }
        expect(Buffer.from(C.buffer).equals(Buffer.from(want.buffer))).toBe(true)
      }
    }
  })
})

describe('a single row\'s product', () => {
  /** The library with its sgemm and sgemv calls counted (and passed on): which one a product ran. */
  const counted = (core: string): { kernels: BlasKernels, calls: string[] } => {
    const calls: string[] = []
    const kernels = createBlasKernels({
      ...lib,
      core,
      sgemm: (...args: Parameters<typeof lib.sgemm>) => { calls.push('sgemm'); lib.sgemm(...args) },
      sgemv: (...args: Parameters<typeof lib.sgemv>) => { calls.push('sgemv'); lib.sgemv(...args) }
    })
    return { kernels, calls }
  }

  it('runs the small-matrix sgemm where the kernels have it and its permit takes the shape, else sgemv; within the float32 bound either way', () => {
    for (const [core, N, K, want] of [
      ['Cooperlake', 256, 784, 'sgemm'], ['SkylakeX', 10, 128, 'sgemm'], ['Cooperlake', 256, 16, 'sgemv'], ['Cooperlake', 1300, 64, 'sgemv'], ['Haswell', 256, 784, 'sgemv']
    ] as const) {
      const { kernels, calls } = counted(core)
      const A = randoms(K), B = randoms(N * K), bias = randoms(N)
      const C = new Float32Array(N)
      kernels.gemmNT(C, A, B, 1, N, K, bias, false)
      expect(calls, `${core} ${N}×${K}`).toEqual([want])
      expectWithinBound(C, A, B, 1, N, K, bias, null)
    }
  })
})

describe('fillRows: the bias in every row a forward product starts from', () => {
  it('writes bias[n] at every (m, n) of M×N and nothing past it, for row counts around each doubling', () => {
    for (const M of [0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1000]) {
      for (const N of [1, 3, 10, 256]) {
        // a bias longer than N (a view of a larger buffer) and float64 (gradient checks): its first N values, rounded to float32
        for (const bias of [randoms(N), randoms(N + 5), Float64Array.from(randoms(N), (v) => v / 3)]) {
          const C = new Float32Array(M * N + 7).fill(42)
          fillRows(C, bias, M, N)
          for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) if (C[m * N + n] !== Math.fround(bias[n])) throw new Error(`M ${M} N ${N}: C[${m}, ${n}] = ${C[m * N + n]}, want ${bias[n]}`)
          expect(Array.from(C.subarray(M * N))).toEqual(new Array(7).fill(42))
        }
      }
    }
  })
})

describe('blas kernels (OpenBLAS through koffi)', () => {
  it('the library loads with its CBLAS entry points, and auto picks it', () => {
    expect(lib.library).toMatch(/openblas/)
    expect(lib.core.length).toBeGreaterThan(0)
    expect(chooseKernels('auto')).toMatchObject({ requested: 'auto', active: 'blas' })
    expect(chooseKernels('auto').fallback).toBeUndefined()
    expect(selectKernels('blas')).toHaveProperty('blas')
  })

  it('gemmNT matches the ts reference within the float32 bound on odd shapes (1, 3, 17, 129, 784), with bias and accumulation', () => {
    let checked = 0
    for (const M of SIZES) for (const N of SIZES) for (const K of [1, 3, 17, 129, 784]) {
      if (M * N * K > 129 * 129 * 129) continue
      const A = randoms(M * K), B = randoms(N * K), bias = randoms(N), C0 = randoms(M * N)
      for (const [b, acc] of [[null, false], [bias, false], [null, true]] as const) {
        const C = acc ? C0.slice() : randoms(M * N) // garbage in C must not leak into a non-accumulating product
        blas.gemmNT(C, A, B, M, N, K, b, acc)
        expectWithinBound(C, A, B, M, N, K, b, acc ? C0 : null)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(150)
  })

  it('W1 shapes (784→256 over 32 rows, one row) agree within the bound and are not simply the ts result', () => {
    let worst = 0
    for (const [M, N, K] of [[32, 256, 784], [1, 256, 784], [128, 10, 128]]) {
      const A = randoms(M * K), B = randoms(N * K), bias = randoms(N), C = new Float32Array(M * N)
      blas.gemmNT(C, A, B, M, N, K, bias, false)
      worst = Math.max(worst, expectWithinBound(C, A, B, M, N, K, bias, null))
    }
    expect(worst).toBeGreaterThan(0) // float32 lanes: a different (bounded) rounding, so the test can tell them apart
  })

  it('gemmTN (C += Aᵀ·B) and gemmNN (C = A·B) take the operands as stored, within the same bound', () => {
    for (const M of SIZES) for (const N of [1, 17, 129]) for (const K of [1, 3, 32]) {
      const At = randoms(K * M), B = randoms(K * N), C0 = randoms(M * N)
      const C = C0.slice()
      blas.gemmTN!(C, At, B, M, N, K, true)
      // NT layout for the reference: A is M×K (= Atᵀ), B is N×K (= Bᵀ)
      expectWithinBound(C, transposed(At, K, M), transposed(B, K, N), M, N, K, null, C0)

      const A = randoms(M * K), W = randoms(K * N), D = randoms(M * N)
      blas.gemmNN!(D, A, W, M, N, K, false)
      expectWithinBound(D, A, transposed(W, K, N), M, N, K, null, null)
    }
  })

  it('scal, axpy and the SGD update run in place and round as one float32 operation per element', () => {
    const n = 1029
    const x = randoms(n), y = randoms(n), g = randoms(n)
    const sx = x.slice(), sy = y.slice(), p = y.slice()
    blas.scal!(sx, n, 1 / 29)
    blas.axpy!(sy, x, n, 1)
    blas.sgdUpdate(p, g, n, 0.05)
    const f = Math.fround
    for (let i = 0; i < n; i++) {
      expect(Math.abs(sx[i] - x[i] / 29)).toBeLessThanOrEqual(2 * U * Math.abs(x[i] / 29)) // 1/29 rounded to float32, then the product
      expect(sy[i]).toBe(f(y[i] + x[i])) // α = 1: exactly the float32 sum, as the shard reduction's loop gives
      expect(Math.abs(p[i] - (y[i] - 0.05 * g[i]))).toBeLessThanOrEqual(2 * U * (Math.abs(y[i]) + Math.abs(0.05 * g[i])))
    }
  })

  it('works in place on views into a SharedArrayBuffer: results land in the view, the neighbours are untouched', () => {
    const sab = new Float32Array(new SharedArrayBuffer(4 * 4096)).fill(7)
    const M = 5, N = 9, K = 13
    const A = sab.subarray(3, 3 + M * K), B = sab.subarray(101, 101 + N * K), C = sab.subarray(1001, 1001 + M * N)
    A.set(randoms(M * K)); B.set(randoms(N * K))
    blas.gemmNT(C, A, B, M, N, K, null, false)
    expectWithinBound(C, A, B, M, N, K, null, null)
    expect(sab[1000]).toBe(7)
    expect(sab[1001 + M * N]).toBe(7)
  })

  it('refuses operands shorter than the shape (native code would read past them) and sends float64 to the ts loops', () => {
    const A = randoms(12), B = randoms(12), C = new Float32Array(15)
    expect(() => blas.gemmNT(C, A, B, 4, 4, 3, null, false)).toThrow(/C holds 15 values; the shape needs 16/)
    expect(() => blas.gemmNT(new Float32Array(16), A.subarray(0, 11), B, 4, 4, 3, null, false)).toThrow(RangeError)
    expect(() => blas.gemmTN!(new Float32Array(16), A, B, 4, 4, 4, false)).toThrow(/A holds 12 values; the shape needs 16/)
    const A64 = Float64Array.from(A), B64 = Float64Array.from(B), C64 = new Float64Array(16), want = new Float64Array(16)
    blas.gemmNT(C64, A64, B64, 4, 4, 3, null, false)
    tsKernels.gemmNT(want, A64, B64, 4, 4, 3, null, false)
    expect(Array.from(C64)).toEqual(Array.from(want))
  })

  it('a network forward and backward through blas match the ts kernels within float32 tolerance', () => {
    const spec: NetworkSpec = { inputs: 17, layers: [{ units: 129, activation: 'relu' }, { units: 3, activation: 'tanh' }], output: { units: 4, activation: 'softmax' } }
    const net = createNetwork(spec, { seed: 2 })
    const B = 17
    const x = randoms(B * 17), y = new Float32Array(B * 4)
    for (let r = 0; r < B; r++) y[r * 4 + (r % 4)] = 1
    const run = (k: typeof tsKernels): { out: Float32Array, g: Float32Array } => {
      const ws = createWorkspace(net, B)
      const out = Float32Array.from(forward(net, ws, x, B, k))
      const g = new Float32Array(net.params.length)
      backward(net, ws, x, y, B, g, k)
      return { out, g }
    }
    const a = run(selectKernels('blas')), b = run(tsKernels)
    for (let i = 0; i < a.out.length; i++) expect(Math.abs(a.out[i] - b.out[i])).toBeLessThan(1e-5)
    let scale = 0
    for (const v of b.g) scale = Math.max(scale, Math.abs(v))
    for (let i = 0; i < a.g.length; i++) expect(Math.abs(a.g[i] - b.g[i])).toBeLessThan(1e-5 * Math.max(1, scale))
  })
})

import { describe, it, expect } from 'vitest'
import { createWasmKernels, wasmSupport } from '../../src/kernels/wasm-kernels.js'
import { selectKernels } from '../../src/kernels/index.js'
import { tsKernels } from '../../src/nn/ops.js'
import { Rng } from '../../src/nn/random.js'
import { backward, createNetwork, createWorkspace, forward } from '../../src/nn/network.js'
import { sequentialGradient } from '../../src/nn/gradient.js'
import { train, type TrainOptions } from '../../src/nn/train.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture } from '../support/fixtures.js'

// Tolerance: the wasm sum is float32 (one rounding per term), the ts sum float64 rounded once, so
// |wasm − ts| ≤ (K + 4)·2⁻²⁴·(Σ_k |a_k·b_k| + |bias| + |C_old|): the float32 summation bound of K + 2 roundings
// on the wasm side plus the two of the ts reference (it rounds the new sum before accumulating).
const U = 2 ** -24

const wasm = createWasmKernels()
const rng = new Rng(7)
const randoms = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1)
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

/** The bound above for each C[m][n]. */
function bound (A: Float32Array, B: Float32Array, M: number, N: number, K: number, bias: Float32Array | null, C0: Float32Array | null): Float64Array {
  const out = new Float64Array(M * N)
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = Math.abs(bias?.[n] ?? 0) + Math.abs(C0?.[m * N + n] ?? 0)
      for (let k = 0; k < K; k++) s += Math.abs(A[m * K + k] * B[n * K + k])
      out[m * N + n] = (K + 4) * U * s
    }
  }
  return out
}

/** The exact result plain SIMD must give: per output a float32 sum over k in order, then + bias, then + C. */
function float32Reference (C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, bias: Float32Array | null, accumulate: boolean): void {
  const f = Math.fround
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0
      for (let k = 0; k < K; k++) s = f(s + f(A[m * K + k] * B[n * K + k]))
      if (bias !== null) s = f(s + bias[n])
      if (accumulate) s = f(s + C[m * N + n])
      C[m * N + n] = s
    }
  }
}

const SIZES = [1, 3, 8, 17, 129]

describe('wasm kernels', () => {
  it('the runtime supports SIMD and the default variant is the one it validates', () => {
    expect(wasmSupport().simd).toBe(true)
    expect(wasm.variant).toBe(wasmSupport().relaxedSimd ? 'relaxed-simd' : 'simd')
  })

  it('gemmNT matches the ts kernels within the float32 bound on odd shapes, with and without bias and accumulation', () => {
    let checked = 0
    for (const M of SIZES) for (const N of SIZES) for (const K of [1, 3, 17, 129, 784]) {
      if (M * N * K > 129 * 129 * 129) continue
      const A = randoms(M * K), B = randoms(N * K), bias = randoms(N), C0 = randoms(M * N)
      for (const withBias of [false, true]) {
        for (const accumulate of [false, true]) {
          const want = C0.slice(), got = C0.slice()
          tsKernels.gemmNT(want, A, B, M, N, K, withBias ? bias : null, accumulate)
          wasm.gemmNT(got, A, B, M, N, K, withBias ? bias : null, accumulate)
          const tol = bound(A, B, M, N, K, withBias ? bias : null, accumulate ? C0 : null)
          for (let i = 0; i < M * N; i++) {
            if (!(Math.abs(got[i] - want[i]) <= tol[i])) {
              throw new Error(`M=${M} N=${N} K=${K} bias=${withBias} acc=${accumulate} [${i}]: wasm ${got[i]} vs ts ${want[i]} (tol ${tol[i]})`)
            }
          }
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(400)
  })

  it('plain SIMD gives exactly the in-order float32 sum, whatever the tile a row falls in', () => {
    const plain = createWasmKernels({ relaxedSimd: false })
    for (const [M, N, K] of [[5, 19, 33], [1, 8, 784], [9, 16, 1], [129, 17, 3]]) {
      const A = randoms(M * K), B = randoms(N * K), bias = randoms(N), C0 = randoms(M * N)
      const want = C0.slice(), got = C0.slice()
      float32Reference(want, A, B, M, N, K, bias, true)
      plain.gemmNT(got, A, B, M, N, K, bias, true)
      expect(bits(got)).toBe(bits(want))
    }
  })

  it('a row gives the same bits alone as inside a batch (4-row tiles and the 1-row tail agree)', () => {
    const M = 7, N = 13, K = 50
    const A = randoms(M * K), B = randoms(N * K), bias = randoms(N)
    const batch = new Float32Array(M * N)
    wasm.gemmNT(batch, A, B, M, N, K, bias, false)
    for (const m of [0, 3, 6]) {
      const one = new Float32Array(N)
      wasm.gemmNT(one, A.subarray(m * K, (m + 1) * K), B, 1, N, K, bias, false)
      expect(bits(one)).toBe(bits(batch.subarray(m * N, (m + 1) * N)))
    }
  })

  it('reads only the shape it is given from longer buffers and views, and grows its memory for big shapes', () => {
    const M = 3, N = 5, K = 4
    const A = randoms(M * K + 11), B = randoms(N * K + 7).subarray(7), C = new Float32Array(M * N + 4).fill(42)
    const want = C.slice()
    tsKernels.gemmNT(want, A, B, M, N, K, null, false)
    wasm.gemmNT(C, A, B, M, N, K, null, false)
    expect(Array.from(C.subarray(M * N))).toEqual([42, 42, 42, 42])
    for (let i = 0; i < M * N; i++) expect(C[i]).toBeCloseTo(want[i], 5)
    const big = 700, A2 = randoms(big * big), out = new Float32Array(big * big)
    wasm.transpose(out, A2, big, big)
    expect(out[1 * big + 699]).toBe(A2[699 * big + 1])
  })

  it('transpose is exact and addColumnSums within the float32 bound, on odd shapes', () => {
    for (const rows of SIZES) for (const cols of [1, 3, 17, 20, 129]) {
      const src = randoms(rows * cols)
      const want = new Float32Array(rows * cols), got = new Float32Array(rows * cols)
      tsKernels.transpose(want, src, rows, cols)
      wasm.transpose(got, src, rows, cols)
      expect(bits(got)).toBe(bits(want))
      const start = randoms(cols), sumsWant = start.slice(), sumsGot = start.slice()
      tsKernels.addColumnSums(sumsWant, src, rows, cols)
      wasm.addColumnSums(sumsGot, src, rows, cols)
      for (let n = 0; n < cols; n++) {
        let mag = Math.abs(start[n])
        for (let m = 0; m < rows; m++) mag += Math.abs(src[m * cols + n])
        expect(Math.abs(sumsGot[n] - sumsWant[n])).toBeLessThanOrEqual((rows + 2) * U * mag)
      }
    }
  })

  it('pinned weights are packed once: same bits as unpinned, and reused until pinned again', () => {
    const k = createWasmKernels()
    const M = 5, N = 11, K = 19
    const params = randoms(3 + 2 * N * K)
    const W1 = params.subarray(3, 3 + N * K), W2 = params.subarray(3 + N * K)
    const A = randoms(M * K), bias = randoms(N)
    const plain = [W1, W2].map((W) => { const C = new Float32Array(M * N); k.gemmNT(C, A, W, M, N, K, bias, false); return bits(C) })
    k.pin(params)
    for (let r = 0; r < 2; r++) {
      ;[W1, W2].forEach((W, i) => { const C = new Float32Array(M * N); k.gemmNT(C, A, W, M, N, K, bias, false); expect(bits(C)).toBe(plain[i]) })
    }
    W1[0] += 1
    const stale = new Float32Array(M * N)
    k.gemmNT(stale, A, W1, M, N, K, bias, false)
    expect(bits(stale)).toBe(plain[0])
    k.pin(params)
    const fresh = new Float32Array(M * N), unpinned = new Float32Array(M * N)
    k.gemmNT(fresh, A, W1, M, N, K, bias, false)
    wasm.gemmNT(unpinned, A, W1, M, N, K, bias, false)
    expect(bits(fresh)).not.toBe(plain[0])
    expect(bits(fresh)).toBe(bits(unpinned))
  })

  it('float64 operands go to the ts kernels unchanged', () => {
    const M = 3, N = 4, K = 5
    const A = Float64Array.from(randoms(M * K)), B = Float64Array.from(randoms(N * K))
    const want = new Float64Array(M * N), got = new Float64Array(M * N)
    tsKernels.gemmNT(want, A, B, M, N, K, null, false)
    wasm.gemmNT(got, A, B, M, N, K, null, false)
    expect(Array.from(got)).toEqual(Array.from(want))
  })

  it('selectKernels: ts is the reference, wasm the SIMD instance of this thread, auto and blas the OpenBLAS set (installed here)', () => {
    expect(selectKernels('ts')).toBe(tsKernels)
    expect(selectKernels('wasm')).toBe(selectKernels('wasm'))
    expect(selectKernels('wasm')).not.toBe(tsKernels)
    expect(selectKernels('auto')).toBe(selectKernels('blas'))
    expect(selectKernels('auto')).not.toBe(selectKernels('wasm'))
  })
})

describe('wasm kernels in the network', () => {
  const spec: NetworkSpec = {
    inputs: 17, layers: [{ units: 33, activation: 'relu' }, { units: 9, activation: 'tanh' }], output: { units: 5, activation: 'softmax' }
  }

  it('forward and backward match the ts kernels within float32 tolerance', () => {
    const net = createNetwork(spec, { seed: 5 })
    const B = 29
    const x = randoms(B * spec.inputs)
    const y = new Float32Array(B * 5)
    for (let r = 0; r < B; r++) y[r * 5 + (r % 5)] = 1
    const run = (k: typeof tsKernels): { out: Float32Array, grads: Float32Array } => {
      const ws = createWorkspace(net, B)
      const out = forward(net, ws, x, B, k).slice() as Float32Array
      const grads = new Float32Array(net.params.length)
      backward(net, ws, x, y, B, grads, k)
      return { out, grads }
    }
    const ts = run(tsKernels), w = run(wasm)
    for (let i = 0; i < ts.out.length; i++) expect(Math.abs(w.out[i] - ts.out[i])).toBeLessThan(1e-5)
    let scale = 0
    for (const g of ts.grads) scale = Math.max(scale, Math.abs(g))
    expect(scale).toBeGreaterThan(0.1)
    for (let i = 0; i < ts.grads.length; i++) expect(Math.abs(w.grads[i] - ts.grads[i])).toBeLessThan(1e-5 * scale)
  })

  it('training twice from the same seed with wasm kernels is bit-identical, and close to ts training', () => {
    const iris = classificationFixture('iris.csv').data
    const small: NetworkSpec = { inputs: 4, layers: [{ units: 16, activation: 'relu' }], output: { units: 3, activation: 'softmax' } }
    const opts: TrainOptions = { epochs: 15, batchSize: 40, seed: 3, optimizer: { type: 'sgd', learningRate: 0.1 } }
    const withWasm = { gradient: (n: Parameters<typeof sequentialGradient>[0], d: Parameters<typeof sequentialGradient>[1]) => sequentialGradient(n, d, wasm) }
    const a = train(small, iris, opts, withWasm), b = train(small, iris, opts, withWasm)
    expect(bits(a.params)).toBe(bits(b.params))
    const ref = train(small, iris, opts)
    expect(bits(a.params)).not.toBe(bits(ref.params))
    expect(Math.abs(a.history[14].loss - ref.history[14].loss)).toBeLessThan(1e-3)
  })
})

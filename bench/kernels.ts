/**
 * Kernel micro-benchmark: GFLOP/s of gemmNT, ts vs wasm, on the shapes a W1 shard (32 rows) and a
 * single-row prediction produce, plus the share of a wasm call spent copying operands in and out.
 * Then the element-wise passes (activations, optimiser updates), wasm timed with its copies in and out.
 * Median of 3 trials of ~150 ms each. Run: npx tsx bench/kernels.ts. Not part of `npm run bench`.
 */
import { tsKernels, type Kernels } from '../src/nn/ops.js'
import { createWasmKernels } from '../src/kernels/wasm-kernels.js'
import { fillRows } from '../src/kernels/blas-kernels.js'

const wasm = createWasmKernels()
const fill = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5)

/** Median over 3 trials of the seconds one call of fn takes. */
function time (fn: () => void): number {
  const trials: number[] = []
  for (let t = 0; t < 3; t++) {
    let reps = 0
    const start = performance.now()
    while (performance.now() - start < 150) { fn(); reps++ }
    trials.push((performance.now() - start) / 1000 / reps)
  }
  return trials.sort((a, b) => a - b)[1]
}

interface Shape { what: string, M: number, N: number, K: number, bias: boolean, acc: boolean }
const shapes: Shape[] = [
  { what: 'fwd 784→256', M: 32, N: 256, K: 784, bias: true, acc: false },
  { what: 'fwd 256→128', M: 32, N: 128, K: 256, bias: true, acc: false },
  { what: 'fwd 128→10', M: 32, N: 10, K: 128, bias: true, acc: false },
  { what: 'dW 256×784', M: 256, N: 784, K: 32, bias: false, acc: true },
  { what: 'dW 128×256', M: 128, N: 256, K: 32, bias: false, acc: true },
  { what: 'dz 128→256', M: 32, N: 256, K: 128, bias: false, acc: false },
  { what: 'predict 1 row 784→256', M: 1, N: 256, K: 784, bias: true, acc: false }
]

function gemm (k: Kernels, s: Shape, A: Float32Array, B: Float32Array, C: Float32Array, bias: Float32Array): () => void {
  return () => k.gemmNT(C, A, B, s.M, s.N, s.K, s.bias ? bias : null, s.acc)
}

console.log(`wasm variant: ${wasm.variant}`)
console.log('shape                      M×N×K          ts GF/s  wasm GF/s  ratio  copy share')
for (const s of shapes) {
  const { M, N, K } = s
  const A = fill(M * K), B = fill(N * K), C = new Float32Array(M * N), bias = fill(N)
  const flops = 2 * M * N * K
  const tTs = time(gemm(tsKernels, s, A, B, C, bias))
  const tWasm = time(gemm(wasm, s, A, B, C, bias))
  // the same bytes moved as the wasm call's copies: A, B, bias, C in (when accumulating) and C out
  const scratch = new Float32Array(M * K + N * K + N + 2 * M * N)
  const tCopy = time(() => {
    scratch.set(A, 0); scratch.set(B, M * K); scratch.set(bias, M * K + N * K)
    if (s.acc) scratch.set(C, M * K + N * K + N)
    C.set(scratch.subarray(0, M * N))
  })
  const gf = (t: number): string => (flops / t / 1e9).toFixed(2).padStart(8)
  console.log(`${s.what.padEnd(26)} ${`${M}×${N}×${K}`.padEnd(13)} ${gf(tTs)} ${gf(tWasm)}  ${(tTs / tWasm).toFixed(1).padStart(5)}×  ${(100 * tCopy / tWasm).toFixed(0).padStart(5)}%`)
}

// B pinned (weights fixed, as in prediction): packed once, so a call copies only A (and bias) in and C out
for (const s of [shapes[0], shapes[shapes.length - 1]]) {
  const { M, N, K } = s
  const A = fill(M * K), B = fill(N * K), C = new Float32Array(M * N), bias = fill(N)
  const tPlain = time(gemm(wasm, s, A, B, C, bias))
  wasm.pin(B)
  const tPinned = time(gemm(wasm, s, A, B, C, bias))
  wasm.unpin()
  const gf = (t: number): string => (2 * M * N * K / t / 1e9).toFixed(2)
  console.log(`pinned B, ${s.what} ${M}×${N}×${K}: wasm ${gf(tPlain)} → ${gf(tPinned)} GF/s (${(tPlain * 1e6).toFixed(1)} → ${(tPinned * 1e6).toFixed(1)} µs per call)`)
}

for (const [rows, cols] of [[32, 784], [32, 256]]) {
  const src = fill(rows * cols), dst = new Float32Array(rows * cols), out = new Float32Array(cols)
  const us = (t: number): string => `${(t * 1e6).toFixed(1)} µs`
  console.log(`transpose ${rows}×${cols}: ts ${us(time(() => tsKernels.transpose(dst, src, rows, cols)))}, wasm ${us(time(() => wasm.transpose(dst, src, rows, cols)))}; ` +
    `addColumnSums: ts ${us(time(() => tsKernels.addColumnSums(out, src, rows, cols)))}, wasm ${us(time(() => wasm.addColumnSums(out, src, rows, cols)))}`)
}

// element-wise passes on W1 shapes (a 32-row shard; the 235,146 parameters), ts vs wasm including copies
{
  const us = (t: number): string => `${(t * 1e6).toFixed(1).padStart(8)} µs`
  const row = (what: string, ts: () => void, w: () => void): void => {
    const a = time(ts), b = time(w)
    console.log(`${what.padEnd(34)} ts ${us(a)}  wasm ${us(b)}  ${(a / b).toFixed(2).padStart(5)}×`)
  }
  for (const [name, n] of [['relu', 32 * 256], ['tanh', 32 * 32], ['sigmoid', 32 * 128], ['softplus', 32 * 128], ['leaky_relu', 32 * 256], ['abs', 32 * 256], ['identity', 32 * 256], ['step', 32 * 256]] as const) {
    const z = fill(n), a = new Float32Array(n), d0 = fill(n), d = d0.slice()
    tsKernels.activate(name, a, z, n, 0.01)
    row(`${name} forward ${n}`, () => tsKernels.activate(name, a, z, n, 0.01), () => wasm.activate(name, a, z, n, 0.01))
    // d is reset before every call (in both timings): scaling it again and again would reach denormals
    row(`${name} backward ${n} (+ reset)`, () => { d.set(d0); tsKernels.activateBackward(name, d, z, a, n, 0.01) }, () => { d.set(d0); wasm.activateBackward(name, d, z, a, n, 0.01) })
  }
  const n = 235146
  const p = fill(n), g = fill(n).map((x) => x * 1e-3), m = new Float32Array(n), v = new Float32Array(n), mask = new Uint8Array(n).fill(1)
  const step = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, bc1: 0.1, bc2: 0.001, decay: null }
  row(`sgd ${n}`, () => tsKernels.sgdUpdate(p, g, n, 1e-9), () => wasm.sgdUpdate(p, g, n, 1e-9))
  row(`momentum ${n}`, () => tsKernels.momentumUpdate(p, g, v, n, 1e-9, 0.9, false), () => wasm.momentumUpdate(p, g, v, n, 1e-9, 0.9, false))
  row(`adam ${n}`, () => tsKernels.adamUpdate(p, g, m, v, n, step), () => wasm.adamUpdate(p, g, m, v, n, step))
  const decayed = { ...step, decay: { weightDecay: 0.01, mask } }
  row(`adamw ${n}`, () => tsKernels.adamUpdate(p, g, m, v, n, decayed), () => wasm.adamUpdate(p, g, m, v, n, decayed))
}

// the bias rows a blas forward product starts from (blas-kernels.ts fillRows): an element loop vs
// the first row copied onto the others in doubling spans
{
  const us = (t: number): string => `${(t * 1e6).toFixed(1).padStart(8)} µs`
  for (const [M, N] of [[1, 256], [64, 256], [256, 256], [1024, 256], [1024, 10]]) {
    const C = new Float32Array(M * N), bias = fill(N)
    const loop = (): void => { for (let m = 0, o = 0; m < M; m++, o += N) for (let n = 0; n < N; n++) C[o + n] = bias[n] }
    console.log(`bias rows ${M}×${N}`.padEnd(34) + ` loop ${us(time(loop))}  fillRows ${us(time(() => fillRows(C, bias, M, N)))}`)
  }
}

/**
 * One thread of the machine-ceiling figure (bench/ceiling.ts): W1's largest product, 128 rows ×
 * 784 inputs → 256 units, through the chosen kernels, over and over for a fixed time once every
 * thread is ready; posts the multiply-adds it did per second. No thread waits for another.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { selectKernels, type KernelName } from '../src/kernels/index.js'

const { kernels, seconds, start } = workerData as { kernels: KernelName, seconds: number, start: SharedArrayBuffer }
const M = 128, N = 256, K = 784
const k = selectKernels(kernels)
const A = new Float32Array(M * K).map((_, i) => (i % 13) / 13)
const B = new Float32Array(N * K).map((_, i) => (i % 7) / 7)
const C = new Float32Array(M * N)
for (let i = 0; i < 20; i++) k.gemmNT(C, A, B, M, N, K, null, false) // warm-up
const flag = new Int32Array(start)
Atomics.add(flag, 1, 1)
Atomics.wait(flag, 0, 0)
let calls = 0
const t0 = performance.now()
while (performance.now() - t0 < seconds * 1000) { k.gemmNT(C, A, B, M, N, K, null, false); calls++ }
parentPort?.postMessage((calls * M * N * K) / ((performance.now() - t0) / 1000))

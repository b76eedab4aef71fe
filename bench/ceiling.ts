/**
 * The machine's own ceiling for thread scaling: the same product run by 1 thread, then by 2
 * threads at once with no synchronisation at all. Their ratio is what two threads of this
 * machine can give to GEMM work (cores shared with other tenants, a shared cache and memory bus,
 * vCPUs that may be siblings of one physical core), and so an upper bound for the engine's scaling
 * on W1, whose time is mostly such products.
 */
import { Worker } from 'node:worker_threads'
import type { KernelName } from '../src/kernels/index.js'
import type { TrainingEngine } from '../src/engine/engine.js'
import { median, trainW1 } from './workloads.js'

async function run (threads: number, kernels: KernelName, seconds: number): Promise<number> {
  const start = new SharedArrayBuffer(8)
  const flag = new Int32Array(start)
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./ceiling-thread.mjs', import.meta.url), { workerData: { kernels, seconds, start } }))
  const results = workers.map((w) => new Promise<number>((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }))
  while (Atomics.load(flag, 1) < threads) await new Promise((resolve) => setTimeout(resolve, 5))
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
  const rates = await Promise.all(results)
  await Promise.all(workers.map((w) => w.terminate()))
  return rates.reduce((a, b) => a + b, 0)
}

/** Multiply-adds per second of W1's 128×784×256 product on 1 thread and on 2 at once, and their ratio. */
export async function machineCeiling (kernels: KernelName, seconds = 1): Promise<{ one: number, two: number, ratio: number }> {
  const one = await run(1, kernels, seconds)
  const two = await run(2, kernels, seconds)
  return { one, two, ratio: two / one }
}

/**
 * W1 training's own ceiling for 2 threads: two 1-thread W1 jobs at once on two of the engine's
 * threads (they share the machine and nothing else: no phases, no waits between them) against one
 * alone; samples per second of both together over one's. Lower than the product's ceiling above,
 * since a training step also gathers rows, runs the element-wise passes and the optimiser's update
 * over memory both threads contend for. What the engine's own 2-thread scaling on W1 is bounded by.
 */
export async function trainingCeiling (engine: TrainingEngine, kernels: KernelName): Promise<{ one: number, two: number, ratio: number }> {
  if (engine.pool.size < 2) throw new RangeError('the training ceiling needs an engine of 2 threads or more')
  // one alone, two at once, one, two, one: a single short run of either swings with the machine's
  // neighbours (a first try measured "2.23×", its one-thread run a fifth below the round's others)
  const alone: number[] = []
  const pairs: number[] = []
  for (let i = 0; i < 5; i++) {
    if (i % 2 === 0) alone.push((await trainW1(engine, 1, kernels)).samplesPerS)
    else pairs.push((await Promise.all([trainW1(engine, 1, kernels), trainW1(engine, 1, kernels)])).reduce((s, r) => s + r.samplesPerS, 0))
  }
  const one = median(alone)
  const two = pairs.reduce((s, v) => s + v, 0) / pairs.length
  return { one, two, ratio: two / one }
}

/**
 * How long a cache line takes to go from one thread's core to the other's and back, in ns: the main thread writes a
 * counter, a second thread spinning on it writes it into another line, the main thread spins until it reads it
 * there (the median of `rounds` runs of `trips` round trips each). A data-parallel minibatch moves its gradients and
 * weights between the cores (on W1, about 940 KB a minibatch); this is the latency each of those lines waits on,
 * the machine's and not the engine's (sub-100 ns on one socket's cores; VMs differ).
 */
export async function crossCoreRoundTrip (trips = 200_000, rounds = 3): Promise<number> {
  const shared = new SharedArrayBuffer(128)
  const a = new Int32Array(shared)
  const echo = new Worker(new URL('./line-echo.mjs', import.meta.url), { workerData: shared })
  await new Promise((resolve, reject) => { echo.once('message', resolve); echo.once('error', reject) })
  const each: number[] = []
  let n = 0
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < trips; i++) {
      Atomics.store(a, 0, ++n)
      while (Atomics.load(a, 16) !== n) { /* the other core's write */ }
    }
    each.push(Number(process.hrtime.bigint() - start) / trips)
  }
  Atomics.store(a, 0, -1)
  await echo.terminate()
  return median(each)
}


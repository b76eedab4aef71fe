/**
 * The workloads of shared BENCHMARKS.md, each measured once per call (the callers repeat and take
 * medians): W1 training (784-256-128-10), W2 training on the real digits, W3 prediction on the W1
 * network. Speed is measured here, never in a test.
 */
import type { TrainingEngine } from '../src/engine/engine.js'
import type { PhaseTimes } from '../src/engine/phase-times.js'
import { Rng } from '../src/nn/random.js'
import { createNetwork, createWorkspace, forward, predict, type Network } from '../src/nn/network.js'
import { splitRows, classLabels, takeRows, type Dataset } from '../src/nn/dataset.js'
import type { NetworkSpec } from '../src/nn/spec.js'
import type { TrainOptions } from '../src/nn/train.js'
import { loadDigits } from './digits.js'
import { pinnedKernels, type KernelName } from '../src/kernels/index.js'

export type Threads = number | 'auto'

export const W1: NetworkSpec = { inputs: 784, layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }
const W2: NetworkSpec = { inputs: 64, layers: [{ units: 32, activation: 'tanh' }], output: { units: 10, activation: 'softmax' } }

export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

let w1: Dataset | undefined
function w1Data (): Dataset {
  if (w1) return w1
  const rows = 8192, I = 784, K = 10
  const rng = new Rng(1)
  const x = new Float32Array(rows * I).map(() => rng.next())
  const y = new Float32Array(rows * K)
  for (let r = 0; r < rows; r++) y[r * K + rng.int(K)] = 1
  return (w1 = { x, y, rows, inputs: I, outputs: K })
}

export interface TrainRun { samplesPerS: number, params: Float32Array | Float64Array, used: number, phases?: PhaseTimes }

/** samples/s over the epochs after the first (the warm-up), timed on the caller's clock as epochs finish */
async function timedTraining (engine: TrainingEngine, spec: NetworkSpec, data: Dataset, opts: TrainOptions, threads: Threads, kernels: KernelName, phaseTimes = false): Promise<TrainRun> {
  const marks: number[] = []
  const r = await engine.train(spec, data, { ...opts, threads, kernels, phaseTimes }, { onEpoch: () => marks.push(performance.now()) })
  const timedEpochs = marks.length - 1
  const rowsPerEpoch = Math.round(data.rows * (1 - (opts.validationSplit ?? 0)))
  return { samplesPerS: timedEpochs * rowsPerEpoch / ((marks[marks.length - 1] - marks[0]) / 1000), params: r.params, used: r.threads, ...(r.phases ? { phases: r.phases } : {}) }
}

/** W1: SGD lr 0.05, batch 128, one warm-up epoch and 3 timed; `phaseTimes`: with the engine's phase times (engine/phase-times.ts) */
export function trainW1 (engine: TrainingEngine, threads: Threads, kernels: KernelName, phaseTimes = false): Promise<TrainRun> {
  const opts: TrainOptions = { epochs: 4, batchSize: 128, seed: 1, shuffle: true, optimizer: { type: 'sgd', learningRate: 0.05 } }
  return timedTraining(engine, W1, w1Data(), opts, threads, kernels, phaseTimes)
}

/** Per-minibatch means (µs) of phase times summed over jobs: where the scaling's jobs spent their minibatches. */
export interface PhaseMeans { computeUs: number, computeWaitUs: number, reduceUs: number, betweenUs: number }
function phaseMeans (all: PhaseTimes[]): PhaseMeans {
  const n = all.reduce((s, p) => s + p.minibatches, 0)
  const mean = (key: keyof PhaseMeans): number => all.reduce((s, p) => s + p[key], 0) / Math.max(1, n)
  return { computeUs: mean('computeUs'), computeWaitUs: mean('computeWaitUs'), reduceUs: mean('reduceUs'), betweenUs: mean('betweenUs') }
}

/**
 * W1's 2-thread scaling from jobs next to each other in time: 1 thread, 2, 2, 1 (ABBA, so a drift
 * of the machine's speed weighs on both sides alike), `cycles` times; samples/s of each side, averaged.
 * On a shared host the machine's own speed swings by half within seconds (a 64-row shard took
 * 1,150–1,500 µs, then 2,060–2,140 µs on both threads at once for a second or more; traced per
 * shard, 2026-11-30), so a 1-thread and a 2-thread job a PyTorch run apart (several seconds) compared
 * two machine states as often as the engine's two thread counts.
 */
export async function w1Scaling (engine: TrainingEngine, kernels: KernelName, cycles = 2): Promise<{ one: number, two: number, phases: { one: PhaseMeans, two: PhaseMeans } }> {
  let one = 0, two = 0
  const phases: { one: PhaseTimes[], two: PhaseTimes[] } = { one: [], two: [] }
  for (let i = 0; i < cycles; i++) {
    for (const t of [1, 2, 2, 1]) {
      const r = await trainW1(engine, t, kernels, true)
      if (t === 1) one += r.samplesPerS / (2 * cycles)
      else two += r.samplesPerS / (2 * cycles)
      if (r.phases) phases[t === 1 ? 'one' : 'two'].push(r.phases)
    }
  }
  return { one, two, phases: { one: phaseMeans(phases.one), two: phaseMeans(phases.two) } }
}

let digits: { train: Dataset, test: Dataset } | undefined
function digitsSplit (): { train: Dataset, test: Dataset } {
  if (digits) return digits
  const all = loadDigits()
  const split = splitRows(all.rows, 0.2, new Rng(42), classLabels(W2, all))
  return (digits = { train: takeRows(all, split.train), test: takeRows(all, split.holdout) })
}

/** W2: SGD lr 0.1, batch 32, 100 timed epochs after one warm-up; also the test accuracy of the result */
export async function trainW2 (engine: TrainingEngine, threads: Threads, kernels: KernelName): Promise<TrainRun & { accuracy: number }> {
  const { train, test } = digitsSplit()
  const opts: TrainOptions = { epochs: 101, batchSize: 32, seed: 1, optimizer: { type: 'sgd', learningRate: 0.1 } }
  const r = await timedTraining(engine, W2, train, opts, threads, kernels)
  const out = predict(createNetwork(W2, { params: r.params }), test.x, test.rows)
  let correct = 0
  for (let i = 0; i < test.rows; i++) {
    let p = 0, t = 0
    for (let k = 1; k < 10; k++) { if (out[i * 10 + k] > out[i * 10 + p]) p = k; if (test.y[i * 10 + k] > test.y[i * 10 + t]) t = k }
    if (p === t) correct++
  }
  return { ...r, accuracy: correct / test.rows }
}

/** The W1 network and 1,024 rows in shared memory (as the API builds request rows, so the pool reads them without a copy). */
export function w3Setup (): { net: Network, rows: Float32Array } {
  const net = createNetwork(W1, { seed: 1 })
  const rng = new Rng(3)
  const rows = new Float32Array(new SharedArrayBuffer(4 * 1024 * 784))
  for (let i = 0; i < rows.length; i++) rows[i] = rng.next()
  return { net, rows }
}

/**
 * W3's batch is timed as the peer times it (shared/peers/bench_torch.py: 5 calls of warm-up, then 50):
 * 5 or 10 timed calls (18–35 ms) let one stall of the machine move the figure by a quarter (the
 * 2-thread pool batch read 160,000–300,000 rows/s across one run's rounds, 2026-11-30)
 */
const BATCH_WARMUP = 5
const BATCH_REPS = 50

/** W3 in process: one row at a time (median and p99 of 10,000 calls, µs) and a batch of 1,024 rows (rows/s) */
export function predictW3 (net: Network, rows: Float32Array, kernels: KernelName): { medianUs: number, p99Us: number, rowsPerS: number } {
  // the model's own kernels, as the predictor holds them (wasm: weights packed once)
  const k = pinnedKernels(kernels, net.params as Float32Array)
  const one = createWorkspace(net, 1)
  const times: number[] = []
  for (let i = 0; i < 500; i++) forward(net, one, rows.subarray((i % 1024) * 784, (i % 1024 + 1) * 784), 1, k)
  for (let i = 0; i < 10_000; i++) {
    const t = performance.now()
    forward(net, one, rows.subarray((i % 1024) * 784, (i % 1024 + 1) * 784), 1, k)
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const ws = createWorkspace(net, 1024)
  for (let i = 0; i < BATCH_WARMUP; i++) predict(net, rows, 1024, ws, k)
  const t = performance.now()
  for (let i = 0; i < BATCH_REPS; i++) predict(net, rows, 1024, ws, k)
  return { medianUs: times[5000] * 1000, p99Us: times[9900] * 1000, rowsPerS: BATCH_REPS * 1024 / ((performance.now() - t) / 1000) }
}

/** W3's batch of 1,024 rows through the engine's pool, split by rows over `threads` (rows/s) */
export async function predictW3Pool (engine: TrainingEngine, net: Network, rows: Float32Array, threads: number, kernels: KernelName): Promise<number> {
  for (let i = 0; i < BATCH_WARMUP; i++) await engine.predict(W1, net.params as Float32Array, rows, 1024, { threads, kernels })
  const t = performance.now()
  for (let i = 0; i < BATCH_REPS; i++) await engine.predict(W1, net.params as Float32Array, rows, 1024, { threads, kernels })
  return BATCH_REPS * 1024 / ((performance.now() - t) / 1000)
}

/**
 * npm run bench -- [--workload W1,W2,W3] [--threads 1,2,auto] [--kernels ts,wasm] [--repeat 3] [--json]
 * The workloads of shared BENCHMARKS.md; each figure is the median of --repeat runs. Speed is
 * measured here, never in a test.
 */
import { parseArgs } from 'node:util'
import { TrainingEngine } from '../src/engine/engine.js'
import { Rng } from '../src/nn/random.js'
import { createNetwork, createWorkspace, forward, predict } from '../src/nn/network.js'
import { splitRows, classLabels, takeRows, type Dataset } from '../src/nn/dataset.js'
import type { NetworkSpec } from '../src/nn/spec.js'
import type { TrainOptions } from '../src/nn/train.js'
import { loadDigits } from './digits.js'
import { selectKernels, createWasmKernels, type KernelName } from '../src/kernels/index.js'
import type { Kernels } from '../src/nn/ops.js'

interface Figure { workload: string, threads: number | string, kernels: string, metric: string, value: number }

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'W1,W2,W3' },
    threads: { type: 'string', default: '1,2,auto' },
    repeat: { type: 'string', default: '3' },
    kernels: { type: 'string', default: 'ts,wasm' },
    json: { type: 'boolean', default: false }
  }
})
const workloads = values.workload.split(',')
const threadList = values.threads.split(',').map((t) => (t === 'auto' ? 'auto' as const : Number(t)))
const repeat = Number(values.repeat)
const kernelList = values.kernels.split(',') as KernelName[]
let kernels: KernelName = 'ts'
const figures: Figure[] = []
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const report = (f: Figure): void => {
  figures.push(f)
  if (values.json) console.log(JSON.stringify(f))
}

const W1: NetworkSpec = { inputs: 784, layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }

function w1Data (): Dataset {
  const rows = 8192, I = 784, K = 10
  const rng = new Rng(1)
  const x = new Float32Array(rows * I).map(() => rng.next())
  const y = new Float32Array(rows * K)
  for (let r = 0; r < rows; r++) y[r * K + rng.int(K)] = 1
  return { x, y, rows, inputs: I, outputs: K }
}

/** samples/s over the epochs after the first (the warm-up), timed on the caller's clock as epochs finish */
async function timedTraining (engine: TrainingEngine, spec: NetworkSpec, data: Dataset, opts: TrainOptions, threads: number | 'auto'): Promise<{ samplesPerS: number, params: Float32Array | Float64Array, used: number }> {
  const marks: number[] = []
  const r = await engine.train(spec, data, { ...opts, threads, kernels }, { onEpoch: () => marks.push(performance.now()) })
  const timedEpochs = marks.length - 1
  const rowsPerEpoch = Math.round(data.rows * (1 - (opts.validationSplit ?? 0)))
  return { samplesPerS: timedEpochs * rowsPerEpoch / ((marks[marks.length - 1] - marks[0]) / 1000), params: r.params, used: r.threads }
}

async function runW1 (engine: TrainingEngine): Promise<void> {
  const data = w1Data()
  const opts: TrainOptions = { epochs: 4, batchSize: 128, seed: 1, shuffle: true, optimizer: { type: 'sgd', learningRate: 0.05 } }
  for (const threads of threadList) {
    const runs = []
    let used = 0
    for (let i = 0; i < repeat; i++) { const r = await timedTraining(engine, W1, data, opts, threads); runs.push(r.samplesPerS); used = r.used }
    report({ workload: 'W1', threads: threads === 'auto' ? `auto(${used})` : threads, kernels, metric: 'train_samples_per_s', value: median(runs) })
  }
}

async function runW2 (engine: TrainingEngine): Promise<void> {
  const spec: NetworkSpec = { inputs: 64, layers: [{ units: 32, activation: 'tanh' }], output: { units: 10, activation: 'softmax' } }
  const all = loadDigits()
  const split = splitRows(all.rows, 0.2, new Rng(42), classLabels(spec, all))
  const train = takeRows(all, split.train), test = takeRows(all, split.holdout)
  // 100 epochs; the first is the warm-up, so 101 are run and 100 timed
  const opts: TrainOptions = { epochs: 101, batchSize: 32, seed: 1, optimizer: { type: 'sgd', learningRate: 0.1 } }
  for (const threads of threadList) {
    const runs = []
    let last: { params: Float32Array | Float64Array, used: number } | undefined
    for (let i = 0; i < repeat; i++) { const r = await timedTraining(engine, spec, train, opts, threads); runs.push(r.samplesPerS); last = r }
    const label = threads === 'auto' ? `auto(${last!.used})` : threads
    report({ workload: 'W2', threads: label, kernels, metric: 'train_samples_per_s', value: median(runs) })
    const out = predict(createNetwork(spec, { params: last!.params }), test.x, test.rows)
    let correct = 0
    for (let r = 0; r < test.rows; r++) {
      let p = 0, t = 0
      for (let k = 1; k < 10; k++) { if (out[r * 10 + k] > out[r * 10 + p]) p = k; if (test.y[r * 10 + k] > test.y[r * 10 + t]) t = k }
      if (p === t) correct++
    }
    report({ workload: 'W2', threads: label, kernels, metric: 'test_accuracy', value: correct / test.rows })
  }
}

async function runW3 (engine: TrainingEngine): Promise<void> {
  const net = createNetwork(W1, { seed: 1 })
  // prediction pins the model's weights once, so the wasm kernels pack them a single time
  let k: Kernels = selectKernels(kernels)
  if (kernels === 'wasm') { const w = createWasmKernels(); w.pin(net.params as Float32Array); k = w }
  const rng = new Rng(3)
  // in shared memory, as the API builds request rows, so the pool reads them without a copy
  const rows = new Float32Array(new SharedArrayBuffer(4 * 1024 * 784))
  for (let i = 0; i < rows.length; i++) rows[i] = rng.next()
  const one = createWorkspace(net, 1)
  const lat: number[][] = [[], []]
  const rowsPerS: number[] = []
  for (let rep = 0; rep < repeat; rep++) {
    const times: number[] = []
    for (let i = 0; i < 500; i++) forward(net, one, rows.subarray((i % 1024) * 784, (i % 1024 + 1) * 784), 1, k)
    for (let i = 0; i < 10_000; i++) {
      const t = performance.now()
      forward(net, one, rows.subarray((i % 1024) * 784, (i % 1024 + 1) * 784), 1, k)
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    lat[0].push(times[5000] * 1000)
    lat[1].push(times[9900] * 1000)
    const ws = createWorkspace(net, 1024)
    predict(net, rows, 1024, ws, k)
    const t = performance.now()
    for (let i = 0; i < 5; i++) predict(net, rows, 1024, ws, k)
    rowsPerS.push(5 * 1024 / ((performance.now() - t) / 1000))
  }
  // the batch again through the engine's pool, split by rows over its threads
  for (const threads of threadList.filter((t): t is number => typeof t === 'number')) {
    const runs: number[] = []
    for (let rep = 0; rep < repeat; rep++) {
      await engine.predict(W1, net.params as Float32Array, rows, 1024, { threads, kernels })
      const t = performance.now()
      for (let i = 0; i < 10; i++) await engine.predict(W1, net.params as Float32Array, rows, 1024, { threads, kernels })
      runs.push(10 * 1024 / ((performance.now() - t) / 1000))
    }
    report({ workload: 'W3', threads: `pool(${threads})`, kernels, metric: 'predict_rows_per_s', value: median(runs) })
  }
  report({ workload: 'W3', threads: 1, kernels, metric: 'predict_latency_median_us', value: median(lat[0]) })
  report({ workload: 'W3', threads: 1, kernels, metric: 'predict_latency_p99_us', value: median(lat[1]) })
  report({ workload: 'W3', threads: 1, kernels, metric: 'predict_rows_per_s', value: median(rowsPerS) })
}

const engine = new TrainingEngine({ threads: Math.max(2, ...threadList.filter((t): t is number => typeof t === 'number')) })
try {
  for (const k of kernelList) {
    kernels = k
    if (workloads.includes('W1')) await runW1(engine)
    if (workloads.includes('W2')) await runW2(engine)
    if (workloads.includes('W3')) await runW3(engine)
  }
} finally {
  await engine.close()
}
if (!values.json) console.table(figures.map((f) => ({ ...f, value: Number(f.value.toPrecision(5)) })))

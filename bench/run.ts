/**
 * npm run bench -- [--workload W1,W2,W3] [--threads 1,2,auto] [--kernels ts,wasm,blas] [--repeat 3] [--json]
 * npm run bench -- --peers [--rounds 3]   (ours against PyTorch and scikit-learn, interleaved: bench/compare.ts)
 * The workloads of shared BENCHMARKS.md; each figure is the median of --repeat runs. Speed is
 * measured here, never in a test.
 */
import { parseArgs } from 'node:util'
import { TrainingEngine } from '../src/engine/engine.js'
import type { KernelName } from '../src/kernels/index.js'
import { median, predictW3, predictW3Pool, trainW1, trainW2, w3Setup, type Threads } from './workloads.js'
import { compareWithPeers } from './compare.js'

interface Figure { workload: string, threads: number | string, kernels: string, metric: string, value: number }

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'W1,W2,W3' },
    threads: { type: 'string', default: '1,2,auto' },
    repeat: { type: 'string', default: '3' },
    kernels: { type: 'string', default: 'ts,wasm,blas' },
    json: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' }
  }
})
const workloads = values.workload.split(',')
const threadList: Threads[] = values.threads.split(',').map((t) => (t === 'auto' ? 'auto' as const : Number(t)))
const repeat = Number(values.repeat)
const kernelList = values.kernels.split(',') as KernelName[]
const figures: Figure[] = []
const report = (f: Figure): void => {
  figures.push(f)
  if (values.json) console.log(JSON.stringify(f))
}
const label = (threads: Threads, used: number): number | string => (threads === 'auto' ? `auto(${used})` : threads)

async function runW1 (engine: TrainingEngine, kernels: KernelName): Promise<void> {
  for (const threads of threadList) {
    const runs = []
    let used = 0
    for (let i = 0; i < repeat; i++) { const r = await trainW1(engine, threads, kernels); runs.push(r.samplesPerS); used = r.used }
    report({ workload: 'W1', threads: label(threads, used), kernels, metric: 'train_samples_per_s', value: median(runs) })
  }
}

async function runW2 (engine: TrainingEngine, kernels: KernelName): Promise<void> {
  for (const threads of threadList) {
    const runs = []
    let used = 0, accuracy = 0
    for (let i = 0; i < repeat; i++) { const r = await trainW2(engine, threads, kernels); runs.push(r.samplesPerS); used = r.used; accuracy = r.accuracy }
    report({ workload: 'W2', threads: label(threads, used), kernels, metric: 'train_samples_per_s', value: median(runs) })
    report({ workload: 'W2', threads: label(threads, used), kernels, metric: 'test_accuracy', value: accuracy })
  }
}

async function runW3 (engine: TrainingEngine, kernels: KernelName): Promise<void> {
  const { net, rows } = w3Setup()
  const runs = Array.from({ length: repeat }, () => predictW3(net, rows, kernels))
  // the batch again through the engine's pool, split by rows over its threads
  for (const threads of threadList.filter((t): t is number => typeof t === 'number')) {
    const pool: number[] = []
    for (let rep = 0; rep < repeat; rep++) pool.push(await predictW3Pool(engine, net, rows, threads, kernels))
    report({ workload: 'W3', threads: `pool(${threads})`, kernels, metric: 'predict_rows_per_s', value: median(pool) })
  }
  report({ workload: 'W3', threads: 1, kernels, metric: 'predict_latency_median_us', value: median(runs.map((r) => r.medianUs)) })
  report({ workload: 'W3', threads: 1, kernels, metric: 'predict_latency_p99_us', value: median(runs.map((r) => r.p99Us)) })
  report({ workload: 'W3', threads: 1, kernels, metric: 'predict_rows_per_s', value: median(runs.map((r) => r.rowsPerS)) })
}

const engine = new TrainingEngine({ threads: Math.max(2, ...threadList.filter((t): t is number => typeof t === 'number')) })
try {
  if (values.peers) {
    await compareWithPeers(engine, { rounds: Number(values.rounds), json: values.json })
  } else {
    for (const kernels of kernelList) {
      if (workloads.includes('W1')) await runW1(engine, kernels)
      if (workloads.includes('W2')) await runW2(engine, kernels)
      if (workloads.includes('W3')) await runW3(engine, kernels)
    }
  }
} finally {
  await engine.close()
}
if (!values.json && !values.peers) console.table(figures.map((f) => ({ ...f, value: Number(f.value.toPrecision(5)) })))

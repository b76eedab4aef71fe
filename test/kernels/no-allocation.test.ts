// Single-row prediction with the wasm kernels allocates nothing per call: a long run of forwards
// triggers no young-generation collection (scavenge), which only allocation causes (before the copy
// helpers, 60k calls caused about seven). Major collections are left out: garbage from before the
// loop (test setup, module loading) may finish collecting during it.
import { describe, it, expect } from 'vitest'
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks'
import { createNetwork, createWorkspace, forward } from '../../src/nn/network.js'
import { createWasmKernels, pinnedKernels, type Kernels } from '../../src/kernels/index.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { createModelInference } from '../../src/inference/model-inference.js'

const W1: NetworkSpec = { inputs: 784, layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }

/** Minor (young-generation) collections during 60,000 single-row W1 forwards through k, after a warm-up. */
async function scavengesOver60kForwards (k: Kernels, net: ReturnType<typeof createNetwork>): Promise<number> {
  const ws = createWorkspace(net, 1)
  const x = new Float32Array(784).fill(0.25)
  return await scavengesOver60k(() => forward(net, ws, x, 1, k))
}

/** Minor collections during 60,000 (or `calls`) calls of one step, after 2,000 to warm up. */
async function scavengesOver60k (step: () => unknown, calls = 60_000): Promise<number> {
  for (let i = 0; i < 2000; i++) step() // warm up: JIT, memory growth
  let collections = 0
  // gc entries carry { kind } in `detail` (Node ≥ 16), which @types/node 20 does not declare
  const minor = (e: PerformanceEntry): boolean => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR
  const observer = new PerformanceObserver((list) => { collections += list.getEntries().filter(minor).length })
  observer.observe({ entryTypes: ['gc'] })
  for (let i = 0; i < calls; i++) step()
  await new Promise((resolve) => setTimeout(resolve, 50)) // entries are delivered asynchronously
  observer.disconnect()
  return collections
}

describe('single-row prediction', () => {
  it('runs 60,000 W1 forwards with pinned wasm kernels without a young-generation collection', async () => {
    const net = createNetwork(W1, { seed: 1 })
    const k = createWasmKernels()
    k.pin(net.params as Float32Array)
    expect(await scavengesOver60kForwards(k, net)).toBeLessThanOrEqual(1)
  })

  it('and with the blas kernels (OpenBLAS through koffi, operands passed in place)', async () => {
    const net = createNetwork(W1, { seed: 1 })
    const k = pinnedKernels('blas', net.params as Float32Array)
    expect(k).toHaveProperty('blas')
    // our side allocates nothing; koffi's N-API boundary leaves a few bytes per call (≈30 per W1 forward,
    // measured with --expose-gc), so 60,000 forwards may fill the young generation two or three times
    expect(await scavengesOver60kForwards(k, net)).toBeLessThanOrEqual(3)
  })

  it('and through the one inference path of a stored model (the predictor\'s and forward threads\' forward)', async () => {
    const { params } = createNetwork(W1, { seed: 1 })
    const model = createModelInference(W1, params as Float32Array, {}, { kernels: 'wasm', batch: 1 })
    const x = new Float32Array(784).fill(0.25)
    expect(await scavengesOver60k(() => model.forward(x, 1))).toBeLessThanOrEqual(1)
  })
})

describe('a training minibatch', () => {
  it('with every block (batch and layer norm, dropout, residual with a projection, maxout) allocates no more than a plain one', async () => {
    const { sequentialLockstepGradient } = await import('../../src/nn/lockstep.js')
    const { sequentialGradient } = await import('../../src/nn/gradient.js')
    const { datasetFromRows } = await import('../../src/nn/dataset.js')
    // 70 rows: shards of 32, 32 and 6 rows, so every minibatch walks three shards through each block
    const rows = Array.from({ length: 70 }, (_, i) => [i % 7, (i * 3) % 5, Math.sin(i), i / 70])
    const data = datasetFromRows(rows, rows.map((_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0]))
    const order = Int32Array.from({ length: 70 }, (_, i) => i)
    const scavenges = async (layers: NetworkSpec['layers'], gradient: typeof sequentialGradient): Promise<number> => {
      const net = createNetwork({ inputs: 4, layers, output: { units: 3, activation: 'softmax' } }, { seed: 1 })
      const grads = new Float32Array(net.params.length)
      const step = gradient(net, data, createWasmKernels(), 1)
      let epoch = 0
      return await scavengesOver60k(() => step(order, 0, 70, grads, epoch++ % 5), 20_000)
    }
    const plain = await scavenges([{ units: 8, activation: 'relu' }, { units: 6, activation: 'tanh' }], sequentialGradient)
    const blocks = await scavenges([
      { units: 8, activation: 'relu', norm: 'batch', dropout: 0.2, residual: true },
      { units: 6, activation: 'maxout', pieces: 2, norm: 'layer', residual: true },
      { units: 6, activation: 'tanh', norm: 'batch' }
    ], sequentialLockstepGradient)
    // The plain path's few collections come from what every minibatch shares (its stats object and the
    // test's own machinery). A closure or view per layer and minibatch (as the walk had before) made
    // about six times as many as the plain path; now the blocks add next to nothing.
    expect(blocks).toBeLessThanOrEqual(2 * plain + 10)
  }, 120_000)
})

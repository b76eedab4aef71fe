// The new layer kinds keep the engine's guarantee: weights bit-identical for any thread count, equal
// to the sequential core, and across stop/resume. Dropout draws its mask from (seed, epoch, row,
// unit), so which thread computes a row does not matter.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { TrainingEngine } from '../../src/engine/engine.js'
import { train, type EpochStats, type TrainOptions, type TrainState } from '../../src/nn/train.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture } from '../support/fixtures.js'

const digits = classificationFixture('digits.csv', 1 / 16).data
const spec: NetworkSpec = {
  inputs: 64,
  layers: [
    { units: 24, activation: 'relu', norm: 'layer', dropout: 0.2 },
    { units: 24, activation: 'tanh', norm: 'layer', dropout: 0.1, residual: true },
    { units: 12, activation: 'maxout', pieces: 3, residual: true }
  ],
  output: { units: 10, activation: 'softmax' },
  l2: 1e-4
}
const opts: TrainOptions = { epochs: 3, batchSize: 100, seed: 5, validationSplit: 0.2, optimizer: { type: 'adamw', learningRate: 0.01 } }
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

let engine: TrainingEngine
beforeAll(() => { engine = new TrainingEngine({ threads: 3 }) })
afterAll(async () => { await engine.close() })

const withBatchNorm: NetworkSpec = {
  inputs: 64,
  layers: [
    { units: 24, activation: 'relu', norm: 'batch', dropout: 0.2 },
    { units: 24, activation: 'tanh', norm: 'batch', dropout: 0.1, residual: true },
    { units: 12, activation: 'maxout', pieces: 2, norm: 'batch' }
  ],
  output: { units: 10, activation: 'softmax' }
}

async function expectSameForAnyThreadCount (net: NetworkSpec): Promise<void> {
  const reference = bits(train(net, digits, opts).params)
  for (const threads of [1, 2, 3]) {
    const r = await engine.train(net, digits, { ...opts, threads, kernels: 'ts' })
    expect(r.threads).toBe(threads)
    expect(bits(r.params)).toBe(reference)
  }
}

describe('batch norm (with dropout, residual and maxout) in the engine: statistics of the whole minibatch', () => {
  it('weights and running statistics are bit-identical for 1, 2 and 3 threads, and equal the sequential core', async () => {
    await expectSameForAnyThreadCount(withBatchNorm)
  })

  it('with WebAssembly kernels and a partial last minibatch: bit-identical for 1, 2 and 3 threads', async () => {
    const odd = { ...opts, batchSize: 90 }
    const runs = await Promise.all([1, 2, 3].map(async (threads) => bits((await engine.train(withBatchNorm, digits, { ...odd, threads, kernels: 'wasm' })).params)))
    expect(new Set(runs).size).toBe(1)
  })
})

describe('layer norm, dropout, residual and maxout in the engine', () => {
  it('weights are bit-identical for 1, 2 and 3 threads, and equal the sequential core', async () => {
    await expectSameForAnyThreadCount(spec)
  })

  it('dropout changes the result, and so does its seed (the mask is really drawn)', async () => {
    const noDropout: NetworkSpec = { ...spec, layers: spec.layers.map((l) => ({ ...l, dropout: undefined })) }
    const a = bits(train(spec, digits, opts).params)
    expect(bits(train(noDropout, digits, opts).params)).not.toBe(a)
    expect(bits(train(spec, digits, { ...opts, seed: 6 }).params)).not.toBe(a)
  })

  it('with WebAssembly kernels: bit-identical for 1, 2 and 3 threads', async () => {
    const runs = await Promise.all([1, 2, 3].map(async (threads) => bits((await engine.train(spec, digits, { ...opts, threads, kernels: 'wasm' })).params)))
    expect(new Set(runs).size).toBe(1)
  })
})

describe('stop and resume', () => {
  for (const [name, net] of [['layer norm, dropout, residual, maxout', spec], ['batch norm (its running statistics too)', withBatchNorm]] as const) {
    it(`${name}: resuming from a checkpoint ends bit-identical to an uninterrupted run, with any thread count`, async () => {
      const six = { ...opts, epochs: 6 }
      const whole = await engine.train(net, digits, { ...six, threads: 1 })
      const checkpoints: TrainState[] = []
      const reported: EpochStats[] = []
      await engine.train(net, digits, { ...six, threads: 3 }, { checkpoint: { everyEpochs: 2 }, onEpoch: (e) => reported.push(e), onCheckpoint: (s) => checkpoints.push(s) })
      const resumed = await engine.train(net, digits, { ...six, threads: 2 }, { resume: { ...checkpoints[1], history: reported.slice(0, 4) } })
      expect(bits(resumed.params)).toBe(bits(whole.params))
      expect(resumed.history).toEqual(whole.history)
    })
  }
})

import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { TrainingEngine } from '../../src/engine/engine.js'
import { encodeCheckpoint } from '../../src/queue/checkpoint.js'
import { chooseThreads } from '../../src/engine/thread-choice.js'
import { train, type EpochStats, type TrainOptions, type TrainState } from '../../src/nn/train.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture, regressionFixture } from '../support/fixtures.js'
import { REDUCE_CHUNK } from '../../src/engine/protocol.js'
import { cueFault, faultyThreadEntry } from '../support/thread-fault.js'

const digits = classificationFixture('digits.csv', 1 / 16).data
const diabetes = regressionFixture('diabetes.csv').data
const classifier: NetworkSpec = { inputs: 64, layers: [{ units: 24, activation: 'relu' }], output: { units: 10, activation: 'softmax' }, l2: 1e-4 }
const regressor: NetworkSpec = { inputs: 10, layers: [{ units: 12, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }
const classOpts: TrainOptions = { epochs: 3, batchSize: 100, seed: 5, validationSplit: 0.2, optimizer: { type: 'adam', learningRate: 0.01 } }
const regOpts: TrainOptions = { epochs: 4, batchSize: 70, seed: 5, optimizer: { type: 'momentum', learningRate: 0.01 }, schedule: { type: 'cosine' } }
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

let engine: TrainingEngine
beforeAll(() => { engine = new TrainingEngine({ threads: 4 }) })
afterAll(async () => { await engine.close() })

describe('reproducible by construction', () => {
  for (const [name, spec, data, opts] of [['classification', classifier, digits, classOpts], ['regression', regressor, diabetes, regOpts]] as const) {
    it(`${name}: weights are bit-identical for 1, 2, 3 and 4 threads, and equal the sequential core`, async () => {
      const reference = bits(train(spec, data, opts).params)
      for (const threads of [1, 2, 3, 4]) {
        const r = await engine.train(spec, data, { ...opts, threads, kernels: 'ts' })
        expect(r.threads).toBe(threads)
        expect(bits(r.params)).toBe(reference)
      }
    })
  }

  it('with WebAssembly kernels too: bit-identical for 1, 2 and 3 threads', async () => {
    const runs = await Promise.all([1, 2, 3].map(async (threads) => bits((await engine.train(classifier, digits, { ...classOpts, threads, kernels: 'wasm' })).params)))
    expect(new Set(runs).size).toBe(1)
    const ts = bits((await engine.train(classifier, digits, { ...classOpts, threads: 2, kernels: 'ts' })).params)
    expect(runs[0]).not.toBe(ts) // float32 lanes vs float64 sums: a different (still reproducible) result
  })

  it('with OpenBLAS kernels too: bit-identical for 1, 2 and 3 threads, a result of its own', async () => {
    const sgd: TrainOptions = { ...classOpts, batchSize: 90, optimizer: { type: 'sgd', learningRate: 0.1 } } // saxpy updates, a partial last batch
    for (const [spec, data, opts] of [[classifier, digits, classOpts], [regressor, diabetes, regOpts], [classifier, digits, sgd]] as const) {
      const runs = await Promise.all([1, 2, 3].map(async (threads) => bits((await engine.train(spec, data, { ...opts, threads, kernels: 'blas' })).params)))
      expect(new Set(runs).size).toBe(1)
      const wasm = bits((await engine.train(spec, data, { ...opts, threads: 1, kernels: 'wasm' })).params)
      expect(runs[0]).not.toBe(wasm) // OpenBLAS's summation order differs from the wasm kernels'
    }
  })

  it('the optimiser step, applied chunk by chunk on every thread, equals the whole step: adamw and nesterov over 3 reduce chunks', async () => {
    // 64·512 + 512 + 512·10 + 10 = 38,410 parameters: three REDUCE_CHUNKs, the last one partial, and AdamW's mask sliced with them
    const wide: NetworkSpec = { inputs: 64, layers: [{ units: 512, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }
    expect(Math.ceil(38_410 / REDUCE_CHUNK)).toBe(3)
    for (const optimizer of [{ type: 'adamw', learningRate: 0.003, weightDecay: 0.05 }, { type: 'nesterov', learningRate: 0.02 }] as const) {
      const opts: TrainOptions = { epochs: 2, batchSize: 96, seed: 3, optimizer }
      const reference = bits(train(wide, digits, opts).params)
      for (const threads of [1, 2, 3]) expect(bits((await engine.train(wide, digits, { ...opts, threads, kernels: 'ts' })).params)).toBe(reference)
      for (const kernels of ['wasm', 'blas'] as const) {
        const runs = await Promise.all([1, 2, 3].map(async (threads) => bits((await engine.train(wide, digits, { ...opts, threads, kernels })).params)))
        expect(new Set(runs).size).toBe(1)
      }
    }
  })

  it('different seeds give different weights', async () => {
    const a = await engine.train(classifier, digits, { ...classOpts, threads: 2 })
    const b = await engine.train(classifier, digits, { ...classOpts, seed: 6, threads: 2 })
    expect(bits(a.params)).not.toBe(bits(b.params))
  })

  it('resuming from a checkpoint ends bit-identical to an uninterrupted run, with any thread count', async () => {
    const opts = { ...classOpts, epochs: 6 }
    const whole = await engine.train(classifier, digits, { ...opts, threads: 1 })
    const checkpoints: TrainState[] = []
    const reported: EpochStats[] = []
    await engine.train(classifier, digits, { ...opts, threads: 3 }, { checkpoint: { everyEpochs: 2 }, onEpoch: (e) => reported.push(e), onCheckpoint: (s) => checkpoints.push(s) })
    expect(checkpoints.map((c) => c.epoch)).toEqual([2, 4, 6])
    // checkpoints carry no history (the epochs came through onEpoch): resumed with those put back
    expect(checkpoints.map((c) => c.history.length)).toEqual([0, 0, 0])
    const resumed = await engine.train(classifier, digits, { ...opts, threads: 2 }, { resume: { ...checkpoints[0], history: reported.slice(0, 2) } })
    expect(bits(resumed.params)).toBe(bits(whole.params))
    expect(resumed.history).toEqual(whole.history)
  })

  it('a checkpoint costs the same at epoch 300 as at epoch 10: it holds the weights and the optimiser, not the epochs so far', async () => {
    // each one copied the whole history before: an iris job of 100,000 epochs froze its worker's event loop
    const sizes: number[] = []
    await engine.train(classifier, digits, { ...classOpts, epochs: 300, batchSize: 1024, threads: 2 }, {
      checkpoint: { everyEpochs: 10 },
      onCheckpoint: (s) => sizes.push(encodeCheckpoint(s).length)
    })
    expect(sizes).toHaveLength(30)
    // numbers in its header (epoch, loss, the RNG's state) vary by a few bytes; 10 epochs of stats are ~900
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(100)
  })
})

describe('phase times', () => {
  it('times its minibatches\' phases when asked (phaseTimes), and only then, with the same weights', async () => {
    const opts: TrainOptions = { ...classOpts, validationSplit: 0, epochs: 2, batchSize: 64 }
    for (const threads of [1, 2]) {
      const timed = await engine.train(classifier, digits, { ...opts, threads, kernels: 'ts', phaseTimes: true })
      const plain = await engine.train(classifier, digits, { ...opts, threads, kernels: 'ts' })
      expect(plain.phases).toBeUndefined()
      expect(bits(timed.params)).toBe(bits(plain.params))
      const p = timed.phases!
      expect(p.minibatches).toBe(2 * Math.ceil(digits.rows / 64))
      expect(p.computeUs).toBeGreaterThan(0)
      expect(p.reduceUs).toBeGreaterThan(0)
      expect(p.betweenUs).toBeGreaterThan(0)
      expect(p.computeWaitUs).toBeGreaterThanOrEqual(0)
      expect(p.computeWaitUs).toBeLessThanOrEqual(p.computeUs)
    }
  })
})

describe('control and faults', () => {
  it('abort stops within one minibatch and releases the threads', async () => {
    const controller = new AbortController()
    let epochs = 0
    // the abort is set on the main thread when epoch 2's message arrives there, so an epoch must outlast that
    // message's trip under load: the ts kernels' epochs do (blas runs this small net's epoch in a few ms)
    const r = await engine.train(classifier, digits, { ...classOpts, epochs: 1000, batchSize: 64, threads: 4, kernels: 'ts' }, {
      signal: controller.signal,
      onEpoch: () => { if (++epochs === 2) controller.abort() }
    })
    expect(r.stopReason).toBe('aborted')
    expect(r.history.length).toBeLessThanOrEqual(3)
    const again = await engine.train(classifier, digits, { ...classOpts, threads: 4 })
    expect(again.stopReason).toBe('completed')
  })

  // each its own pool, whose threads run the real entry behind a wrapper that fails on cue (test/support/thread-fault.ts)
  const withFaultyPool = async (cue: Parameters<typeof cueFault>[0], run: (faulty: TrainingEngine) => Promise<void>): Promise<void> => {
    const withdraw = cueFault(cue)
    const faulty = new TrainingEngine({ threads: 3, threadEntry: faultyThreadEntry })
    try { await run(faulty) } finally { withdraw(); await faulty.close() }
  }
  // 4 shards a minibatch over 30 epochs: every thread claims shards (the cued one needs two). With the ts
  // kernels: with blas a shard of this small net takes microseconds, and on two cores the third thread could
  // wake after the others had claimed every shard of every minibatch, so its cue never came and the run succeeded
  const longer = { ...classOpts, epochs: 30, batchSize: 256, kernels: 'ts' as const }

  for (const kind of ['throw', 'exit'] as const) {
    it(`a thread that ${kind}s fails the run with a clear error, and the next run on the same pool succeeds`, async () => {
      await withFaultyPool({ rank: 2, atCall: 3, kind }, async (faulty) => {
        await expect(faulty.train(classifier, digits, { ...longer, threads: 3 }))
          .rejects.toThrow(/training thread 2 (crashed: injected fault|exited unexpectedly)/)
        const r = await faulty.train(classifier, digits, { ...classOpts, threads: 3, kernels: 'ts' })
        expect(r.stopReason).toBe('completed')
        expect(bits(r.params)).toBe(bits(train(classifier, digits, classOpts).params))
      })
    })
  }

  it('a leader that crashes fails the run too', async () => {
    await withFaultyPool({ rank: 0, atCall: 2, kind: 'throw' }, async (faulty) => {
      await expect(faulty.train(classifier, digits, { ...longer, threads: 2 })).rejects.toThrow(/injected fault in thread 0/)
      expect((await faulty.train(classifier, digits, { ...classOpts, threads: 2 })).stopReason).toBe('completed')
    })
  })

  it('bad input is refused before any thread is used', async () => {
    await expect(engine.train({ ...classifier, inputs: 3 }, digits, classOpts)).rejects.toThrow(/expects 3 inputs/)
  })

  it('memory stays flat over 100 consecutive jobs in one pool', async () => {
    const small: TrainOptions = { epochs: 1, batchSize: 64, seed: 1, optimizer: { type: 'sgd', learningRate: 0.1 } }
    const run = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await engine.train(classifier, digits, { ...small, threads: 2 }) }
    await run(20)
    global.gc?.()
    const before = process.memoryUsage().rss
    await run(100)
    global.gc?.()
    const grown = process.memoryUsage().rss - before
    expect(grown).toBeLessThan(64 * 1024 * 1024)
  })
})

describe('automatic thread choice', () => {
  it('uses one thread where a minibatch is too small to split, all where it is large', () => {
    expect(chooseThreads({ inputs: 64, layers: [{ units: 32, activation: 'tanh' }], output: { units: 10, activation: 'softmax' } }, 32, 2)).toBe(1)
    expect(chooseThreads({ inputs: 784, layers: [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }, 128, 2)).toBe(2)
  })
})

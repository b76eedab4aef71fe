// A machine without OpenBLAS: KERNELS=auto (and blas) fall back to WebAssembly with one log line and
// no error, /readyz says which kernels run, and training on the engine's threads still works.
// BLAS_LIBRARY is set before anything loads; vitest runs each test file in a process of its own,
// and the engine's threads inherit this environment.
import { Writable } from 'node:stream'
import { afterAll, describe, it, expect } from 'vitest'
import { pino } from 'pino'
import { buildApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import { createRedis } from '../../src/store/redis.js'
import { chooseKernels, selectKernels } from '../../src/kernels/index.js'
import { TrainingEngine } from '../../src/engine/engine.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import type { TrainOptions } from '../../src/nn/train.js'
import { classificationFixture } from '../support/fixtures.js'

process.env.BLAS_LIBRARY = '/nonexistent/libopenblas.so.0'

const engine = new TrainingEngine({ threads: 2 })
afterAll(async () => { await engine.close() })
const bits = (v: ArrayLike<number>): string => Buffer.from(Float32Array.from(v).buffer).toString('hex')

describe('without OpenBLAS', () => {
  it('auto and blas resolve to wasm, saying why; selectKernels does not throw', () => {
    for (const requested of ['auto', 'blas'] as const) {
      const choice = chooseKernels(requested)
      expect(choice.active).toBe('wasm')
      expect(choice.fallback).toMatch(/OpenBLAS \(\/nonexistent\/libopenblas\.so\.0\) could not be loaded: .*apt-get install libopenblas0/)
      expect(selectKernels(requested)).not.toHaveProperty('blas')
    }
    expect(chooseKernels('wasm').fallback).toBeUndefined()
  })

  it('the API starts, logs one line about it, and /readyz reports the kernels that run', async () => {
    const lines: string[] = []
    const logger = pino(loggerOptions({ LOG_LEVEL: 'info' }, false), new Writable({ write (c: Buffer, _e, done) { lines.push(c.toString()); done() } }))
    const url = process.env.REDIS_URL!
    const redis = createRedis(url)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: url, REDIS_PREFIX: '{test-blas-fallback}', KERNELS: 'auto' }), redis, logger })
    try {
      await app.ready()
      const res = await app.inject({ method: 'GET', url: '/readyz' })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ status: 'ready', kernels: 'wasm' })
      const about = lines.map((l) => JSON.parse(l) as { level: string, msg: string, kernels?: string, reason?: string }).filter((l) => /^kernels/.test(l.msg))
      expect(about).toHaveLength(1)
      expect(about[0]).toMatchObject({ level: 'warn', kernels: 'wasm', msg: 'kernels: wasm (OpenBLAS unavailable)' })
      expect(about[0].reason).toMatch(/could not be loaded/)
    } finally {
      await app.close()
      redis.disconnect()
    }
  })

  it('training with auto on the engine threads runs the wasm kernels, bit-identical to asking for wasm', async () => {
    const digits = classificationFixture('digits.csv', 1 / 16).data
    const spec: NetworkSpec = { inputs: 64, layers: [{ units: 16, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }
    const opts: TrainOptions = { epochs: 2, batchSize: 64, seed: 3, optimizer: { type: 'sgd', learningRate: 0.1 } }
    const auto = await engine.train(spec, digits, { ...opts, threads: 2, kernels: 'auto' })
    const wasm = await engine.train(spec, digits, { ...opts, threads: 1, kernels: 'wasm' })
    expect(auto.stopReason).toBe('completed')
    expect(bits(auto.params)).toBe(bits(wasm.params))
  })
})

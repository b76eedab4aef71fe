import { describe, it, expect, afterAll } from 'vitest'
import { TrainingEngine } from '../../src/engine/engine.js'
import { createNetwork, predict } from '../../src/nn/network.js'
import { Rng } from '../../src/nn/random.js'
import type { NetworkSpec } from '../../src/nn/spec.js'

const spec: NetworkSpec = { inputs: 37, layers: [{ units: 45, activation: 'relu' }, { units: 19, activation: 'tanh' }], output: { units: 6, activation: 'softmax' } }
const net = createNetwork(spec, { seed: 3 })
const rows = 1001
const rng = new Rng(8)
const x = Float32Array.from({ length: rows * spec.inputs }, () => rng.uniform(-2, 2))
const engine = new TrainingEngine({ threads: 3 })
afterAll(async () => { await engine.close() })
const bits = (v: Float32Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')

describe('batch prediction over the pool', () => {
  it('with the ts kernels, equals the in-process prediction bit for bit, for 1, 2 and 3 threads', async () => {
    const want = bits(predict(net, x, rows) as Float32Array)
    for (const threads of [1, 2, 3]) expect(bits(await engine.predict(spec, net.params as Float32Array, x, rows, { threads, kernels: 'ts' }))).toBe(want)
  })

  it('with the wasm kernels, agrees within float32 tolerance and does not depend on the thread count', async () => {
    const want = predict(net, x, rows)
    const one = await engine.predict(spec, net.params as Float32Array, x, rows, { threads: 1, kernels: 'wasm' })
    const two = await engine.predict(spec, net.params as Float32Array, x, rows, { threads: 2, kernels: 'wasm' })
    expect(bits(two)).toBe(bits(one))
    for (let i = 0; i < want.length; i++) expect(Math.abs(one[i] - want[i])).toBeLessThan(1e-5)
  })

  it('the same model predicts the same values through every kernel set, within float32 tolerance, and the same bits for any thread count', async () => {
    const want = predict(net, x, rows)
    for (const kernels of ['wasm', 'blas', 'auto'] as const) {
      const one = await engine.predict(spec, net.params as Float32Array, x, rows, { threads: 1, kernels })
      const three = await engine.predict(spec, net.params as Float32Array, x, rows, { threads: 3, kernels })
      // OpenBLAS picks its kernels by a product's shape, so a row's bits hang on its chunk: the chunks start at
      // row 0 whatever the thread count (1,001 rows: three of 256 and one of 233, however many threads claim them)
      expect(bits(three)).toBe(bits(one))
      let worst = 0
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(three[i] - want[i]))
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(one[i] - want[i]))
      expect(worst).toBeLessThan(1e-5)
    }
  })

  it('gives the same bits for 1, 2 and 3 threads through every kernel set, on shapes where OpenBLAS\'s bits hang on a product\'s rows', async () => {
    // 200 inputs and 96 units: with the batch cut into one part per thread, 2 threads' and 3 threads' rows
    // differed from one thread's in up to 994 of 6,006 outputs (blas); a job's validation metrics hung on the pool
    const wide: NetworkSpec = { inputs: 200, layers: [{ units: 96, activation: 'relu' }, { units: 40, activation: 'tanh' }], output: { units: 6, activation: 'softmax' } }
    const wideNet = createNetwork(wide, { seed: 3 })
    for (const n of [1001, 700]) {
      const wx = Float32Array.from({ length: n * wide.inputs }, () => rng.uniform(-2, 2))
      for (const kernels of ['ts', 'wasm', 'blas', 'auto'] as const) {
        const one = bits(await engine.predict(wide, wideNet.params as Float32Array, wx, n, { threads: 1, kernels }))
        for (const threads of [2, 3]) expect(bits(await engine.predict(wide, wideNet.params as Float32Array, wx, n, { threads, kernels })), `${kernels}, ${n} rows, ${threads} threads`).toBe(one)
      }
    }
  })

  it('refuses an input buffer too short for the rows', async () => {
    await expect(engine.predict(spec, net.params as Float32Array, x.subarray(0, 10), 2)).rejects.toThrow(/2 rows of 37 inputs need 74/)
  })
})

// Checkpoints must round-trip a training state bit for bit (typed arrays as raw bytes), including
// values JSON numbers cannot carry (NaN, -0, subnormals), and refuse text that is not a state.
import { describe, it, expect } from 'vitest'
import { decodeCheckpoint, encodeCheckpoint } from '../../src/queue/checkpoint.js'
import { createNetwork } from '../../src/nn/network.js'
import { train, type TrainState } from '../../src/nn/train.js'
import { classificationFixture, standardize } from '../support/fixtures.js'

const bits = (v: Float32Array | Float64Array): number[] => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))

describe('checkpoint codec', () => {
  it('round-trips a real adam training state exactly, and resuming from the decoded state matches the uninterrupted run', () => {
    const { data } = classificationFixture('iris.csv')
    standardize(data)
    const spec = { inputs: 4, layers: [{ units: 6, activation: 'tanh' as const }], output: { units: 3, activation: 'softmax' as const } }
    const opts = { epochs: 6, batchSize: 16, optimizer: { type: 'adam' as const, learningRate: 0.01 }, validationSplit: 0.2, seed: 5, earlyStopping: { patience: 100 } }
    let saved: TrainState | undefined
    const whole = train(spec, data, opts, { onEpoch: (s, state) => { if (s.epoch === 3) saved = state() } })
    const decoded = decodeCheckpoint(encodeCheckpoint(saved!))
    expect(bits(decoded.params)).toEqual(bits(saved!.params))
    expect(decoded.optimizer.buffers.map(bits)).toEqual(saved!.optimizer.buffers.map(bits))
    expect(decoded.optimizer.buffers[0]).toBeInstanceOf(Float32Array)
    expect(decoded.rng).toEqual(saved!.rng)
    expect(decoded.history).toEqual(saved!.history)
    const resumed = train(spec, data, opts, { resume: decoded })
    expect(bits(resumed.params)).toEqual(bits(whole.params))
    expect(createNetwork(spec, { params: resumed.params }).params.length).toBe(51)
  })

  it('keeps NaN, -0 and subnormals in float32 and float64 arrays', () => {
    const f32 = Float32Array.of(NaN, -0, 1.4e-45, 3.4028234e38)
    const f64 = Float64Array.of(NaN, -0, 5e-324, Math.PI)
    const state = { epoch: 1, params: f32, best: { epoch: 1, loss: 0.5, params: f64 } } as unknown as TrainState
    const back = decodeCheckpoint(encodeCheckpoint(state))
    expect(bits(back.params)).toEqual(bits(f32))
    expect(bits(back.best!.params)).toEqual(bits(f64))
    expect(back.best!.params).toBeInstanceOf(Float64Array)
  })

  it('still reads the older text form (JSON, arrays as base64)', () => {
    const f32 = Float32Array.of(NaN, -0, 1.5)
    const text = JSON.stringify({ epoch: 2, params: { $f32: Buffer.from(f32.buffer).toString('base64') }, history: [] })
    const back = decodeCheckpoint(text)
    expect(back.epoch).toBe(2)
    expect(bits(back.params)).toEqual(bits(f32))
  })

  it('refuses text that is not a training state', () => {
    expect(() => decodeCheckpoint('{"epoch":1}')).toThrow(/not a training state/)
    expect(() => decodeCheckpoint('{"epoch":1,"params":{"$f32":"AAA"}}')).toThrow(/not whole Float32Array values/)
    const truncated = encodeCheckpoint({ epoch: 1, params: new Float32Array(4) } as unknown as TrainState)
    expect(() => decodeCheckpoint(truncated.subarray(0, truncated.length - 4))).toThrow(/outside the checkpoint/)
  })
})

import { describe, it, expect } from 'vitest'
import { createProgressWriter } from '../../src/queue/progress-writer.js'
import type { EpochStats, TrainState } from '../../src/nn/train.js'

const stats = (epoch: number): EpochStats => ({ epoch, loss: 1 / epoch, learningRate: 0.01 })
const state = (epoch: number): TrainState => ({ epoch, params: new Float32Array(1), optimizer: { type: 'sgd', t: epoch, buffers: [] }, schedule: { type: 'constant' } as unknown as TrainState['schedule'], rng: { s: [1, 2, 3, 4] } as unknown as TrainState['rng'], best: null, wait: 0, history: [] })

/** Sinks whose writes wait until the test lets them go, recording what each write carried, in order. */
function gatedSinks () {
  const log: string[] = []
  const failures: string[] = []
  let release: () => void = () => {}
  let gate = new Promise<void>((resolve) => { release = resolve })
  const open = (): void => { release(); gate = Promise.resolve() }
  return {
    log, failures, open,
    sinks: {
      epochs: async (e: readonly EpochStats[]) => { log.push(`epochs ${e.map((s) => s.epoch).join(',')}`); await gate },
      checkpoint: async (s: TrainState) => { log.push(`checkpoint ${s.epoch}`); await gate },
      failed: (err: Error) => { failures.push(err.message) }
    }
  }
}

describe('the progress writer', () => {
  it('writes the epochs that arrived during a write in one write, in order, and only the newest of the checkpoints that waited, after its epochs', async () => {
    const g = gatedSinks()
    const w = createProgressWriter(g.sinks)
    w.epoch(stats(1)) // its write starts at once and waits at the gate
    for (let e = 2; e <= 30; e++) { w.epoch(stats(e)); if (e % 10 === 0) w.checkpoint(state(e)) }
    g.open()
    await w.flushed()
    expect(g.log).toEqual([
      'epochs 1',
      `epochs ${Array.from({ length: 29 }, (_, i) => i + 2).join(',')}`,
      'checkpoint 30' // 10 and 20 were superseded before they were written
    ])
    expect(g.failures).toEqual([])
  })

  it('a failed write is reported and the writer goes on; flushed() waits for everything reported so far', async () => {
    const written: number[] = []
    const failures: string[] = []
    let first = true
    const w = createProgressWriter({
      epochs: async (e) => { await new Promise((resolve) => setTimeout(resolve, 5)); if (first) { first = false; throw new Error('Redis is away') } written.push(...e.map((s) => s.epoch)) },
      checkpoint: async () => {},
      failed: (err) => { failures.push(err.message) }
    })
    w.epoch(stats(1))
    w.epoch(stats(2))
    await w.flushed()
    w.epoch(stats(3))
    await w.flushed()
    expect(failures).toEqual(['Redis is away'])
    expect(written).toEqual([2, 3])
  })
})

// A job says how many engine threads it trains on: TRAIN_THREADS at most, and only as many as its minibatch's 64-row
// shards and work pay for (an operator's trial: TRAIN_THREADS=2 with 32-row minibatches ran one thread, and nothing said
// so). Real app, Redis and an in-process worker with a pool of 2 threads, on digits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { buildTestApp, type TestApp } from './helper.js'
import { startWorker, type RunningWorker } from '../../src/queue/worker-runner.js'
import { storeDigits } from '../support/digits-dataset.js'
import { trainToEnd, uploadJson } from '../support/training-api.js'

let t: TestApp
let worker: RunningWorker
let digits: string
beforeAll(async () => {
  t = await buildTestApp('job-threads', { TRAIN_THREADS: '2' })
  worker = await startWorker(t.config, pino({ level: 'silent' }))
  digits = await storeDigits(t.redis, t.config.REDIS_PREFIX)
})
afterAll(async () => {
  await worker?.close()
  await t?.close()
})

describe('a job\'s threads', () => {
  const network = { inputs: 64, layers: [{ units: 256, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }
  const train = (batchSize: number) => trainToEnd(t, { datasetId: digits, network, training: { epochs: 1, batchSize, seed: 1 } })

  it('is the pool\'s 2 for 128-row minibatches (two 64-row shards of 7 million multiply-adds), 1 for 32-row ones (one shard)', async () => {
    const wide = await train(128)
    expect(wide.body).toMatchObject({ status: 'succeeded', threads: 2 })
    const narrow = await train(32)
    expect(narrow.body).toMatchObject({ status: 'succeeded', threads: 1 })
  })

  it('counts the minibatch it trains on: a batch size past the training rows is clipped to them (a retrial: 1,000 on 63 rows had read 2)', async () => {
    const features = Array.from({ length: 70 }, (_, r) => Array.from({ length: 64 }, (_, c) => ((r * 31 + c * 7) % 17) / 16))
    const datasetId = await uploadJson(t, { features, targets: features.map((_, r) => String(r % 5)) })
    const clipped = await trainToEnd(t, { datasetId, network: { ...network, output: { units: 5, activation: 'softmax' } }, training: { epochs: 1, batchSize: 1000, seed: 1 } })
    expect(clipped.body).toMatchObject({ status: 'succeeded', trainRows: 63, threads: 1 })
  })
})

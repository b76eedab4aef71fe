// Redis restarted under a running API and worker: a private redis-server with the append-only file on,
// a dataset, an imported and a trained model, and a job held in a paused queue survive the restart;
// /readyz says 503 while Redis is down and 200 after; API and worker reconnect by themselves.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Queue } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { buildApp } from '../../src/api/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { startWorker, type RunningWorker } from '../../src/queue/worker-runner.js'
import { TRAINING_QUEUE } from '../../src/queue/training-queue.js'
import { createKeys } from '../../src/store/keys.js'
import { createRedis, type Redis } from '../../src/store/redis.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

const iris = readFileSync('test/fixtures/iris.csv', 'utf8')
const irisNet = { inputs: 4, layers: [{ units: 6, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const training = { epochs: 15, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, seed: 3 }

let server: RedisServer
let config: Config
let redis: Redis
let app: FastifyInstance
let worker: RunningWorker
let control: Queue

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function call (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as string }) })
  return { status: res.statusCode, body: res.body.startsWith('{') ? res.json<Record<string, unknown>>() : {} }
}

async function waitForStatus (id: string, want: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await call('GET', `/v1/training-jobs/${id}`)
    if (res.body.status === want || Date.now() > deadline) return res.body
    await sleep(50)
  }
}

beforeAll(async () => {
  server = await startRedisServer({ appendOnly: true })
  config = loadConfig({
    REDIS_URL: server.url, REDIS_PREFIX: '{restart}', LOG_LEVEL: 'silent', TRAIN_THREADS: '1',
    WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '2000'
  })
  redis = createRedis(server.url)
  app = await buildApp({ config, redis })
  await app.ready()
  worker = await startWorker(config, pino({ level: 'silent' }))
  control = new Queue(TRAINING_QUEUE, { connection: createRedis(server.url), prefix: createKeys(config.REDIS_PREFIX).bullPrefix() })
  control.on('error', () => undefined) // it loses Redis on purpose
})
afterAll(async () => {
  await worker?.close()
  await control?.close()
  await app?.close()
  await redis?.quit().catch(() => undefined)
  await server?.stop()
})

describe('Redis restart (append-only file on)', () => {
  it('keeps datasets, models and queued jobs; /readyz reports the outage; API and worker reconnect', async () => {
    // ---- state before: a dataset, a trained model, an imported model, and a job held in a paused queue
    const dataset = await call('POST', '/v1/datasets?target=species&name=iris', iris, { 'content-type': 'text/csv' })
    expect(dataset.status).toBe(201)
    const datasetId = String(dataset.body.id)
    const trained = await call('POST', '/v1/training-jobs', { datasetId, network: irisNet, training })
    expect(trained.status).toBe(202)
    const done = await waitForStatus(String(trained.body.id), 'succeeded')
    expect(done.status).toBe('succeeded')
    const trainedModelId = String(done.modelId)
    const exported = await call('GET', `/v1/models/${trainedModelId}/export`)
    expect(exported.status).toBe(200)
    const imported = await call('POST', '/v1/models', { ...exported.body, name: 'imported-iris' })
    expect(imported.status).toBe(201)
    const importedId = String(imported.body.id)
    const row = { inputs: [[5.1, 3.5, 1.4, 0.2]] }
    const before = await call('POST', `/v1/models/${importedId}/predict`, row)
    expect(before.status).toBe(200)

    await control.pause()
    const queued = await call('POST', '/v1/training-jobs', { datasetId, initialModelId: trainedModelId, training: { ...training, epochs: 5 } })
    expect(queued.status).toBe(202)
    const queuedId = String(queued.body.id)
    await sleep(300)
    expect((await call('GET', `/v1/training-jobs/${queuedId}`)).body.status).toBe('queued')
    expect((await call('GET', '/readyz')).status).toBe(200)

    // ---- the restart: Redis stays down until /readyz has reported the outage (a plain restart can be
    // quicker than one poll), then comes back on the same port and data directory
    await server.halt()
    const seen: number[] = []
    const outageDeadline = Date.now() + 10_000
    while (!seen.includes(503) && Date.now() < outageDeadline) {
      seen.push((await call('GET', '/readyz')).status)
      await sleep(20)
    }
    expect(seen).toContain(503)
    expect(seen.every((s) => s === 200 || s === 503)).toBe(true)
    await server.resume()

    const deadline = Date.now() + 15_000
    let ready = 0
    while (ready !== 200 && Date.now() < deadline) {
      ready = (await call('GET', '/readyz')).status
      if (ready !== 200) await sleep(50)
    }
    expect(ready).toBe(200)

    // ---- everything is still there, read through the API's own (reconnected) connection
    const datasetAfter = await call('GET', `/v1/datasets/${datasetId}`)
    expect(datasetAfter.status).toBe(200)
    expect(datasetAfter.body.sha256).toBe(dataset.body.sha256)
    expect(datasetAfter.body.rows).toBe(150)
    for (const id of [trainedModelId, importedId]) expect((await call('GET', `/v1/models/${id}`)).status).toBe(200)
    const after = await call('POST', `/v1/models/${importedId}/predict`, row)
    expect(after.body).toEqual(before.body)
    expect((await call('GET', `/v1/training-jobs/${trained.body.id}`)).body.status).toBe('succeeded')
    expect((await call('GET', `/v1/training-jobs/${queuedId}`)).body.status).toBe('queued')

    // ---- the worker reconnected by itself: the held job runs once the queue resumes
    await control.resume()
    const finished = await waitForStatus(queuedId, 'succeeded', 30_000)
    expect(finished.status).toBe('succeeded')
    expect(finished.progress).toEqual({ epoch: 5, epochs: 5 })
    const fineTuned = await call('GET', `/v1/models/${finished.modelId}`)
    expect(fineTuned.body.parentModelId).toBe(trainedModelId)
  })
})

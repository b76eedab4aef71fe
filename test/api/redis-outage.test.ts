// Redis stopped under a running API (startApi, real HTTP) and a worker process: every kind of route
// answers 503 + Retry-After (problem+json) in under 2 s instead of waiting for the outage, but for the
// predictions of models the API has served, which answer from memory; the worker
// logs the outage as a few structured lines, never raw stack traces; Redis restarted on the same port
// and files: the same requests succeed, and a job queued before the outage completes.
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Queue } from 'bullmq'
import { pino } from 'pino'
import { startApi, type RunningApi } from '../../src/bin/api.js'
import { loadConfig } from '../../src/config.js'
import { TRAINING_QUEUE } from '../../src/queue/training-queue.js'
import { createKeys } from '../../src/store/keys.js'
import { createRedis, type Redis } from '../../src/store/redis.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { killWorkers, logLines, spawnWorker, until, type WorkerProcess } from '../support/worker-process.js'

const iris = readFileSync('test/fixtures/iris.csv', 'utf8')
const network = { inputs: 4, layers: [{ units: 6, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const training = { epochs: 5, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, seed: 3 }
const prefix = '{outage}'

let server: RedisServer
let api: RunningApi
let worker: WorkerProcess
let control: Queue
let controlRedis: Redis
/** One request of each kind (set by the first test, which creates what they name). */
let requests: Array<[string, string, unknown?, string?]> = []
/** The API's log lines. */
const apiLines: Array<Record<string, unknown>> = []

interface Answer { status: number, ms: number, retryAfter: string | null, type: string | null, body: Record<string, unknown> }

async function call (method: string, path: string, body?: unknown, type = 'application/json'): Promise<Answer> {
  const started = Date.now()
  const res = await fetch(api.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  })
  const text = await res.text()
  return {
    status: res.status,
    ms: Date.now() - started,
    retryAfter: res.headers.get('retry-after'),
    type: res.headers.get('content-type'),
    body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : {}
  }
}

/** 503 + Retry-After in under 2 s: problem+json, or the protocol's own {"error"} body on /v2 and TF Serving's routes. */
function expectUnavailable (answer: Answer, path: string): void {
  const protocol = path.startsWith('/v2/') || path.includes(':predict')
  expect({ path, status: answer.status, retryAfter: answer.retryAfter, unavailable: protocol ? String(answer.body.error).includes('unavailable') : answer.body.code === 'NN_ERR_REDIS_UNAVAILABLE' })
    .toEqual({ path, status: 503, retryAfter: '2', unavailable: true })
  if (!protocol) expect(answer.type).toBe('application/problem+json; charset=utf-8')
  expect(answer.ms).toBeLessThan(2000)
}

beforeAll(async () => {
  server = await startRedisServer({ appendOnly: true })
  const env = { REDIS_URL: server.url, REDIS_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'silent', TRAIN_THREADS: '1' }
  api = await startApi(loadConfig(env), pino({ level: 'info' }, new Writable({ write (c: Buffer, _e, done) { apiLines.push(JSON.parse(c.toString()) as Record<string, unknown>); done() } })))
  worker = await spawnWorker({ ...env, LOG_LEVEL: 'info' })
  controlRedis = createRedis(server.url)
  controlRedis.on('error', () => undefined) // it loses Redis on purpose
  control = new Queue(TRAINING_QUEUE, { connection: controlRedis, prefix: createKeys(prefix).bullPrefix() })
  control.on('error', () => undefined)
})

afterAll(async () => {
  killWorkers()
  await control?.close()
  controlRedis?.disconnect()
  await api?.close()
  await server?.stop()
})

describe('Redis outage', () => {
  it('answers 503 fast while Redis is away, recovers by itself, and runs the job queued before', async () => {
    const dataset = await call('POST', '/v1/datasets?target=species&name=iris', iris, 'text/csv')
    expect(dataset.status).toBe(201)
    const datasetId = String(dataset.body.id)
    const trained = await call('POST', '/v1/training-jobs', { datasetId, network, training, modelName: 'iris' })
    expect(trained.status).toBe(202)
    await until('the first model', async () => (await call('GET', `/v1/training-jobs/${String(trained.body.id)}`)).body.status === 'succeeded')
    await control.pause()
    const queued = await call('POST', '/v1/training-jobs', { datasetId, network, training, modelName: 'iris' })
    expect(queued.status).toBe(202)
    const queuedId = String(queued.body.id)

    // one request of each kind: reads and writes of every resource, predictions by name, job submission
    requests = [
      ['GET', '/v1/models'],
      ['GET', '/v1/models/iris@latest'],
      ['POST', '/v1/models/iris@latest/predict', { inputs: [[5.1, 3.5, 1.4, 0.2]] }],
      ['GET', '/v1/datasets'],
      ['GET', `/v1/datasets/${datasetId}`],
      ['POST', '/v1/datasets?target=species', iris, 'text/csv'],
      ['GET', '/v1/training-jobs'],
      ['GET', `/v1/training-jobs/${queuedId}`],
      ['POST', '/v1/training-jobs', { datasetId, network, training }],
      ['GET', `/v1/training-jobs/${queuedId}/events`],
      ['GET', '/v1/networks'],
      // the serving protocols: KServe v2 and TF Serving
      ['POST', '/v2/models/iris/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] }],
      ['POST', '/v1/models/iris:predict', { instances: [[5.1, 3.5, 1.4, 0.2]] }]
    ]

    // predictions this API has served answer through the outage, from what it holds (as TF Serving serves what it loaded)
    const predictions = requests.filter(([method, path]) => method === 'POST' && /(\/predict|:predict|\/infer)$/.test(path))
    expect(predictions).toHaveLength(3)
    const served = await Promise.all(predictions.map(async ([method, path, body]) => await call(method, path, body)))
    expect(served.map((a) => a.status)).toEqual([200, 200, 200])

    await server.halt()
    const outageStarted = Date.now()
    for (const [method, path, body, type] of requests) {
      const answer = await call(method, path, body, type)
      const i = predictions.findIndex(([, p]) => p === path)
      if (i < 0) { expectUnavailable(answer, path); continue }
      expect({ path, status: answer.status }).toEqual({ path, status: 200 })
      // the same values (a batch of one row may run through other kernels than before: float32 rounding apart)
      const values = (b: Record<string, unknown>): number[] => JSON.stringify(b).match(/-?\d+\.\d+(e-?\d+)?/g)!.map(Number)
      values(answer.body).forEach((v, k) => expect(v, path).toBeCloseTo(values(served[i].body)[k], 6))
      expect(answer.ms).toBeLessThan(2000)
    }
    // a version it has not served (v2, which its queued job would store) cannot be read: 503, at once. v1 is the latest it
    // served, by whatever reference: iris@1 answers
    await expectUnavailable(await call('POST', '/v1/models/iris@2/predict', { inputs: [[5.1, 3.5, 1.4, 0.2]] }), '/v1/models/iris@2/predict')
    expect((await call('POST', '/v1/models/iris@1/predict', { inputs: [[5.1, 3.5, 1.4, 0.2]] })).status).toBe(200)
    // KServe's model readiness says what infer does: ready where this process holds the model, unavailable where it does not
    expect((await call('GET', '/v2/models/iris/ready')).body).toEqual({ name: 'iris', ready: true })
    expect((await call('GET', '/v2/models/iris/versions/1/ready')).body).toEqual({ name: 'iris', ready: true })
    await expectUnavailable(await call('GET', '/v2/models/iris/versions/2/ready'), '/v2/models/iris/versions/2/ready')
    await expectUnavailable(await call('POST', '/v1/models/iris/versions/2:predict', { instances: [[5.1, 3.5, 1.4, 0.2]] }), '/v1/models/iris/versions/2:predict')
    expect((await call('GET', '/healthz')).status).toBe(200)
    expect((await call('GET', '/readyz')).status).toBe(503)
    // long enough for a dozen reconnect attempts by every connection of the worker
    await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (Date.now() - outageStarted))))
    await server.resume()

    await until('the API is ready again', async () => (await call('GET', '/readyz')).status === 200)
    await until('the API reconnected', async () => (await call('GET', '/v1/models')).status === 200)
    const after = await Promise.all(requests.filter(([, path]) => !path.endsWith('/events')).map(async ([method, path, body, type]) => ({ path, status: (await call(method, path, body, type)).status })))
    expect(after.every(({ status }) => status < 300)).toBe(true)

    await control.resume()
    await until('the job queued before the outage succeeded', async () => (await call('GET', `/v1/training-jobs/${queuedId}`)).body.status === 'succeeded', 60_000)

    // the API said so in a line per 10 s, not an error with a stack per request (a flood at real traffic)
    expect(apiLines.filter((l) => Number(l.level) >= 50)).toEqual([])
    expect(apiLines.filter((l) => l.msg === 'request failed: Redis unavailable')).toHaveLength(1)
    expect(apiLines.filter((l) => l.msg === 'model-events subscriber error').length).toBeLessThanOrEqual(1)
    // the worker said so in a few structured lines (rate-limited), not in a stack trace per reconnect
    const lines = logLines(worker.logs)
    expect(lines.filter((l) => 'raw' in l)).toEqual([])
    const outageLines = lines.filter((l) => ['redis unavailable', 'worker waiting for redis', 'redis connection lost; reconnecting'].includes(String(l.msg)))
    expect(outageLines.length).toBeGreaterThan(0)
    expect(outageLines.length).toBeLessThanOrEqual(12)
    expect(lines.some((l) => l.msg === 'redis connection restored')).toBe(true)
  })

  it('a frozen Redis (connections open, nothing answered) is an outage too: 503 in under 2 s, then served again once it answers', async () => {
    expect(requests.length).toBeGreaterThan(10)
    expect((await call('GET', '/v1/models')).status).toBe(200)
    server.freeze()
    try {
      // the first request still finds the connection up, and waits on its command until the watchdog drops it;
      // the predictions served before answer from memory, as through a stopped Redis
      for (const [method, path, body, type] of requests) {
        const answer = await call(method, path, body, type)
        if (!/(\/predict|:predict|\/infer)$/.test(path)) { expectUnavailable(answer, path); continue }
        expect({ path, status: answer.status }).toEqual({ path, status: 200 })
        expect(answer.ms).toBeLessThan(2000)
      }
      expect((await call('GET', '/healthz')).status).toBe(200)
      expect((await call('GET', '/readyz')).status).toBe(503)
    } finally {
      server.thaw()
    }
    await until('the API answers again', async () => (await call('GET', '/v1/models')).status === 200)
    const after = await Promise.all(requests.filter(([, path]) => !path.endsWith('/events')).map(async ([method, path, body, type]) => ({ path, status: (await call(method, path, body, type)).status })))
    expect(after.filter(({ status }) => status >= 300)).toEqual([])
  })

  it('a model served through /v1 alone answers KServe v2 and TF Serving too in an outage, by name and by version', async () => {
    // an operator's trial: served by /v1 only, /v2 infer and readiness were 503s (its record had been remembered by name, not by id)
    const dataset = await call('POST', '/v1/datasets?target=species&name=solo', iris, 'text/csv')
    const job = await call('POST', '/v1/training-jobs', { datasetId: dataset.body.id, network, training, modelName: 'solo' })
    await until('the model', async () => (await call('GET', `/v1/training-jobs/${String(job.body.id)}`)).body.status === 'succeeded', 60_000)
    const row = [5.1, 3.5, 1.4, 0.2]
    const native = await call('POST', '/v1/models/solo/predict', { inputs: [row] })
    expect(native.status).toBe(200)
    const probabilities = (native.body.outputs as number[][])[0]
    await server.halt()
    try {
      expect((await call('GET', '/v2/models/solo/ready')).body).toEqual({ name: 'solo', ready: true })
      const infer = await call('POST', '/v2/models/solo/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: row }] })
      expect(infer.status, JSON.stringify(infer.body)).toBe(200)
      const output = (infer.body.outputs as Array<{ name: string, data: number[] }>).find((o) => o.name === 'output')!
      output.data.forEach((v, k) => expect(v).toBeCloseTo(probabilities[k], 6))
      for (const path of ['/v1/models/solo:predict', '/v1/models/solo/versions/1:predict']) {
        const tf = await call('POST', path, { instances: [row] })
        expect({ path, status: tf.status }).toEqual({ path, status: 200 })
        ;(tf.body.predictions as number[][])[0].forEach((v, k) => expect(v).toBeCloseTo(probabilities[k], 6))
      }
    } finally {
      await server.resume()
    }
    await until('the API answers again', async () => (await call('GET', '/v1/models')).status === 200)
  })
})

// Sweep event streams count against the same caps as job streams (api/stream-caps.ts), under a real
// listening API on a Redis of its own: SSE_MAX_FOLLOWERS_PER_JOB streams on one sweep, then 429;
// SSE_MAX_FOLLOWERS_PER_TENANT across job and sweep streams together, then 429; a closed stream gives
// its place back. No worker runs: the sweep and the job stay queued for as long as they are followed.
import { request as httpRequest, type ClientRequest } from 'node:http'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { startApi, type RunningApi } from '../../src/bin/api.js'
import { loadConfig } from '../../src/config.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { until } from '../support/worker-process.js'

let server: RedisServer
let api: RunningApi
let sweepId: string
let jobId: string

interface Opened { req: ClientRequest, status: number, body: Promise<string> }

/** Opens an event stream; resolves once the response has begun (status known). `body`: all it sent, once it ends. */
function openStream (path: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(api.url + path, { agent: false })
    req.on('response', (res) => {
      let text = ''
      const body = new Promise<string>((done) => { res.on('data', (c: Buffer) => { text += c.toString() }); res.on('end', () => done(text)); res.on('error', () => done(text)) })
      resolve({ req, status: res.statusCode ?? 0, body })
    })
    req.on('error', reject)
    req.end()
  })
}

const post = async (path: string, body: unknown): Promise<{ id: string }> => {
  const res = await fetch(api.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.status, await res.clone().text()).toBeLessThan(300)
  return await res.json() as { id: string }
}

beforeAll(async () => {
  server = await startRedisServer()
  api = await startApi(loadConfig({
    REDIS_URL: server.url, REDIS_PREFIX: '{sweep-sse}', PORT: '0', LOG_LEVEL: 'silent', SSE_MAX_FOLLOWERS_PER_JOB: '2', SSE_MAX_FOLLOWERS_PER_TENANT: '3'
  }), pino({ level: 'silent' }))
  const upload = await fetch(`${api.url}/v1/datasets?target=species`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync('test/fixtures/iris.csv', 'utf8') })
  const datasetId = (await upload.json() as { id: string }).id
  const network = { layers: [{ units: 4, activation: 'tanh' }], output: { activation: 'softmax' } }
  const training = { epochs: 2, batchSize: 16, validationSplit: 0, earlyStopping: false, seed: 1, optimizer: { type: 'adam' } }
  sweepId = (await post('/v1/sweeps', { datasetId, network, training, searchSpace: { 'training.epochs': { type: 'grid', values: [1, 2] } }, metric: 'log_loss', folds: 2, seed: 1, modelName: 'capped' })).id
  jobId = (await post('/v1/training-jobs', { datasetId, network, training })).id
})

afterAll(async () => {
  await api?.close()
  await server?.stop()
})

describe('sweep event streams', () => {
  it('are capped per sweep and, with job streams, per tenant; a 429 names the settings; a closed stream gives its place back', async () => {
    const sweepStreams = [await openStream(`/v1/sweeps/${sweepId}/events`), await openStream(`/v1/sweeps/${sweepId}/events`)]
    expect(sweepStreams.map((s) => s.status)).toEqual([200, 200])
    const overSweep = await openStream(`/v1/sweeps/${sweepId}/events`)
    expect(overSweep.status).toBe(429)
    const problem = JSON.parse(await overSweep.body) as { detail: string }
    expect(problem.detail).toMatch(/sweep '.+'.*SSE_MAX_FOLLOWERS_PER_JOB, SSE_MAX_FOLLOWERS_PER_TENANT.*GET \/v1\/sweeps\/\{id\}/)

    // the tenant's third stream is a job's; its fourth, of either kind, is refused
    const job = await openStream(`/v1/training-jobs/${jobId}/events`)
    expect(job.status).toBe(200)
    expect(api.app.streamCaps.count()).toBe(3)
    expect((await openStream(`/v1/training-jobs/${jobId}/events`)).status).toBe(429)

    for (const s of [...sweepStreams, job]) s.req.destroy()
    await until('every place given back', async () => api.app.streamCaps.count() === 0, 2000)
    const again = await openStream(`/v1/sweeps/${sweepId}/events`)
    expect(again.status).toBe(200)
    again.req.destroy()
    await until('given back again', async () => api.app.streamCaps.count() === 0, 2000)
  })
})

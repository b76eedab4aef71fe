// Server-sent-event followers under a real listening API on a Redis of its own (so its command count
// is ours alone): 300 clients following one job cost no Redis commands while the job is quiet; when
// they all close at once (or leave before their first event) every follower and the job's
// subscription are released within 2 s, Redis goes back to its idle command rate, and the heap to
// its baseline. And the per-job and per-tenant caps answer 429.
import { request as httpRequest, type ClientRequest } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { startApi, type RunningApi } from '../../src/bin/api.js'
import { loadConfig } from '../../src/config.js'
import { createKeys } from '../../src/store/keys.js'
import { createRedis, type Redis } from '../../src/store/redis.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { until } from '../support/worker-process.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const prefix = '{sse}'
let server: RedisServer
let api: RunningApi
let probe: Redis
let jobId: string

async function commandsPerSecond (): Promise<number> {
  const total = async (): Promise<number> => Number(/total_commands_processed:(\d+)/.exec(await probe.info('stats'))![1])
  const before = await total()
  await new Promise((r) => setTimeout(r, 1000))
  return (await total()) - before - 1 // the second INFO counts itself
}

function heapAfterGc (): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

/** Opens an event stream; resolves with the request once the response has begun (status known). */
function openStream (path: string, headers: Record<string, string> = {}): Promise<{ req: ClientRequest, status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(api.url + path, { agent: false, headers })
    req.on('response', (res) => { res.on('data', () => undefined); res.on('error', () => undefined); resolve({ req, status: res.statusCode ?? 0 }) })
    req.on('error', reject)
    req.end()
  })
}

const numsub = async (): Promise<number> => Number((await probe.pubsub('NUMSUB', createKeys(prefix).jobEvents(jobId)))[1])

beforeAll(async () => {
  server = await startRedisServer()
  probe = createRedis(server.url)
  api = await startApi(loadConfig({ REDIS_URL: server.url, REDIS_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'silent', SSE_MAX_FOLLOWERS_PER_JOB: '300' }), pino({ level: 'silent' }))
  const upload = await fetch(`${api.url}/v1/datasets?target=species`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync('test/fixtures/iris.csv', 'utf8') })
  const datasetId = (await upload.json() as { id: string }).id
  // no worker runs: the job stays queued, quiet, for as long as the test follows it
  const job = await fetch(`${api.url}/v1/training-jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ datasetId, network: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } }, training: { epochs: 1, batchSize: 8, optimizer: { type: 'sgd', learningRate: 0.1 } } })
  })
  jobId = (await job.json() as { id: string }).id
})

afterAll(async () => {
  await api?.close()
  await probe?.quit()
  await server?.stop()
})

describe('server-sent-event followers', () => {
  it('300 clients closing at once: followers and the subscription released, Redis idle and the heap at baseline within 2 s', async () => {
    const idle = await commandsPerSecond()
    const baseline = heapAfterGc()
    const streams = await Promise.all(Array.from({ length: 300 }, async () => await openStream(`/v1/training-jobs/${jobId}/events`)))
    try {
      expect(streams.every((s) => s.status === 200)).toBe(true)
      await until('all 300 follow', async () => api.app.jobFollowers.count() === 300)
      expect(await numsub()).toBe(1) // one subscription for all of them
      // Following a quiet job costs no polling per follower: once each stream has read the job and its
      // history (about 11 commands each, trailing the follow under load), the rate falls back to idle plus
      // at most the one end check the 300 share every 10 s (job-followers.ts; about 10 commands). Polling
      // per follower would keep it at 300 or more, and this would time out.
      await until('Redis is idle again while the 300 follow', async () => await commandsPerSecond() <= idle + 12, 15_000)
      // one more is over the per-job cap
      expect((await openStream(`/v1/training-jobs/${jobId}/events`)).status).toBe(429)
    } finally {
      // released even when an expectation failed, so the next test starts with no follower
      for (const { req } of streams) req.destroy()
    }
    const closed = Date.now()
    await until('every follower is released', async () => api.app.jobFollowers.count() === 0 && await numsub() === 0, 2000)
    expect(Date.now() - closed).toBeLessThan(2000)
    // nothing is followed any more: no end check either
    expect(await commandsPerSecond()).toBeLessThanOrEqual(idle + 2)
    expect(heapAfterGc() - baseline).toBeLessThan(4 * 1024 * 1024)
  })

  it('clients that leave before their first event release their follower too', async () => {
    const requests = Array.from({ length: 100 }, () => {
      const req = httpRequest(`${api.url}/v1/training-jobs/${jobId}/events`, { agent: false })
      req.on('error', () => undefined)
      req.end()
      // gone as soon as the request is sent: before the route has read the job, let alone sent an event
      req.on('socket', (socket) => socket.once('connect', () => setImmediate(() => req.destroy())))
      return req
    })
    await until('all sockets closed', async () => requests.every((r) => r.destroyed))
    await new Promise((r) => setTimeout(r, 500))
    await until('no follower is left', async () => api.app.jobFollowers.count() === 0 && await numsub() === 0, 2000)
  })

  it('caps event streams per tenant across jobs (429 names the setting)', async () => {
    const capped = await startApi(loadConfig({ REDIS_URL: server.url, REDIS_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'silent', SSE_MAX_FOLLOWERS_PER_TENANT: '2' }), pino({ level: 'silent' }))
    try {
      const open = (): Promise<{ req: ClientRequest, status: number }> => new Promise((resolve, reject) => {
        const req = httpRequest(`${capped.url}/v1/training-jobs/${jobId}/events`, { agent: false })
        req.on('response', (res) => { res.resume(); resolve({ req, status: res.statusCode ?? 0 }) }).on('error', reject).end()
      })
      const first = [await open(), await open()]
      expect(first.map((s) => s.status)).toEqual([200, 200])
      const third = await open()
      expect(third.status).toBe(429)
      for (const s of [...first, third]) s.req.destroy()
      await until('released', async () => capped.app.jobFollowers.count() === 0, 2000)
      const again = await open()
      expect(again.status).toBe(200)
      again.req.destroy()
    } finally {
      await capped.close()
    }
  })
})

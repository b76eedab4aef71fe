import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { Queue, Worker } from 'bullmq'
import { createKeys } from '../../src/store/keys.js'
import { TRAINING_QUEUE } from '../../src/queue/training-queue.js'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('metrics') })
afterAll(async () => { await t.close() })

/** metric line → value, e.g. 'backprop_training_jobs{state="waiting"}' → 2 */
function parse (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

describe('GET /metrics', () => {
  it('exposes HTTP latency by route and status, jobs by state, and training totals', async () => {
    const keys = createKeys(t.config.REDIS_PREFIX)
    const queue = new Queue(TRAINING_QUEUE, { connection: t.redis, prefix: keys.bullPrefix() })
    await queue.add('train', { n: 1 })
    await queue.add('train', { n: 2 })
    await queue.add('train', { n: 3 }, { delay: 60_000 })
    await t.redis.incrby(keys.trainedEpochs(), 7)
    await t.redis.incrby(keys.trainedSamples(), 7 * 150)

    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/healthz' })
    await t.app.inject({ method: 'GET', url: '/v1/models/mdl_missing' })
    await t.app.inject({ method: 'GET', url: '/no/such/route' })
    await t.app.inject({ method: 'POST', url: '/v1/models/nosuch:predict', payload: { instances: [[1]] } })

    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.body).toContain('# TYPE backprop_http_request_duration_seconds histogram')
    const m = parse(res.body)
    const h = 'backprop_http_request_duration_seconds'
    expect(m.get(`${h}_count{method="GET",route="/healthz",status="200"}`)).toBe(3)
    expect(m.get(`${h}_bucket{method="GET",route="/healthz",status="200",le="+Inf"}`)).toBe(3)
    expect(m.get(`${h}_count{method="GET",route="/v1/models/:id",status="404"}`)).toBe(1)
    expect(m.get(`${h}_count{method="GET",route="unmatched",status="404"}`)).toBe(1)
    // a route as written, without the router's parameter regex and escaped ':'
    expect(m.get(`${h}_count{method="POST",route="/v1/models/:name:predict",status="404"}`)).toBe(1)
    // buckets are cumulative and never decrease
    const buckets = [...m].filter(([k]) => k.startsWith(`${h}_bucket{method="GET",route="/healthz"`)).map(([, v]) => v)
    expect(buckets.length).toBe(12)
    buckets.slice(1).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(buckets[i]))

    expect(m.get('backprop_metrics_redis_up')).toBe(1)
    expect(m.get('backprop_training_jobs{state="waiting"}')).toBe(2)
    expect(m.get('backprop_training_jobs{state="delayed"}')).toBe(1)
    expect(m.get('backprop_training_jobs{state="active"}')).toBe(0)
    expect(m.get('backprop_epochs_trained_total')).toBe(7)
    expect(m.get('backprop_samples_trained_total')).toBe(1050)

    // the scrape itself is timed by the next one
    const next = parse((await t.app.inject({ method: 'GET', url: '/metrics' })).body)
    expect(next.get(`${h}_count{method="GET",route="/metrics",status="200"}`)).toBe(1)
    await queue.obliterate({ force: true })
    await queue.close()
  })

  it('counts cancelled jobs as their own state, not as failed', async () => {
    const keys = createKeys(t.config.REDIS_PREFIX)
    const queue = new Queue(TRAINING_QUEUE, { connection: t.redis, prefix: keys.bullPrefix() })
    const connection = t.redis.duplicate({ maxRetriesPerRequest: null })
    const worker = new Worker(TRAINING_QUEUE, async (job) => { throw new Error(job.data.n === 1 ? 'cancelled by request' : 'diverged') },
      { connection, prefix: keys.bullPrefix() })
    const failed = new Promise<void>((resolve) => { let n = 0; worker.on('failed', () => { if (++n === 3) resolve() }) })
    const jobs = await Promise.all([1, 2, 3].map(async (n) => await queue.add('train', { n }, { attempts: 1 })))
    await t.redis.hset(keys.jobCancel(), jobs[0].id!, new Date().toISOString())
    // a mark on a job that is not failed (e.g. cancel requested, then it completed) counts nowhere
    await t.redis.hset(keys.jobCancel(), 'job_elsewhere', new Date().toISOString())
    await failed
    const m = parse((await t.app.inject({ method: 'GET', url: '/metrics' })).body)
    expect(m.get('backprop_training_jobs{state="cancelled"}')).toBe(1)
    expect(m.get('backprop_training_jobs{state="failed"}')).toBe(2)
    await worker.close()
    await connection.quit()
    await queue.obliterate({ force: true })
    await queue.close()
  })
})

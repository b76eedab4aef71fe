import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { Queue, Worker } from 'bullmq'
import { createKeys } from '../../src/store/keys.js'
import { TRAINING_QUEUE } from '../../src/queue/training-queue.js'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('metrics') })
afterAll(async () => { await t.close() })

/** A series' name with its labels sorted: the exposition format leaves their order to the writer. */
function canonical (series: string): string {
  const open = series.indexOf('{')
  if (open < 0) return series
  const labels = series.slice(open + 1, -1).match(/[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"/g) ?? []
  return `${series.slice(0, open)}{${[...labels].sort().join(',')}}`
}

/** metric line → value, e.g. 'backprop_training_jobs{state="waiting"}' → 2, its labels in any order */
class Series extends Map<string, number> {
  override get (key: string): number | undefined { return super.get(canonical(key)) }
}
function parse (text: string): Series {
  const out = new Series()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(canonical(line.slice(0, at)), Number(line.slice(at + 1)))
  }
  return out
}

describe('GET /metrics', () => {
  it('exposes HTTP latency by route and status, jobs by state, and training totals', async () => {
    const keys = createKeys(t.config.REDIS_PREFIX)
    const queue = new Queue(TRAINING_QUEUE, { connection: t.redis, prefix: keys.bullPrefix() })
    // the oldest waiting job was submitted 90 s ago (BullMQ's timestamp option), the other now
    await queue.add('train', { n: 1 }, { timestamp: Date.now() - 90_000 })
    await queue.add('train', { n: 2 })
    await queue.add('train', { n: 3 }, { delay: 60_000 })
    // tagged by the fair share (queue/fair-share.ts), so run by tag, not by age: the oldest of them, 100 s old, runs last;
    // and one of them cancelled while queued is no queue depth (it had been counted until a worker took it: an ops trial)
    await queue.add('train', { n: 4 }, { priority: 1 })
    await queue.add('train', { n: 5 }, { priority: 2, timestamp: Date.now() - 100_000 })
    const cancelledWhileQueued = await queue.add('train', { n: 6 }, { priority: 1 })
    await t.redis.hset(keys.jobCancel(), cancelledWhileQueued.id!, new Date().toISOString())
    await t.redis.incrby(keys.trainedEpochs(), 7)
    await t.redis.incrby(keys.trainedSamples(), 7 * 150)
    await t.redis.incrby(keys.stalledJobs(), 2)
    await t.redis.incrby(keys.failedJobs(), 3)

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
    const le = (k: string): number => { const v = /le="([^"]+)"/.exec(k)![1]; return v === '+Inf' ? Infinity : Number(v) }
    const buckets = [...m].filter(([k]) => k.startsWith(`${h}_bucket{`) && k.includes('method="GET",route="/healthz",status="200"'))
      .sort(([a], [b]) => le(a) - le(b)).map(([, v]) => v)
    expect(buckets.length).toBe(12)
    buckets.slice(1).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(buckets[i]))

    expect(m.get('backprop_metrics_redis_up')).toBe(1)
    expect(m.get('backprop_training_jobs{state="waiting"}')).toBe(4)
    expect(m.has('backprop_training_jobs{state="prioritized"}')).toBe(false)
    expect(m.get('backprop_training_jobs{state="delayed"}')).toBe(1)
    expect(m.get('backprop_training_jobs{state="active"}')).toBe(0)
    expect(m.get('backprop_epochs_trained_total')).toBe(7)
    expect(m.get('backprop_samples_trained_total')).toBe(1050)
    expect(m.get('backprop_training_jobs_stalled_total')).toBe(2)
    expect(m.get('backprop_training_jobs_failed_total')).toBe(3)
    expect(m.get('backprop_training_queue_oldest_waiting_seconds')).toBeGreaterThanOrEqual(100)
    expect(m.get('backprop_training_queue_oldest_waiting_seconds')).toBeLessThan(130)
    // the process's own (prom-client's default metrics), the build, and the workers: none connected here
    expect(res.body).toContain('# TYPE process_cpu_seconds_total counter')
    expect(m.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m)
    expect(m.get(`backprop_build_info{version="${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}"}`)).toBe(1)
    expect(m.get('backprop_workers')).toBe(0)

    // the scrape itself is timed by the next one
    const next = parse((await t.app.inject({ method: 'GET', url: '/metrics' })).body)
    expect(next.get(`${h}_count{method="GET",route="/metrics",status="200"}`)).toBe(1)
    // no job waiting: 0
    await queue.drain(true)
    await t.redis.hdel(keys.jobCancel(), cancelledWhileQueued.id!)
    expect(parse((await t.app.inject({ method: 'GET', url: '/metrics' })).body).get('backprop_training_queue_oldest_waiting_seconds')).toBe(0)
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
    // the worker above is connected to the queue
    expect(m.get('backprop_workers')).toBe(1)
    await worker.close()
    await connection.quit()
    await queue.obliterate({ force: true })
    await queue.close()
  })
})

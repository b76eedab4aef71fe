/**
 * GET /metrics in the Prometheus text format, through prom-client: this process's (process_* and
 * nodejs_*: CPU, memory, event-loop lag, open files), HTTP latency by route and status, rows predicted,
 * the build; and from Redis, shared by every process: training jobs by BullMQ state, the workers
 * connected, and epochs and samples trained. Registered at the root (fastify-plugin) so that its
 * onResponse hook times every route. Each app has its own registry (tests build several in one process).
 */
import fp from 'fastify-plugin'
import { z } from 'zod'
import { Queue, type JobState } from 'bullmq'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { TRAINING_QUEUE } from '../../queue/training-queue.js'
import { createKeys } from '../../store/keys.js'
import { routeLabel } from '../route-label.js'
import { withTimeout } from '../with-timeout.js'
import { rateLimitedLog } from '../../store/redis-health.js'
import { VERSION } from '../../version.js'

const JOB_STATES: readonly JobState[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed']
/** The tagged jobs next to run among which the oldest queued job is looked for (a scrape reads this many timestamps at most). */
const OLDEST_AMONG = 1000
const REDIS_TIMEOUT_MS = 1000

const metrics: FastifyPluginAsyncZod = async (fastify) => {
  const keys = createKeys(fastify.config.REDIS_PREFIX)
  const registers = [new Registry()]
  const [register] = registers
  collectDefaultMetrics({ register })
  const latency = new Histogram({ name: 'backprop_http_request_duration_seconds', help: 'HTTP request latency by method, route and status', labelNames: ['method', 'route', 'status'], registers })
  // read where they are kept, at each scrape: a counter set to the total (prom-client counters only add)
  const total = (counter: Counter<string>, value: number, labels: Record<string, string> = {}): void => { counter.remove(labels); counter.inc(labels, value) }
  const predicted = new Counter({
    name: 'backprop_predicted_rows_total',
    help: 'Rows predicted by this API process, by where their forward pass ran',
    labelNames: ['where'],
    registers,
    collect () { for (const [where, value] of Object.entries(fastify.predictor.rows)) total(this, value, { where }) }
  })
  void predicted // registered: its collect() reads the predictor at each scrape
  const build = new Gauge({ name: 'backprop_build_info', help: 'The running version, as a label (value 1)', labelNames: ['version'], registers })
  build.set({ version: VERSION }, 1)
  const up = new Gauge({ name: 'backprop_metrics_redis_up', help: '1 when the Redis-backed metrics below could be read', registers })
  const redisFailed = rateLimitedLog(10_000)
  const jobs = new Gauge({ name: 'backprop_training_jobs', help: 'Training jobs by state: BullMQ\'s, with cancelled jobs apart from failed ones', labelNames: ['state'], registers })
  const workers = new Gauge({ name: 'backprop_workers', help: 'Worker processes connected to the training queue (0: queued jobs wait for none)', registers })
  const epochs = new Counter({ name: 'backprop_epochs_trained_total', help: 'Epochs trained by all workers', registers })
  const samples = new Counter({ name: 'backprop_samples_trained_total', help: 'Training samples processed (rows × epochs) by all workers', registers })
  // what an operator alerts on: rate() of these, and the wait of the oldest queued job (a gauge of failed jobs drops as they are deleted)
  const stalled = new Counter({ name: 'backprop_training_jobs_stalled_total', help: 'Jobs whose worker stopped renewing their lock (it crashed, hung, or lost Redis) and that went back to the queue to resume elsewhere', registers })
  const failures = new Counter({ name: 'backprop_training_jobs_failed_total', help: 'Training jobs (sweep trials included) that ended failed; cancelled ones are not counted', registers })
  const oldest = new Gauge({ name: 'backprop_training_queue_oldest_waiting_seconds', help: 'Seconds since the oldest job waiting for a worker was submitted (0: none waits)', registers })
  // created on first scrape, so building the app (e.g. for the OpenAPI document) opens nothing
  let queue: Queue | undefined

  // a callback hook: no promise per request
  fastify.addHook('onResponse', (request, reply, done) => {
    latency.observe({
      method: request.method,
      route: request.routeOptions.url === undefined ? 'unmatched' : routeLabel(request.routeOptions.url),
      status: String(reply.statusCode)
    }, reply.elapsedTime / 1000)
    done()
  })
  // the Queue shares the app's connection, which it does not close; the caller owns that
  fastify.addHook('onClose', async () => { await queue?.close() })

  /**
   * Jobs that carry a cancel mark, among the failed (the API reports them `cancelled`) and among those still queued (a
   * job cancelled while queued stays in BullMQ's lists until a worker takes it and ends it at once: not queue depth).
   */
  async function cancelledCounts (q: Queue): Promise<{ failed: number, queued: number }> {
    const marked = await fastify.redis.hkeys(keys.jobCancel())
    if (marked.length === 0) return { failed: 0, queued: 0 }
    const [failed, tagged, wait] = await Promise.all([
      fastify.redis.zmscore(q.keys.failed, ...marked),
      fastify.redis.zmscore(q.keys.prioritized, ...marked),
      // the untagged wait list holds only jobs handed back or stalled (queue/fair-share.ts): a few
      fastify.redis.lrange(q.keys.wait, 0, -1)
    ])
    const marks = new Set(marked)
    return { failed: failed.filter((v) => v !== null).length, queued: tagged.filter((v) => v !== null).length + wait.filter((id) => marks.has(id)).length }
  }

  /** When the job that has waited longest was submitted (ms), or undefined: of the wait list's oldest and the next OLDEST_AMONG tagged jobs. */
  async function oldestQueued (q: Queue): Promise<number | undefined> {
    // tagged jobs run by tag, not by age (fair-share.ts), so the oldest is among the next to run, not first of them
    const ids = [...await fastify.redis.lrange(q.keys.wait, 0, OLDEST_AMONG - 1), ...await fastify.redis.zrange(q.keys.prioritized, 0, OLDEST_AMONG - 1)]
    if (ids.length === 0) return undefined
    const marks = await fastify.redis.hmget(keys.jobCancel(), ...ids)
    const pipeline = fastify.redis.pipeline()
    for (const id of ids) pipeline.hget(q.toKey(id), 'timestamp')
    const stamps = (await pipeline.exec() ?? []).map(([, v], i) => (marks[i] === null ? Number(v) : NaN)).filter(Number.isFinite)
    return stamps.length === 0 ? undefined : Math.min(...stamps)
  }

  /** The Redis-backed values, set on their metrics; throws when Redis does not answer in time. */
  async function readRedis (): Promise<void> {
    if (!queue) {
      queue = new Queue(TRAINING_QUEUE, { connection: fastify.redis, prefix: keys.bullPrefix() })
      queue.on('error', () => undefined) // an outage shows as backprop_metrics_redis_up 0
    }
    const q = queue
    const [counts, cancelled, connected, epochCount, sampleCount, stalledCount, failedCount, first] = await withTimeout(Promise.all([
      q.getJobCounts(...JOB_STATES),
      cancelledCounts(q),
      // CLIENT LIST, which a managed Redis may refuse: then the gauge is left out
      q.getWorkersCount().catch(() => undefined),
      fastify.redis.get(keys.trainedEpochs()),
      fastify.redis.get(keys.trainedSamples()),
      fastify.redis.get(keys.stalledJobs()),
      fastify.redis.get(keys.failedJobs()),
      oldestQueued(q)
    ]), REDIS_TIMEOUT_MS)
    // BullMQ records a cancelled job as failed; the API (and this gauge) tells them apart by the cancel mark. `waiting` is the
    // queue's depth: BullMQ's wait list and its tagged (prioritized) jobs, less those cancelled while queued
    const { prioritized = 0, ...rest } = counts
    const byState: Record<string, number> = { ...rest, waiting: (counts.waiting ?? 0) + prioritized - cancelled.queued, failed: (counts.failed ?? 0) - cancelled.failed, cancelled: cancelled.failed }
    for (const state of [...JOB_STATES.filter((s) => s !== 'prioritized'), 'cancelled']) jobs.set({ state }, byState[state] ?? 0)
    if (connected === undefined) workers.reset()
    else workers.set(connected)
    total(epochs, Number(epochCount ?? 0))
    total(samples, Number(sampleCount ?? 0))
    total(stalled, Number(stalledCount ?? 0))
    total(failures, Number(failedCount ?? 0))
    oldest.set(first === undefined ? 0 : Math.max(0, (Date.now() - first) / 1000))
  }

  fastify.get('/metrics', {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics (text format 0.0.4)',
      produces: [register.contentType],
      response: { 200: z.string().describe('Prometheus text exposition format') }
    }
  }, async (request, reply) => {
    try {
      await readRedis()
      up.set(1)
    } catch (err) {
      // this process's metrics still matter when Redis is away; the gauge says the rest is missing
      // once every 10 s with a count, as the connections log an outage: a scrape every second would repeat it
      redisFailed((suppressed) => request.log.warn({ reason: (err as Error).message, suppressed }, 'metrics: reading Redis failed'))
      up.set(0)
      for (const m of [jobs, workers, epochs, samples, stalled, failures, oldest]) m.reset()
    }
    return reply.type(register.contentType).send(await register.metrics())
  })
}

export default fp(metrics, { name: 'metrics', dependencies: ['redis', 'predictor'] })

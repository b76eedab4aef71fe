/**
 * GET /metrics in the Prometheus text format: HTTP latency by route and status (this process),
 * training jobs by BullMQ state, and epochs and samples trained (totals the workers keep in Redis).
 * Registered at the root (fastify-plugin) so that its onResponse hook times every route.
 */
import fp from 'fastify-plugin'
import { z } from 'zod'
import { Queue, type JobState } from 'bullmq'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { TRAINING_QUEUE } from '../../queue/training-queue.js'
import { createKeys } from '../../store/keys.js'
import { routeLabel } from '../route-label.js'
import { Histogram, PROMETHEUS_CONTENT_TYPE, renderFamily } from '../prometheus.js'
import { withTimeout } from '../with-timeout.js'

const JOB_STATES: readonly JobState[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed']
const REDIS_TIMEOUT_MS = 1000

const metrics: FastifyPluginAsyncZod = async (fastify) => {
  const keys = createKeys(fastify.config.REDIS_PREFIX)
  const latency = new Histogram('backprop_http_request_duration_seconds', 'HTTP request latency by method, route and status')
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

  /** Failed jobs that carry a cancel mark: those the API reports as `cancelled`. */
  async function cancelledCount (q: Queue): Promise<number> {
    const marked = await fastify.redis.hkeys(keys.jobCancel())
    if (marked.length === 0) return 0
    const scores = await fastify.redis.zmscore(q.keys.failed, ...marked)
    return scores.filter((s) => s !== null).length
  }

  async function redisFamilies (): Promise<string[]> {
    if (!queue) {
      queue = new Queue(TRAINING_QUEUE, { connection: fastify.redis, prefix: keys.bullPrefix() })
      queue.on('error', () => undefined) // an outage shows as backprop_metrics_redis_up 0
    }
    const q = queue
    const [counts, cancelled, epochs, samples] = await withTimeout(Promise.all([
      q.getJobCounts(...JOB_STATES),
      cancelledCount(q),
      fastify.redis.get(keys.trainedEpochs()),
      fastify.redis.get(keys.trainedSamples())
    ]), REDIS_TIMEOUT_MS)
    // BullMQ records a cancelled job as failed; the API (and this gauge) tells them apart by the cancel mark
    const byState: Record<string, number> = { ...counts, failed: (counts.failed ?? 0) - cancelled, cancelled }
    return [
      renderFamily('backprop_training_jobs', 'gauge', 'Training jobs by state: BullMQ\'s, with cancelled jobs apart from failed ones',
        [...JOB_STATES, 'cancelled'].map((state) => ({ labels: { state }, value: byState[state] ?? 0 }))),
      renderFamily('backprop_epochs_trained_total', 'counter', 'Epochs trained by all workers', [{ value: Number(epochs ?? 0) }]),
      renderFamily('backprop_samples_trained_total', 'counter', 'Training samples processed (rows × epochs) by all workers', [{ value: Number(samples ?? 0) }])
    ]
  }

  fastify.get('/metrics', {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics (text format 0.0.4)',
      produces: [PROMETHEUS_CONTENT_TYPE],
      response: { 200: z.string().describe('Prometheus text exposition format') }
    }
  }, async (request, reply) => {
    let families: string[] = []
    let up = 1
    try {
      families = await redisFamilies()
    } catch (err) {
      // HTTP metrics still matter when Redis is away; the gauge says the rest is missing
      request.log.warn({ err }, 'metrics: reading Redis failed')
      up = 0
    }
    const body = [
      latency.render(),
      renderFamily('backprop_predicted_rows_total', 'counter', 'Rows predicted by this API process, by where their forward pass ran',
        Object.entries(fastify.predictor.rows).map(([where, value]) => ({ labels: { where }, value }))),
      renderFamily('backprop_metrics_redis_up', 'gauge', '1 when the Redis-backed metrics below could be read', [{ value: up }]),
      ...families
    ].join('\n') + '\n'
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(body)
  })
}

export default fp(metrics, { name: 'metrics', dependencies: ['redis', 'predictor'] })

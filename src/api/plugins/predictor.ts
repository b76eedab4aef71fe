/**
 * Decorates `predictor` (api/predictor.ts) over the model repository, with PREDICT_THREADS forward
 * threads (closed with the app), and keeps its cache honest
 * across API replicas: deletions are announced on a Redis channel; after a reconnect (messages may
 * have been missed) the whole cache is dropped.
 */
import fp from 'fastify-plugin'
import { createPredictor, type Predictor, type PredictorOptions } from '../predictor.js'
import { createKeys } from '../../store/keys.js'
import { rateLimitedLog } from '../../store/redis-health.js'
import { createForwardThreads } from '../forward-thread/forward-threads.js'
import { rememberingModels } from '../remembered-models.js'
import type { ModelRepository } from '../../store/models.js'
import { chooseKernels, logKernels } from '../../kernels/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    predictor: Predictor
    /** The models as the prediction routes resolve them: remembered through a Redis outage (remembered-models.ts) */
    servingModels: ModelRepository
  }
}

export default fp<PredictorOptions>(async function predictor (fastify, options) {
  const { PREDICT_THREADS, KERNELS } = fastify.config
  logKernels(fastify.log, chooseKernels(KERNELS))
  const threads = PREDICT_THREADS > 0 ? createForwardThreads(PREDICT_THREADS, KERNELS) : undefined
  const predictor = createPredictor(fastify.models, { kernels: KERNELS, threads, ...options })
  fastify.decorate('predictor', predictor)
  fastify.decorate('servingModels', rememberingModels(fastify.models, () => fastify.redisDown()))
  fastify.addHook('onClose', async () => { await threads?.close() })

  const subscriber = fastify.redis.duplicate()
  const channel = createKeys(fastify.config.REDIS_PREFIX).modelEvents()
  subscriber.on('message', (_channel: string, modelId: string) => predictor.invalidate(modelId))
  let subscribed = false
  subscriber.on('ready', () => { if (subscribed) predictor.clear() })
  // ioredis reports each failed reconnect: one line per 10 s while Redis is away (without the stack it adds nothing to)
  const outageLine = rateLimitedLog(10_000)
  subscriber.on('error', (err) => outageLine((suppressed) => fastify.log.warn({ err: { message: err.message }, suppressed }, 'model-events subscriber error')))
  // not awaited: the API starts (and /readyz reports) while Redis is down; ioredis subscribes once it is up
  subscriber.subscribe(channel).then(() => { subscribed = true }, (err: Error) => fastify.log.warn({ err }, 'subscribing to model events failed'))
  fastify.addHook('onClose', async () => { subscriber.disconnect() })
}, { name: 'predictor', dependencies: ['repositories', 'redis', 'redis-guard'] })

/**
 * Decorates `trainingQueue` (queue/training-queue.ts) on the app's Redis, its event-stream followers, and
 * the caps every event stream (a job's or a sweep's) counts against (stream-caps.ts); closes it with the app.
 */
import fp from 'fastify-plugin'
import { createTrainingQueue, type TrainingQueue } from '../../queue/training-queue.js'
import { createJobFollowers, type JobFollowers } from '../job-followers.js'
import { createStreamCaps, type StreamCaps } from '../stream-caps.js'

declare module 'fastify' {
  interface FastifyInstance { trainingQueue: TrainingQueue, jobFollowers: JobFollowers, streamCaps: StreamCaps }
}

export default fp<{ prefix: string }>(async function trainingQueue (fastify, { prefix }) {
  const queue = createTrainingQueue(fastify.redis, prefix)
  fastify.decorate('trainingQueue', queue)
  const caps = createStreamCaps({ perStream: fastify.config.SSE_MAX_FOLLOWERS_PER_JOB, perTenant: fastify.config.SSE_MAX_FOLLOWERS_PER_TENANT })
  fastify.decorate('streamCaps', caps)
  const followers = createJobFollowers(queue, caps)
  fastify.decorate('jobFollowers', followers)
  // open event streams would hold the server open: end them (EventSource clients reconnect elsewhere)
  fastify.addHook('preClose', async () => { followers.endAll() })
  fastify.addHook('onClose', async () => { await queue.close() })
}, { name: 'training-queue', dependencies: ['redis'] })

/** Decorates `trainingQueue` (queue/training-queue.ts) on the app's Redis, and its event-stream followers; closes it with the app. */
import fp from 'fastify-plugin'
import { createTrainingQueue, type TrainingQueue } from '../../queue/training-queue.js'
import { createJobFollowers, type JobFollowers } from '../job-followers.js'

declare module 'fastify' {
  interface FastifyInstance { trainingQueue: TrainingQueue, jobFollowers: JobFollowers }
}

export default fp<{ prefix: string }>(async function trainingQueue (fastify, { prefix }) {
  const queue = createTrainingQueue(fastify.redis, prefix)
  fastify.decorate('trainingQueue', queue)
  const followers = createJobFollowers(queue, { perJob: fastify.config.SSE_MAX_FOLLOWERS_PER_JOB, perTenant: fastify.config.SSE_MAX_FOLLOWERS_PER_TENANT })
  fastify.decorate('jobFollowers', followers)
  // open event streams would hold the server open: end them (EventSource clients reconnect elsewhere)
  fastify.addHook('preClose', async () => { followers.endAll() })
  fastify.addHook('onClose', async () => { await queue.close() })
}, { name: 'training-queue', dependencies: ['redis'] })

/** Decorates `trainingQueue` (queue/training-queue.ts) on the app's Redis; closes it with the app. */
import fp from 'fastify-plugin'
import { createTrainingQueue, type TrainingQueue } from '../../queue/training-queue.js'

declare module 'fastify' {
  interface FastifyInstance { trainingQueue: TrainingQueue }
}

export default fp<{ prefix: string }>(async function trainingQueue (fastify, { prefix }) {
  const queue = createTrainingQueue(fastify.redis, prefix)
  fastify.decorate('trainingQueue', queue)
  fastify.addHook('onClose', async () => { await queue.close() })
}, { name: 'training-queue', dependencies: ['redis'] })

/** Decorates `sweepQueue` (queue/sweeps/sweep-queue.ts) on the app's Redis and training queue; closes it with the app. */
import fp from 'fastify-plugin'
import { createSweepQueue, type SweepQueue } from '../../queue/sweeps/sweep-queue.js'

declare module 'fastify' {
  interface FastifyInstance { sweepQueue: SweepQueue }
}

export default fp<{ prefix: string }>(async function sweepQueue (fastify, { prefix }) {
  const queue = createSweepQueue(fastify.redis, prefix, fastify.trainingQueue)
  fastify.decorate('sweepQueue', queue)
  fastify.addHook('onClose', async () => { await queue.close() })
}, { name: 'sweep-queue', dependencies: ['redis', 'training-queue'] })

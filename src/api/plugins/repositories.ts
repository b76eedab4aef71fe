/** Decorates the store/ repositories; the logic lives in the factories, this only wires them in. */
import fp from 'fastify-plugin'
import { createDatasetRepository, type DatasetRepository } from '../../store/datasets.js'
import { createModelRepository, type ModelRepository } from '../../store/models.js'
import { createNetworkRepository, type NetworkRepository } from '../../store/networks.js'
import { createResourceLocks, type ResourceLocks } from '../../store/resource-lock.js'

declare module 'fastify' {
  interface FastifyInstance {
    datasets: DatasetRepository
    models: ModelRepository
    networks: NetworkRepository
    /** Locks that make a DELETE's in-use check and a job's use of a dataset or model one step each */
    resourceLocks: ResourceLocks
  }
}

export default fp<{ prefix: string }>(async function repositories (fastify, { prefix }) {
  fastify.decorate('datasets', createDatasetRepository(fastify.redis, prefix))
  fastify.decorate('models', createModelRepository(fastify.redis, prefix))
  fastify.decorate('networks', createNetworkRepository(fastify.redis, prefix))
  fastify.decorate('resourceLocks', createResourceLocks(fastify.redis, prefix))
}, { name: 'repositories', dependencies: ['redis'] })

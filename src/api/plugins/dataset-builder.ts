/** Decorates `datasetBuilder` (api/dataset-thread/dataset-builder.ts): large uploads are built off the event loop. */
import fp from 'fastify-plugin'
import { createDatasetBuilder, type DatasetBuilder } from '../dataset-thread/dataset-builder.js'

declare module 'fastify' {
  interface FastifyInstance { datasetBuilder: DatasetBuilder }
}

export default fp(async function datasetBuilder (fastify) {
  const builder = createDatasetBuilder()
  fastify.decorate('datasetBuilder', builder)
  fastify.addHook('onClose', async () => { await builder.close() })
}, { name: 'dataset-builder' })

/** Decorates `csvBuilder` (api/csv-thread/csv-builder.ts): large CSV uploads are built off the event loop. */
import fp from 'fastify-plugin'
import { createCsvBuilder, type CsvBuilder } from '../csv-thread/csv-builder.js'

declare module 'fastify' {
  interface FastifyInstance { csvBuilder: CsvBuilder }
}

export default fp(async function csvBuilder (fastify) {
  const builder = createCsvBuilder()
  fastify.decorate('csvBuilder', builder)
  fastify.addHook('onClose', async () => { await builder.close() })
}, { name: 'csv-builder' })

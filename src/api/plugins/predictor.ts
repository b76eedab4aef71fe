/** Decorates `predictor` (api/predictor.ts) over the model repository; the logic lives in the factory. */
import fp from 'fastify-plugin'
import { createPredictor, type Predictor, type PredictorOptions } from '../predictor.js'

declare module 'fastify' {
  interface FastifyInstance { predictor: Predictor }
}

export default fp<PredictorOptions>(async function predictor (fastify, options) {
  fastify.decorate('predictor', createPredictor(fastify.models, { kernels: fastify.config.KERNELS, ...options }))
}, { name: 'predictor', dependencies: ['repositories'] })

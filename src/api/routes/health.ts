/** Liveness (the process answers) and readiness (Redis answers PING within 1 s). Not metrics. */
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { NOT_READY } from '../../errors.js'
import { sharedPing } from '../../store/redis.js'
import { problems } from '../../schemas/common.js'
import { chooseKernels } from '../../kernels/index.js'

const Status = z.object({ status: z.string() })
const Ready = Status.extend({
  kernels: z.enum(['blas', 'wasm', 'ts']).describe('the matrix kernels this process runs (KERNELS resolved: auto → blas when OpenBLAS loads, else wasm)')
})

const health: FastifyPluginAsyncZod = async (fastify) => {
  // probes come every few seconds: their requests are not logged (a failing one still is, as a warning)
  fastify.get('/healthz', {
    logLevel: 'warn',
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } }
  }, async () => ({ status: 'ok' }))

  fastify.get('/readyz', {
    logLevel: 'warn',
    schema: { tags: ['health'], summary: 'Redis answers: ready to take requests', response: { 200: Ready, ...problems(503) } }
  }, async () => {
    const problem = await sharedPing(fastify.redis, 1000)
    if (problem !== undefined) throw new NOT_READY(problem)
    return { status: 'ready', kernels: chooseKernels(fastify.config.KERNELS).active }
  })
}

export default health

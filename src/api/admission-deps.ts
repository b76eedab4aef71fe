/**
 * What admitting a training job (queue/admission.ts) or a sweep needs from the app: the caller's
 * repositories, tenant and the configured limits, gathered in one place for both routes.
 */
import type { FastifyInstance } from 'fastify'
import type { AdmissionDeps } from '../queue/admission.js'

export function admissionDeps (fastify: FastifyInstance, tenant: string): AdmissionDeps {
  const { config } = fastify
  return {
    datasets: fastify.datasets,
    networks: fastify.networks,
    models: fastify.models,
    tenant,
    limits: { MAX_EPOCHS: config.MAX_EPOCHS, MAX_PARAMETERS: config.MAX_PARAMETERS, MAX_JOB_WORK: config.MAX_JOB_WORK }
  }
}

/**
 * The registration point for every /v1 resource: one route plugin per resource file.
 * Training jobs and models register here when they land (routes/training-jobs.ts, routes/models.ts).
 */
import type { FastifyPluginAsync } from 'fastify'
import backprop from './backprop.js'
import datasets from './datasets.js'
import evaluate from './evaluate.js'
import datasetPredictions from './dataset-predictions.js'
import models from './models.js'
import networks from './networks.js'
import predict from './predict.js'
import trainingJobs from './training-jobs.js'
import tfServing from './tf-serving.js'
import sweeps from './sweeps.js'

export const V1_ROUTES: readonly FastifyPluginAsync[] = [
  datasets,
  networks,
  models,
  predict,
  trainingJobs,
  sweeps,
  evaluate,
  datasetPredictions,
  backprop,
  tfServing
]

const v1: FastifyPluginAsync = async (fastify) => {
  for (const routes of V1_ROUTES) await fastify.register(routes)
}

export default v1

/**
 * OpenAPI examples of /v1/sweeps (merged into examples.ts): a 2×2 grid with 3 folds on iris, ranked
 * by held-out log loss, as a real run reported it (figures rounded).
 */
import { IRIS_NETWORK, LAST } from './example-data.js'

const SWEEP_ID = 'swp_3c1f6e0a9b7d4e25a8f1c2d3e4f5a6b7'
const HEX = SWEEP_ID.slice(4)
const MODEL_ID = 'mdl_7e2d4c1b0a9f48e6b5c4d3e2f1a0b9c8'
const at = '2026-11-30T09:12:05.118Z'
const links = { self: `/v1/sweeps/${SWEEP_ID}`, events: `/v1/sweeps/${SWEEP_ID}/events`, cancel: `/v1/sweeps/${SWEEP_ID}/cancel` }

export const SWEEP_BODY = {
  datasetId: LAST.dataset,
  network: IRIS_NETWORK,
  training: { batchSize: 16, validationSplit: 0, earlyStopping: false, seed: 5, optimizer: { type: 'adam' } },
  searchSpace: {
    'training.epochs': { type: 'grid', values: [2, 120] },
    'training.optimizer.learningRate': { type: 'grid', values: [0.0001, 0.05] }
  },
  metric: 'log_loss',
  folds: 3,
  seed: 1,
  modelName: 'iris-example-best'
}

const trial = (n: number, epochs: number, learningRate: number, scores: number[], rank: number) => {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length)
  return {
    trial: n,
    params: { 'training.epochs': epochs, 'training.optimizer.learningRate': learningRate },
    status: 'succeeded',
    mean,
    std,
    rank,
    folds: scores.map((score, fold) => ({ fold, jobId: `job_${HEX}_t${n}f${fold}`, status: 'succeeded', score, scores: { accuracy: 0.96, log_loss: score } }))
  }
}

const results = [
  trial(0, 2, 0.0001, [1.112, 1.098, 1.121], 4),
  trial(1, 2, 0.05, [0.412, 0.398, 0.431], 2),
  trial(2, 120, 0.0001, [0.902, 0.889, 0.915], 3),
  trial(3, 120, 0.05, [0.061, 0.094, 0.072], 1)
]

const SUMMARY = {
  id: SWEEP_ID,
  status: 'succeeded',
  datasetId: 'ds_9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  metric: 'log_loss',
  greaterIsBetter: false,
  folds: 3,
  refit: true,
  modelName: 'iris-example-best',
  progress: { trialsDone: 4, trials: 4, jobsDone: 12, jobsCancelled: 0, jobs: 12 },
  best: { trial: 3, params: results[3].params, mean: results[3].mean, std: results[3].std },
  retrainJobId: `job_${HEX}_best`,
  modelId: MODEL_ID,
  createdAt: at,
  finishedAt: '2026-11-30T09:12:09.402Z',
  links: { ...links, model: `/v1/models/${MODEL_ID}` }
}

export const SWEEP = { ...SUMMARY, results }

const EVENTS = `event: trial\ndata: ${JSON.stringify(results[1])}\n\n` +
  `event: end\ndata: ${JSON.stringify({ status: 'succeeded', progress: SUMMARY.progress, best: SUMMARY.best, modelId: MODEL_ID })}\n\n`

// "Try it out" after POST /v1/sweeps reads the sweep it created (swagger-ui-config.ts), as the other resources
const sweepId = { id: LAST.sweep }
const running = { ...SWEEP, status: 'running', progress: { ...SUMMARY.progress, trialsDone: 1, jobsDone: 5 }, modelId: undefined, finishedAt: undefined, links }

export const SWEEP_EXAMPLES = {
  'POST /v1/sweeps': { body: { 'application/json': SWEEP_BODY }, responses: { 202: { id: SWEEP_ID, status: 'queued', trials: 4, jobs: 12, links } } },
  'GET /v1/sweeps': { params: { offset: 0, limit: 100 }, responses: { 200: { items: [SUMMARY], total: 1, offset: 0, limit: 100 } } },
  'GET /v1/sweeps/{id}': { params: sweepId, responses: { 200: SWEEP } },
  'GET /v1/sweeps/{id}/events': { params: sweepId, responses: { 200: EVENTS } },
  'POST /v1/sweeps/{id}/cancel': { params: sweepId, responses: { 202: running } },
  'DELETE /v1/sweeps/{id}': { params: sweepId }
}

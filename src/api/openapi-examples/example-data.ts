/**
 * The values the OpenAPI examples are made of: one iris story (upload, train, predict, score) told
 * once and reused by every operation's example. The ids are placeholders that Swagger UI's "Try it
 * out" replaces with the ids this page last created (swagger-ui-config.ts); elsewhere they are 404s.
 */

/** Placeholders for "the id of the last … created from this page". Valid ids in form, so they fail as 404, never 400. */
export const LAST = { dataset: 'last-dataset', job: 'last-job', network: 'last-network', model: 'last-model', sweep: 'last-sweep' } as const

/** 45 rows of Fisher's iris (15 per species), as CSV: the last column is the target by default. */
export const IRIS_CSV = `sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
4.9,3,1.4,0.2,setosa
4.7,3.2,1.3,0.2,setosa
4.6,3.1,1.5,0.2,setosa
5,3.6,1.4,0.2,setosa
5.4,3.9,1.7,0.4,setosa
4.6,3.4,1.4,0.3,setosa
5,3.4,1.5,0.2,setosa
4.4,2.9,1.4,0.2,setosa
4.9,3.1,1.5,0.1,setosa
5.4,3.7,1.5,0.2,setosa
4.8,3.4,1.6,0.2,setosa
4.8,3,1.4,0.1,setosa
4.3,3,1.1,0.1,setosa
5.8,4,1.2,0.2,setosa
7,3.2,4.7,1.4,versicolor
6.4,3.2,4.5,1.5,versicolor
6.9,3.1,4.9,1.5,versicolor
5.5,2.3,4,1.3,versicolor
6.5,2.8,4.6,1.5,versicolor
5.7,2.8,4.5,1.3,versicolor
6.3,3.3,4.7,1.6,versicolor
4.9,2.4,3.3,1,versicolor
6.6,2.9,4.6,1.3,versicolor
5.2,2.7,3.9,1.4,versicolor
5,2,3.5,1,versicolor
5.9,3,4.2,1.5,versicolor
6,2.2,4,1,versicolor
6.1,2.9,4.7,1.4,versicolor
5.6,2.9,3.6,1.3,versicolor
6.3,3.3,6,2.5,virginica
5.8,2.7,5.1,1.9,virginica
7.1,3,5.9,2.1,virginica
6.3,2.9,5.6,1.8,virginica
6.5,3,5.8,2.2,virginica
7.6,3,6.6,2.1,virginica
4.9,2.5,4.5,1.7,virginica
7.3,2.9,6.3,1.8,virginica
6.7,2.5,5.8,1.8,virginica
7.2,3.6,6.1,2.5,virginica
6.5,3.2,5.1,2,virginica
6.4,2.7,5.3,1.9,virginica
6.8,3,5.5,2.1,virginica
5.7,2.5,5,2,virginica
5.8,2.8,5.1,2.4,virginica
`

export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica']
const rows = IRIS_CSV.trim().split('\n').slice(1).map((l) => l.split(','))

/** The same rows as a JSON dataset body. */
export const IRIS_JSON = {
  name: 'iris-example',
  features: rows.map((r) => r.slice(0, 4).map(Number)),
  targets: rows.map((r) => r[4]),
  featureNames: IRIS_FEATURES,
  targetNames: ['species']
}

export const IRIS_NETWORK = { inputs: 4, layers: [{ units: 16, activation: 'relu' }], output: { units: 3, activation: 'softmax' } }

const at = '2026-11-30T08:48:42.438Z'
const stats = (mean: number, std: number, min: number, max: number) => ({ mean, std, min, max })

export const DATASET = {
  id: 'ds_53206c27617a4a2fa309e6d2801180da',
  name: 'iris-example',
  rows: 45,
  inputs: 4,
  outputs: 3,
  featureNames: IRIS_FEATURES,
  targetNames: ['species'],
  classes: IRIS_CLASSES,
  createdAt: at,
  columns: [
    { name: 'sepal_length', ...stats(5.78, 0.87, 4.3, 7.6) }, { name: 'sepal_width', ...stats(3.01, 0.42, 2, 4) },
    { name: 'petal_length', ...stats(3.75, 1.79, 1.1, 6.6) }, { name: 'petal_width', ...stats(1.2, 0.78, 0.1, 2.5) }
  ],
  targetColumns: IRIS_CLASSES.map((c) => ({ name: `species=${c}`, ...stats(0.333, 0.471, 0, 1) })),
  sha256: '094e2c263c820d1f1ed20c3c584a01c356a28e32d12f3de8afed0fefbfdcebfd',
  bytes: 1260
}

export const NETWORK = {
  id: 'net_456af0dcf80746099893a56d5b9e7ad9',
  name: 'iris-mlp',
  inputs: 4,
  layers: [{ inputs: 4, units: 16, activation: 'relu', parameters: 80 }],
  output: { inputs: 16, units: 3, activation: 'softmax', parameters: 51 },
  l2: 0,
  parameterCount: 131,
  createdAt: at,
  network: IRIS_NETWORK
}

const JOB_ID = 'job_5a2a7a96a5894d958fb48e44defc6336'
const MODEL_ID = 'mdl_a625c00432c54b0b88863673c6072274'
const jobLinks = (id: string) => ({ self: `/v1/training-jobs/${id}`, events: `/v1/training-jobs/${id}/events`, cancel: `/v1/training-jobs/${id}/cancel`, stop: `/v1/training-jobs/${id}/stop` })

export const CREATED_JOB = { id: JOB_ID, status: 'queued', links: jobLinks(JOB_ID) }

const report = { bestEpoch: 58, stoppedEpoch: 68, stopReason: 'early_stopping', warnings: [] as string[] }

/** The job example's options as the server reports them back: what it was sent (CREATE_JOB's), every default written in (batch: min(200, 45 rows)). */
const TRAINING = {
  epochs: 200, batchSize: 45, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, schedule: { type: 'constant' },
  validationSplit: 0.1, earlyStopping: { patience: 10, minDelta: 0.0001 }, shuffle: true, seed: 1, normalize: 'standard'
}

export const JOB_SUMMARY = {
  id: JOB_ID,
  status: 'succeeded',
  progress: { epoch: 68, epochs: 200 },
  datasetId: DATASET.id,
  network: IRIS_NETWORK,
  training: TRAINING,
  modelName: 'iris-example',
  modelId: MODEL_ID,
  ...report,
  createdAt: at,
  startedAt: '2026-11-30T08:48:42.722Z',
  finishedAt: '2026-11-30T08:48:43.114Z',
  links: { ...jobLinks(JOB_ID), model: `/v1/models/${MODEL_ID}` }
}

export const JOB = {
  ...JOB_SUMMARY,
  history: [
    { epoch: 1, loss: 1.0195, valLoss: 0.9924, accuracy: 0.4103, valAccuracy: 0.6667, learningRate: 0.01 },
    { epoch: 2, loss: 0.8831, valLoss: 0.8712, accuracy: 0.6923, valAccuracy: 0.6667, learningRate: 0.01 }
  ]
}

export const MODEL = {
  id: MODEL_ID,
  name: 'iris-example',
  version: 1,
  network: IRIS_NETWORK,
  parameterCount: 131,
  metrics: { epochs: 68, loss: 0.0812, accuracy: 0.9744, valLoss: 0.0496, valAccuracy: 1 },
  datasetId: DATASET.id,
  jobId: JOB_ID,
  classes: IRIS_CLASSES,
  featureNames: IRIS_FEATURES,
  targetNames: ['species'],
  training: TRAINING,
  ...report,
  createdAt: '2026-11-30T08:48:43.110Z'
}

/** A model small enough to read: multinomial logistic regression (no hidden layer) on standardised iris features. */
export const EXPORTED = {
  format: 'backprop.model',
  version: 2,
  network: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } },
  parameters: {
    'output.weight': [[-0.98, 1.05, -1.71, -1.58], [0.44, -1.2, 0.21, -0.52], [0.54, 0.15, 1.5, 2.1]],
    'output.bias': [-0.25, 1.13, -0.88]
  },
  name: 'iris-logistic',
  normalization: { kind: 'standard', offset: [5.78, 3.01, 3.75, 1.2], scale: [0.87, 0.42, 1.79, 0.78] },
  classes: IRIS_CLASSES,
  featureNames: IRIS_FEATURES,
  targetNames: ['species'],
  metrics: { valAccuracy: 0.96 }
}

/** The backprop of EXPORTED's model on one iris row labelled setosa (computed, rounded to 4 digits). */
export const BACKPROP = {
  modelId: MODEL_ID,
  mode: 'train',
  rows: 1,
  loss: 0.001966,
  layers: [{
    name: 'output',
    z: [[6.012, -0.2229, -5.789]],
    a: [[0.998, 0.001957, 0.000007488]],
    delta: [[-0.001964, 0.001957, 0.000007488]],
    gradients: {
      'output.weight': [[0.001535, -0.002292, 0.002579, 0.002518], [-0.001529, 0.002283, -0.002569, -0.002509], [-0.000005853, 0.000008736, -0.000009831, -0.0000096]],
      'output.bias': [-0.001964, 0.001957, 0.000007488]
    }
  }]
}

export const PREDICT_BODY = { inputs: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] }
export const PREDICTION = { outputs: [[0.9979, 0.0021, 0], [0.0001, 0.0271, 0.9728]], labels: ['setosa', 'virginica'] }

export const EVALUATION = {
  modelId: MODEL_ID,
  datasetId: DATASET.id,
  rows: 45,
  task: 'classification',
  metrics: {
    accuracy: 0.9778,
    logLoss: 0.0713,
    classes: IRIS_CLASSES,
    confusionMatrix: [[15, 0, 0], [0, 14, 1], [0, 0, 15]],
    perClass: [
      { label: 'setosa', precision: 1, recall: 1, f1: 1, support: 15 },
      { label: 'versicolor', precision: 1, recall: 0.9333, f1: 0.9655, support: 15 },
      { label: 'virginica', precision: 0.9375, recall: 1, f1: 0.9677, support: 15 }
    ],
    macroAvg: { precision: 0.9792, recall: 0.9778, f1: 0.9778, support: 45 },
    weightedAvg: { precision: 0.9792, recall: 0.9778, f1: 0.9778, support: 45 },
    rocAuc: 0.9985
  }
}

export const REGRESSION_EVALUATION = {
  modelId: 'mdl_0c1d2e3f405162738495a6b7c8d9e0f1',
  datasetId: 'ds_9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  rows: 89,
  task: 'regression',
  metrics: { mse: 2900.5, rmse: 53.86, mae: 43.1, r2: 0.45, perOutput: [{ name: 'progression', mse: 2900.5, rmse: 53.86, mae: 43.1, r2: 0.45 }] }
}

export const PREDICTIONS_CSV = 'row,setosa,versicolor,virginica,label\n0,0.9979,0.0021,0,setosa\n1,0.9968,0.0032,0,setosa\n'
export const PREDICTIONS_JSON = [{ row: 0, outputs: [0.9979, 0.0021, 0], label: 'setosa' }, { row: 1, outputs: [0.9968, 0.0032, 0], label: 'setosa' }]
export const PREDICTIONS_NDJSON = '{"row":0,"outputs":[0.9979,0.0021,0],"label":"setosa"}\n{"row":1,"outputs":[0.9968,0.0032,0],"label":"setosa"}\n'

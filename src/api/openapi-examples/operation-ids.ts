/**
 * Each operation's `operationId`: what client generators (openapi-generator, orval, openapi-typescript's
 * `operations`) name its method. Without them they made names of the path (`postV1ModelsIdPredict`).
 * The serving protocols' operations take their own specifications' names: KServe v2's REST and gRPC
 * (ServerLive, ModelInfer, …) and TensorFlow Serving's (Predict, GetModelStatus, GetModelMetadata).
 * test/api/openapi.test.ts checks that every operation has one, each once.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /healthz': 'checkLiveness',
  'GET /readyz': 'checkReadiness',
  'GET /metrics': 'getMetrics',
  'POST /v1/datasets': 'createDataset',
  'GET /v1/datasets': 'listDatasets',
  'GET /v1/datasets/{id}': 'getDataset',
  'DELETE /v1/datasets/{id}': 'deleteDataset',
  'POST /v1/networks': 'createNetwork',
  'GET /v1/networks': 'listNetworks',
  'GET /v1/networks/{id}': 'getNetwork',
  'DELETE /v1/networks/{id}': 'deleteNetwork',
  'GET /v1/models': 'listModels',
  'POST /v1/models': 'importModel',
  'GET /v1/models/{id}': 'getModel',
  'DELETE /v1/models/{id}': 'deleteModel',
  'GET /v1/models/{id}/export': 'exportModel',
  'POST /v1/models/{id}/predict': 'predict',
  'POST /v1/models/{id}/evaluate': 'evaluateModel',
  'POST /v1/models/{id}/predictions': 'predictDataset',
  'POST /v1/models/{id}/backprop': 'inspectBackprop',
  'POST /v1/training-jobs': 'createTrainingJob',
  'GET /v1/training-jobs': 'listTrainingJobs',
  'GET /v1/training-jobs/{id}': 'getTrainingJob',
  'DELETE /v1/training-jobs/{id}': 'deleteTrainingJob',
  'GET /v1/training-jobs/{id}/events': 'followTrainingJob',
  'POST /v1/training-jobs/{id}/cancel': 'cancelTrainingJob',
  'POST /v1/training-jobs/{id}/stop': 'stopTrainingJob',
  'POST /v1/sweeps': 'createSweep',
  'GET /v1/sweeps': 'listSweeps',
  'GET /v1/sweeps/{id}': 'getSweep',
  'GET /v1/sweeps/{id}/events': 'followSweep',
  'POST /v1/sweeps/{id}/cancel': 'cancelSweep',
  'DELETE /v1/sweeps/{id}': 'deleteSweep',
  'POST /v1/models/{name}:predict': 'tfServingPredict',
  'POST /v1/models/{name}/versions/{version}:predict': 'tfServingPredictVersion',
  'GET /v1/models/{name}/versions/{version}': 'tfServingGetModelStatus',
  'GET /v1/models/{name}/metadata': 'tfServingGetModelMetadata',
  'GET /v1/models/{name}/versions/{version}/metadata': 'tfServingGetModelVersionMetadata',
  'GET /v2': 'serverMetadata',
  'GET /v2/health/live': 'serverLive',
  'GET /v2/health/ready': 'serverReady',
  'GET /v2/models/{name}': 'modelMetadata',
  'GET /v2/models/{name}/versions/{version}': 'modelVersionMetadata',
  'GET /v2/models/{name}/ready': 'modelReady',
  'GET /v2/models/{name}/versions/{version}/ready': 'modelVersionReady',
  'GET /v2/models/{name}/config': 'modelConfig',
  'GET /v2/models/{name}/versions/{version}/config': 'modelVersionConfig',
  'POST /v2/models/{name}/infer': 'modelInfer',
  'POST /v2/models/{name}/versions/{version}/infer': 'modelVersionInfer'
}

type Operations = Record<string, Record<string, { operationId?: string }>>

/** Puts each operation's id into an OpenAPI document (in place) and returns it; an operation not in the table keeps none. */
export function addOperationIds<T extends { paths?: object }> (doc: T): T {
  for (const [path, operations] of Object.entries((doc.paths ?? {}) as Operations)) {
    for (const [method, operation] of Object.entries(operations)) {
      const id = OPERATION_IDS[`${method.toUpperCase()} ${path}`]
      if (id !== undefined) operation.operationId = id
    }
  }
  return doc
}

/**
 * Examples of the serving protocols' operations (routes/open-inference.ts, routes/tf-serving.ts), in
 * the shape of examples.ts's EXAMPLES, which spreads them in: the iris model of example-data.ts.
 */
import * as D from './example-data.js'
import { modelVersionNotFound } from '../../errors.js'

const PROBABILITIES = D.PREDICTION.outputs
/** A 404 as the route answers it: an unknown version of a path that names one, else an unknown name. */
const notFoundVersion = { error: modelVersionNotFound('iris-example', '7', 2).message }
const notFoundName = { error: "model 'iris-sample' not found; list models with GET /v1/models" }
const notFound = (params: Record<string, string>) => ('version' in params ? notFoundVersion : notFoundName)
const badBody = { error: "inputs[0].datatype: the input 'input' is FP32 (or FP64, FP16, BF16, INT8…INT64, UINT8…UINT64); got BOOL" }
const notFinite = { error: "the model's output for row 0 is NaN: that row is far outside the data the model was trained on (or the model is broken); check the row's units" }
const name = { name: 'iris-example' }
const version = { name: 'iris-example', version: '1' }

const METADATA = {
  name: 'iris-example',
  versions: ['1'],
  platform: 'backprop',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }, { name: 'label', datatype: 'BYTES', shape: [-1] }]
}
const INFER_BODY = { id: '42', inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: D.PREDICT_BODY.inputs.flat() }] }
const INFER_ANSWER = {
  model_name: 'iris-example',
  model_version: '1',
  id: '42',
  outputs: [
    { name: 'output', shape: [2, 3], datatype: 'FP32', data: PROBABILITIES.flat() },
    { name: 'label', shape: [2], datatype: 'BYTES', data: D.PREDICTION.labels }
  ]
}
const infer = (params: Record<string, string>) => ({ params, body: { 'application/json': INFER_BODY }, responses: { 200: INFER_ANSWER, 400: badBody, 404: notFound(params), 422: notFinite } })

const TFS_BODY = { instances: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }, { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 }] }
const tfsPredict = (params: Record<string, string>) => ({
  params,
  body: { 'application/json': TFS_BODY },
  responses: { 200: { predictions: PROBABILITIES }, 400: { error: 'instances[0].petal_colour: the model has no feature "petal_colour"; its features are "sepal_length", "sepal_width", "petal_length", "petal_width"' }, 404: notFound(params), 422: notFinite }
})
const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size), name: '' })), unknown_rank: false })
const TFS_METADATA = {
  model_spec: { name: 'iris-example', signature_name: '', version: '1' },
  metadata: {
    signature_def: {
      signature_def: {
        serving_default: {
          inputs: { input: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 4), name: 'input' } },
          outputs: { output: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 3), name: 'output' } },
          method_name: 'tensorflow/serving/predict'
        }
      }
    }
  }
}
const STATUS = { ...D.MODEL, model_version_status: [{ version: String(D.MODEL.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] }

const CONFIG = {
  name: 'iris-example', platform: 'backprop', backend: 'backprop', max_batch_size: 10000,
  input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [4] }],
  output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [3] }, { name: 'label', data_type: 'TYPE_STRING', dims: [1] }]
}

export const PROTOCOL_EXAMPLES = {
  'GET /v2': { responses: { 200: { name: 'backprop', version: '0.1.0', extensions: ['binary_tensor_data', 'classification', 'model_configuration'] } } },
  'GET /v2/health/live': { responses: { 200: { live: true } } },
  'GET /v2/health/ready': { responses: { 200: { ready: true }, 503: { error: 'not ready: the connection to Redis is down (reconnecting): Redis cannot be reached (ECONNREFUSED): check REDIS_URL and that Redis is running' } } },
  'GET /v2/models/{name}': { params: name, responses: { 200: METADATA, 404: notFound(name) } },
  'GET /v2/models/{name}/versions/{version}': { params: version, responses: { 200: METADATA, 404: notFound(version) } },
  'GET /v2/models/{name}/ready': { params: name, responses: { 200: { name: 'iris-example', ready: true }, 404: notFound(name) } },
  'GET /v2/models/{name}/versions/{version}/ready': { params: version, responses: { 200: { name: 'iris-example', ready: true }, 404: notFound(version) } },
  'GET /v2/models/{name}/config': { params: name, responses: { 200: CONFIG, 404: notFound(name) } },
  'GET /v2/models/{name}/versions/{version}/config': { params: version, responses: { 200: CONFIG, 404: notFound(version) } },
  'POST /v2/models/{name}/infer': infer(name),
  'POST /v2/models/{name}/versions/{version}/infer': infer(version),

  'POST /v1/models/{name}:predict': tfsPredict(name),
  'POST /v1/models/{name}/versions/{version}:predict': tfsPredict(version),
  'GET /v1/models/{name}/versions/{version}': { params: version, responses: { 200: STATUS, 404: notFound(version) } },
  'GET /v1/models/{name}/metadata': { params: name, responses: { 200: TFS_METADATA, 404: notFound(name) } },
  'GET /v1/models/{name}/versions/{version}/metadata': { params: version, responses: { 200: TFS_METADATA, 404: notFound(version) } }
}

/** The native GET /v1/models/{id} answers TF Serving's model status too. */
export const MODEL_WITH_STATUS = STATUS

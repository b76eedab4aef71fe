// Hostile and malformed requests against every endpoint, one table row per case: each must get a 4xx
// problem+json whose detail says what to fix, the server must keep answering, and nothing stored may change.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'

interface Case {
  readonly name: string
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT'
  /** a function, because most urls hold ids created in beforeAll */
  readonly url: () => string
  readonly headers?: Record<string, string>
  /** an object is sent as JSON; a string is sent as is */
  readonly body?: () => unknown
  readonly status: number
  readonly detail: RegExp
}

const BODY_LIMIT = 256 * 1024
let t: TestApp
const ids = { cls: '', one: '', reg: '', zeros: '', net: '', stepNet: '', model: '' }

const json = { 'content-type': 'application/json' }
const csv = { 'content-type': 'text/csv' }
const nested = (depth: number, inner: string): string => '['.repeat(depth) + inner + ']'.repeat(depth)
const net2 = { inputs: 2, layers: [{ units: 4, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
const training = { epochs: 5, batchSize: 2, optimizer: { type: 'sgd', learningRate: 0.1 } }
const job = (extra: Record<string, unknown> = {}, train: Record<string, unknown> = {}) =>
  ({ datasetId: ids.cls, network: net2, training: { ...training, ...train }, ...extra })
const goodModel = (extra: Record<string, unknown> = {}) => ({
  format: 'backprop.model',
  version: 1,
  network: { inputs: 2, layers: [], output: { units: 2, activation: 'softmax' } },
  layers: [{ W: [[1, 0], [0, 1]], b: [0, 0] }],
  ...extra
})
const dataset = (extra: Record<string, unknown> = {}) => ({ features: [[1, 2], [3, 4]], targets: ['a', 'b'], ...extra })

const CASES: Case[] = [
  // ---- POST /v1/datasets (JSON)
  { name: 'malformed JSON', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '{"features": [[1,2]', status: 400, detail: /not valid JSON/ },
  { name: 'NaN literal is not JSON', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '{"features": [[NaN, 1]], "targets": [1]}', status: 400, detail: /not valid JSON/ },
  { name: 'Infinity literal is not JSON', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '{"features": [[Infinity]], "targets": [1]}', status: 400, detail: /not valid JSON/ },
  { name: 'empty JSON body', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '', status: 400, detail: /empty/i },
  { name: 'a JSON array instead of an object', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '[[1,2]]', status: 400, detail: /object|accepted forms/ },
  { name: 'features is a string', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ features: 'abc' }), status: 400, detail: /features/ },
  { name: 'ragged rows', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ features: [[1, 2], [3]] }), status: 400, detail: /row 1 has 1 column; expected 2/ },
  { name: 'a string among numbers', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ features: [[1, '2'], [3, 4]] }), status: 400, detail: /features\[0\]\[1\]: expected a number like the rest of column "x1", got "2"/ },
  { name: 'null among numbers', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ features: [[1, null], [3, 4]] }), status: 400, detail: /features\[0\]\[1\]: the cell is missing.*missing-value strategy/ },
  { name: '1e400 (Infinity once parsed)', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '{"features": [[1e400, 1], [2, 3]], "targets": ["a", "b"]}', status: 400, detail: /features\[0\]\[0\]/ },
  { name: 'empty dataset', method: 'POST', url: () => '/v1/datasets', body: () => ({ features: [], targets: [] }), status: 400, detail: /features.*(too small|at least|>=)/i },
  { name: 'rows with no columns', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ features: [[], []] }), status: 400, detail: /no columns/ },
  { name: 'fewer targets than rows', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ targets: ['a'] }), status: 400, detail: /targets has 1 row; features has 2/ },
  { name: 'mixed target kinds', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ targets: ['a', 2] }), status: 400, detail: /targets\[1\]: the target is a number but the first row's is a string/ },
  { name: 'an empty class label', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ targets: ['a', ''] }), status: 400, detail: /targets\[1\]/ },
  { name: 'ragged target arrays', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ targets: [[1, 2], [3]] }), status: 400, detail: /targets\[1\]: has 1 value; expected 2 like the first row/ },
  { name: 'unknown field', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ labels: ['a', 'b'] }), status: 400, detail: /labels/ },
  { name: 'featureNames of the wrong length', method: 'POST', url: () => '/v1/datasets', body: () => dataset({ featureNames: ['only-one'] }), status: 400, detail: /featureNames has 1 name; the data has 2 columns/ },
  { name: '10k nested arrays', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => `{"features": ${nested(10_000, '1')}, "targets": ["a"]}`, status: 400, detail: /features\[0\]\[0\].*number/ },
  { name: '10k nested objects', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), status: 400, detail: /features|a/ },
  { name: 'text/plain', method: 'POST', url: () => '/v1/datasets', headers: { 'content-type': 'text/plain' }, body: () => 'x,y\n1,2', status: 415, detail: /text\/plain.*application\/json/ },
  { name: 'application/xml', method: 'POST', url: () => '/v1/datasets', headers: { 'content-type': 'application/xml' }, body: () => '<a/>', status: 415, detail: /application\/xml/ },
  {
    name: 'a form (curl -F) where no route takes one', method: 'POST', url: () => '/v1/networks', headers: { 'content-type': 'multipart/form-data; boundary=X' },
    body: () => '--X\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n\r\nx,y\n1,2\n\r\n--X--\r\n',
    status: 415, detail: /^content type 'multipart\/form-data' is not accepted here; send application\/json \(or text\/csv where a route accepts CSV\); a form \(curl -F\) is read only by POST \/v1\/datasets/
  },
  {
    // a dataset form cut off inside its file part (api/dataset-form.ts): the part's own stream errs, which unheard ended the process
    name: 'a dataset form cut off in its file', method: 'POST', url: () => '/v1/datasets', headers: { 'content-type': 'multipart/form-data; boundary=X' },
    body: () => '--X\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n\r\nx,y\n1,2\n',
    status: 400, detail: /^the form could not be read \(.*\); send the file as a form field, e\.g\. curl -F file=@data\.csv/
  },
  {
    name: 'a dataset form of two files', method: 'POST', url: () => '/v1/datasets', headers: { 'content-type': 'multipart/form-data; boundary=X' },
    body: () => '--X\r\nContent-Disposition: form-data; name="a"; filename="a.csv"\r\n\r\nx,y\n1,2\n\r\n--X\r\nContent-Disposition: form-data; name="b"; filename="b.csv"\r\n\r\nx,y\n1,2\n\r\n--X--\r\n',
    status: 400, detail: /^the form holds more than one file/
  },
  { name: 'body over the limit', method: 'POST', url: () => '/v1/datasets', headers: json, body: () => JSON.stringify(dataset({ name: 'x'.repeat(BODY_LIMIT) })), status: 413, detail: new RegExp(`exceeds ${BODY_LIMIT} bytes`) },
  { name: 'CSV over the limit', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => 'x,y\n' + '1,a\n'.repeat(BODY_LIMIT / 4 + 1), status: 413, detail: /BODY_LIMIT/ },
  // ---- POST /v1/datasets (CSV)
  { name: 'CSV with a bad cell', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => 'x1,x2,y\n1,2,a\n3,oops,b\n', status: 400, detail: /line 3.*column 2.*oops/ },
  { name: 'CSV with an empty cell', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => 'x1,x2,y\n1,,a\n3,4,b\n', status: 400, detail: /line 2/ },
  { name: 'CSV ragged record', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => 'x1,x2,y\n1,2,a\n3,b\n', status: 400, detail: /line 3/ },
  { name: 'CSV target column missing', method: 'POST', url: () => '/v1/datasets?target=species', headers: csv, body: () => 'x1,x2,y\n1,2,a\n3,4,b\n', status: 400, detail: /species/ },
  { name: 'CSV header only', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => 'x1,x2,y\n', status: 400, detail: /row|record|empty/i },
  { name: 'CSV empty body', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => '', status: 400, detail: /body|empty|CSV/i },
  { name: 'CSV bad categorical flag', method: 'POST', url: () => '/v1/datasets?categorical=maybe', headers: csv, body: () => 'x,y\n1,a\n2,b\n', status: 400, detail: /categorical/ },
  { name: 'CSV unterminated quote', method: 'POST', url: () => '/v1/datasets', headers: csv, body: () => 'x,y\n"1,a\n2,b\n', status: 400, detail: /quote/i },
  // ---- /v1/datasets/:id
  { name: 'GET unknown dataset', method: 'GET', url: () => '/v1/datasets/ds_nope', status: 404, detail: /dataset 'ds_nope' not found/ },
  { name: 'DELETE unknown dataset', method: 'DELETE', url: () => '/v1/datasets/ds_nope', status: 404, detail: /dataset 'ds_nope' not found/ },
  { name: 'dataset id with path tricks', method: 'GET', url: () => '/v1/datasets/..%2F..%2Fetc%2Fpasswd', status: 404, detail: /not found/ },
  { name: 'dataset id of 300 characters', method: 'GET', url: () => `/v1/datasets/${'a'.repeat(300)}`, status: 414, detail: /a path segment is longer than 200 characters, which no id or name is/ },
  { name: 'bad percent-encoding in an id', method: 'GET', url: () => '/v1/models/%E0%A4%A', status: 400, detail: /not a valid url component/ },
  { name: 'dataset id with a Redis glob', method: 'DELETE', url: () => '/v1/datasets/*', status: 404, detail: /dataset '\*' not found/ },
  // ---- /v1/networks
  { name: 'network of 1e9 units', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: [{ units: 1e9, activation: 'relu' }] }), status: 400, detail: /layers\[0\]\.units/ },
  { name: 'network of 0 units', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: [{ units: 0, activation: 'relu' }] }), status: 400, detail: /layers\[0\]\.units/ },
  { name: 'fractional units', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: [{ units: 1.5, activation: 'relu' }] }), status: 400, detail: /layers\[0\]\.units.*int/i },
  { name: 'inputs as a string', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, inputs: 'two' }), status: 400, detail: /inputs.*number/ },
  { name: 'unknown activation', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: [{ units: 3, activation: 'swish' }] }), status: 400, detail: /layers\[0\]\.activation/ },
  { name: 'softmax with one unit', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, output: { units: 1, activation: 'softmax' } }), status: 400, detail: /at least 2 units/ },
  { name: 'alpha on a relu layer', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: [{ units: 3, activation: 'relu', alpha: 0.1 }] }), status: 400, detail: /alpha applies to leaky_relu/ },
  { name: 'layer norm over 1 unit (it outputs β whatever comes in)', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: [{ units: 1, activation: 'relu', norm: 'layer' }] }), status: 400, detail: /^invalid body: layers\[0\]\.norm: layer norm over 1 unit always outputs its bias β/ },
  { name: 'too many parameters', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, inputs: 1_000_000, layers: [{ units: 100_000, activation: 'relu' }] }), status: 422, detail: /MAX_PARAMETERS/ },
  { name: '65 layers', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, layers: Array.from({ length: 65 }, () => ({ units: 2, activation: 'relu' })) }), status: 400, detail: /layers/ },
  { name: 'network unknown field', method: 'POST', url: () => '/v1/networks', body: () => ({ ...net2, dropout: 0.5 }), status: 400, detail: /dropout/ },
  { name: 'network as CSV', method: 'POST', url: () => '/v1/networks', headers: csv, body: () => 'inputs,units\n2,4\n', status: 415, detail: /text\/csv/ },
  { name: 'GET unknown network', method: 'GET', url: () => '/v1/networks/net_nope', status: 404, detail: /network 'net_nope' not found/ },
  { name: 'DELETE unknown network', method: 'DELETE', url: () => '/v1/networks/net_nope', status: 404, detail: /network 'net_nope' not found/ },
  // ---- POST /v1/training-jobs
  { name: 'job whose network has layer norm over 1 unit', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ network: { ...net2, layers: [{ units: 1, activation: 'tanh', norm: 'layer' }] } }), status: 400, detail: /layers\[0\]\.norm: layer norm over 1 unit/ },
  { name: 'job on an unknown dataset', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ datasetId: 'ds_nope' }), status: 404, detail: /dataset 'ds_nope' not found/ },
  { name: 'job on an unknown network', method: 'POST', url: () => '/v1/training-jobs', body: () => ({ datasetId: ids.cls, networkId: 'net_nope', training }), status: 404, detail: /network 'net_nope' not found/ },
  { name: 'job from an unknown model', method: 'POST', url: () => '/v1/training-jobs', body: () => ({ datasetId: ids.cls, initialModelId: 'mdl_nope', training }), status: 404, detail: /model 'mdl_nope' not found/ },
  { name: 'job with no network', method: 'POST', url: () => '/v1/training-jobs', body: () => ({ datasetId: ids.cls, training }), status: 400, detail: /exactly one of network, networkId or initialModelId/ },
  { name: 'job with two networks', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ networkId: ids.net }), status: 400, detail: /exactly one of .*network and networkId/ },
  { name: 'network width ≠ dataset width', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ network: { ...net2, inputs: 3 } }), status: 400, detail: /takes 3 inputs; dataset .* has 2 feature columns/ },
  { name: 'head ≠ number of classes', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ network: { ...net2, output: { units: 3, activation: 'softmax' } } }), status: 400, detail: /3 output units; dataset .* has 2 classes/ },
  { name: 'softmax on numeric targets', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ datasetId: ids.reg, network: { ...net2, output: { units: 2, activation: 'softmax' } } }), status: 400, detail: /output units|class labels/ },
  { name: 'sigmoid on targets outside [0, 1]', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ datasetId: ids.reg, network: { ...net2, output: { units: 1, activation: 'sigmoid' } } }), status: 400, detail: /sigmoid output needs targets in \[0, 1\]/ },
  { name: 'softmax on labels of one class', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ datasetId: ids.one, network: { ...net2, output: { activation: 'softmax' } } }), status: 422, detail: /is the class "a"; a classifier needs at least two classes/ },
  // one class is one class whichever head reads it: the same 422 as the sigmoid case below, not a 400 about the network
  { name: 'softmax on a constant numeric target', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ datasetId: ids.zeros, network: { ...net2, output: { activation: 'softmax' } } }), status: 422, detail: /target column 'y0' .* holds only the value 0; a classifier needs at least two classes/ },
  { name: 'sigmoid on one class only (all 0)', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ datasetId: ids.zeros, network: { ...net2, output: { units: 1, activation: 'sigmoid' } } }), status: 422, detail: /target column 'y0' .* is 0 in every row, so it holds only one class/ },
  { name: 'training a step network inline', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ network: { ...net2, layers: [{ units: 4, activation: 'step' }] } }), status: 400, detail: /step.*cannot be trained/ },
  { name: 'training a saved step network', method: 'POST', url: () => '/v1/training-jobs', body: () => ({ datasetId: ids.cls, networkId: ids.stepNet, training }), status: 400, detail: /step.*cannot be trained/ },
  { name: 'fine-tuning on other classes', method: 'POST', url: () => '/v1/training-jobs', body: () => ({ datasetId: ids.cls, initialModelId: ids.model, training }), status: 400, detail: /trained on classes cat, dog/ },
  { name: 'epochs 0', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { epochs: 0 }), status: 400, detail: /training\.epochs/ },
  { name: 'epochs 1e9', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { epochs: 1e9 }), status: 422, detail: /training\.epochs is 1000000000; the limit is 100000 \(MAX_EPOCHS\)/ },
  { name: 'epochs as a string', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { epochs: '10' }), status: 400, detail: /training\.epochs.*number/ },
  { name: 'batchSize 0', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { batchSize: 0 }), status: 400, detail: /training\.batchSize/ },
  { name: 'batchSize 1e9', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { batchSize: 1e9 }), status: 400, detail: /training\.batchSize/ },
  { name: 'learning rate 0', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { optimizer: { type: 'sgd', learningRate: 0 } }), status: 400, detail: /learningRate/ },
  { name: 'unknown optimizer', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { optimizer: { type: 'lbfgs', learningRate: 0.1 } }), status: 400, detail: /optimizer/ },
  { name: 'validationSplit 1', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { validationSplit: 1 }), status: 400, detail: /validationSplit/ },
  { name: 'job over MAX_JOB_WORK', method: 'POST', url: () => '/v1/training-jobs', body: () => job({ network: { ...net2, layers: [{ units: 5000, activation: 'relu' }] } }, { epochs: 100_000 }), status: 422, detail: /MAX_JOB_WORK/ },
  { name: 'training unknown field', method: 'POST', url: () => '/v1/training-jobs', body: () => job({}, { dropout: 0.5 }), status: 400, detail: /dropout/ },
  { name: 'job as CSV', method: 'POST', url: () => '/v1/training-jobs', headers: csv, body: () => 'a,b\n1,2\n', status: 415, detail: /text\/csv/ },
  // ---- /v1/training-jobs/:id
  { name: 'GET unknown job', method: 'GET', url: () => '/v1/training-jobs/nope', status: 404, detail: /training job 'nope' not found/ },
  { name: 'events of an unknown job', method: 'GET', url: () => '/v1/training-jobs/nope/events', status: 404, detail: /training job 'nope' not found/ },
  { name: 'cancel an unknown job', method: 'POST', url: () => '/v1/training-jobs/nope/cancel', status: 404, detail: /training job 'nope' not found/ },
  // ---- /v1/models
  { name: 'GET unknown model', method: 'GET', url: () => '/v1/models/mdl_nope', status: 404, detail: /model 'mdl_nope' not found/ },
  { name: 'DELETE unknown model', method: 'DELETE', url: () => '/v1/models/mdl_nope', status: 404, detail: /model 'mdl_nope' not found/ },
  { name: 'export unknown model', method: 'GET', url: () => '/v1/models/mdl_nope/export', status: 404, detail: /model 'mdl_nope' not found/ },
  { name: 'list with an empty name', method: 'GET', url: () => '/v1/models?name=', status: 400, detail: /name/ },
  { name: 'predict on an unknown model', method: 'POST', url: () => '/v1/models/mdl_nope/predict', body: () => ({ inputs: [[1, 2]] }), status: 404, detail: /model 'mdl_nope' not found/ },
  { name: 'predict with the wrong width', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ inputs: [[1, 2], [1, 2, 3]] }), status: 400, detail: /expected 2 inputs per row, got 3 in row 1/ },
  { name: 'predict with an empty row', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ inputs: [[]] }), status: 400, detail: /expected 2 inputs per row, got 0 in row 0/ },
  { name: 'predict with no rows', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ inputs: [] }), status: 400, detail: /inputs/ },
  { name: 'predict without inputs', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ rows: [[1, 2]] }), status: 400, detail: /inputs/ },
  { name: 'predict with a string cell', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ inputs: [[1, 'x']] }), status: 400, detail: /inputs\[0\]\[1\].*number/ },
  { name: 'predict with null', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ inputs: [[1, null]] }), status: 400, detail: /inputs\[0\]\[1\]/ },
  { name: 'predict with 1e400', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => '{"inputs": [[1e400, 1]]}', status: 400, detail: /inputs\[0\]\[0\]/ },
  { name: 'predict over 10000 rows', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, body: () => ({ inputs: Array.from({ length: 10_001 }, () => [1, 2]) }), status: 400, detail: /inputs.*10000/ },
  { name: 'predict with 10k nested arrays', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => `{"inputs": ${nested(10_000, '1')}}`, status: 400, detail: /inputs\[0\]\[0\]/ },
  { name: 'predict with a __proto__ key', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => '{"inputs": [[1, 2]], "__proto__": {"polluted": true}}', status: 400, detail: /__proto__|unrecognized|Unrecognized/ },
  // a record's own "__proto__" (JSON.parse makes one): refused as on every route, not dropped by the schema's copy; any value
  { name: 'predict with a record\'s __proto__ key', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => '{"instances": [{"x0": 1, "x1": 2, "__proto__": 3}]}', status: 400, detail: /the body holds a "__proto__" member.*rename the member/ },
  { name: 'predict with a constructor key', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => '{"constructor": {"prototype": {"polluted": true}}, "inputs": [[1, 2]]}', status: 400, detail: /constructor|nrecognized/ },
  // keys and names looked up in the service's own tables: Object.prototype's names find nothing there (one was a 500)
  { name: 'a training option named after an Object.prototype member', method: 'POST', url: () => '/v1/training-jobs', body: () => ({ datasetId: ids.reg, network: { inputs: 2, layers: [], output: { units: 1, activation: 'identity' } }, training: { toString: 1, optimizer: { type: 'adam', learningRate: 0.1, constructor: 1, hasOwnProperty: 2 } } }), status: 400, detail: /unknown key "toString"[^(]*;|unknown keys? "constructor", "hasOwnProperty"; the keys here are/ },
  { name: 'a Content-Encoding named __proto__', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: { 'content-type': 'application/json', 'content-encoding': '__proto__' }, body: () => '{"inputs": [[1, 2]]}', status: 415, detail: /Content-Encoding '__proto__' is not read here/ },
  { name: 'predict with malformed JSON', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => '{"inputs": [[1, 2]', status: 400, detail: /not valid JSON/ },
  { name: 'predict with an empty JSON body', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: json, body: () => '', status: 400, detail: /empty/ },
  { name: 'predict as text/plain', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: { 'content-type': 'text/plain' }, body: () => '1,2', status: 415, detail: /text\/plain/ },
  { name: 'predict as CSV', method: 'POST', url: () => `/v1/models/${ids.model}/predict`, headers: csv, body: () => 'a,b\n1,2\n', status: 415, detail: /text\/csv/ },
  { name: 'import with a wrong format', method: 'POST', url: () => '/v1/models', body: () => goodModel({ format: 'keras' }), status: 400, detail: /format/ },
  { name: 'import with W of the wrong shape', method: 'POST', url: () => '/v1/models', body: () => goodModel({ layers: [{ W: [[1, 0, 0], [0, 1, 0]], b: [0, 0] }] }), status: 400, detail: /layers\[0\]\.W/ },
  { name: 'import with a string weight', method: 'POST', url: () => '/v1/models', body: () => goodModel({ layers: [{ W: [[1, '0'], [0, 1]], b: [0, 0] }] }), status: 400, detail: /layers\[0\]\.W\[0\]\[1\]/ },
  { name: 'import with too few layers', method: 'POST', url: () => '/v1/models', body: () => goodModel({ layers: [] }), status: 400, detail: /layers/ },
  { name: 'import with 3 classes for 2 units', method: 'POST', url: () => '/v1/models', body: () => goodModel({ classes: ['a', 'b', 'c'] }), status: 400, detail: /needs 2 classes; got 3/ },
  { name: 'import with a zero scale', method: 'POST', url: () => '/v1/models', body: () => goodModel({ normalization: { kind: 'standard', offset: [0, 0], scale: [1, 0] } }), status: 400, detail: /divide by zero/ },
  // ---- anything else
  { name: 'unknown route', method: 'GET', url: () => '/v1/nothing', status: 404, detail: /no route for GET \/v1\/nothing/ },
  // a misspelt or invented filter must not list everything
  { name: 'a filter a list does not take', method: 'GET', url: () => '/v1/datasets?status=running', status: 400, detail: /unknown key "status"; the keys here are offset, limit/ },
  { name: 'a misspelt list filter', method: 'GET', url: () => '/v1/models?nam=iris', status: 400, detail: /unknown key "nam" \(did you mean "name"\?\)/ },
  { name: 'a negative offset is told its bound', method: 'GET', url: () => '/v1/training-jobs?offset=-1', status: 400, detail: /offset: must be ≥ 0, got -1$/ },
  { name: 'a query on a route that takes none', method: 'GET', url: () => `/v1/models/${ids.model}?foo=1`, status: 400, detail: /unknown query parameter "foo": GET \/v1\/models\/:id takes none/ },
  { name: 'a query on a job submission', method: 'POST', url: () => '/v1/training-jobs?priority=high', body: () => job({}), status: 400, detail: /unknown query parameter "priority": POST \/v1\/training-jobs takes none/ },
  { name: 'unsupported method', method: 'PUT', url: () => '/v1/datasets', body: () => dataset(), status: 405, detail: /PUT is not a method of \/v1\/datasets; it takes GET, HEAD, POST/ },
  { name: 'PUT on a model', method: 'PUT', url: () => `/v1/models/${ids.model}`, body: () => goodModel({}), status: 405, detail: /it takes GET, HEAD, DELETE/ }
]

async function post (url: string, payload: unknown): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> })
  expect(res.statusCode, res.body).toBe(201)
  return res.json<{ id: string }>().id
}

/** Every key under the test prefix → hash of its DUMP; counters other helpers may bump are left out. */
async function snapshot (): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for await (const batch of t.redis.scanStream({ match: `${t.config.REDIS_PREFIX}*`, count: 500 })) {
    for (const key of batch as string[]) {
      if (/:(stats|rate|ratelimit|rl|metrics)[:-]/.test(key)) continue
      const dump = await t.redis.dumpBuffer(key)
      out.set(key, dump ? createHash('sha256').update(dump).digest('hex') : 'gone')
    }
  }
  return out
}

beforeAll(async () => {
  t = await buildTestApp('hostile', { BODY_LIMIT: String(BODY_LIMIT), MAX_JOB_WORK: '1e9', TRAIN_THREADS: '1' })
  ids.cls = await post('/v1/datasets', { features: [[1, 2], [3, 4], [5, 6], [7, 8]], targets: ['a', 'b', 'a', 'b'] })
  ids.reg = await post('/v1/datasets', { features: [[1, 2], [3, 4], [5, 6]], targets: [5, 7, 9] })
  ids.zeros = await post('/v1/datasets', { features: [[1, 2], [3, 4], [5, 6]], targets: [0, 0, 0] })
  ids.one = await post('/v1/datasets', { features: [[1, 2], [3, 4]], targets: ['a', 'a'] }) // stored: it can score a model
  ids.net = await post('/v1/networks', net2)
  ids.stepNet = await post('/v1/networks', { ...net2, layers: [{ units: 4, activation: 'step' }] })
  ids.model = await post('/v1/models', goodModel({ classes: ['cat', 'dog'] }))
})
afterAll(async () => { await t?.close() })

describe('hostile requests', () => {
  it('has at least 60 cases, each named once', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60)
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length)
  })

  it('answers each with a 4xx problem+json that says what to fix, keeps serving, and changes nothing stored', async () => {
    const before = await snapshot()
    expect(before.size).toBeGreaterThan(0)
    const failures: string[] = []
    for (const c of CASES) {
      const body = c.body?.()
      const res = await t.app.inject({
        method: c.method,
        url: c.url(),
        headers: c.headers ?? (body === undefined ? {} : json),
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) })
      })
      const type = String(res.headers['content-type'] ?? '')
      let detail = ''
      try { detail = String(res.json<{ detail?: unknown }>().detail) } catch { detail = `<not JSON: ${res.body.slice(0, 200)}>` }
      const problems = [
        res.statusCode === c.status ? '' : `status ${res.statusCode}, want ${c.status}`,
        type.startsWith('application/problem+json') ? '' : `content-type ${type}`,
        c.detail.test(detail) ? '' : `detail does not match ${String(c.detail)}`
      ].filter(Boolean)
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')} — detail: ${detail}`)
      const health = await t.app.inject({ method: 'GET', url: '/healthz' })
      if (health.statusCode !== 200) failures.push(`${c.name}: /healthz answered ${health.statusCode} afterwards`)
    }
    expect(failures).toEqual([])
    const after = await snapshot()
    expect([...after.entries()].sort()).toEqual([...before.entries()].sort())
  })
})

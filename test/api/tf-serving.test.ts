// TensorFlow Serving's REST API (tensorflow.org/tfx/serving/api_rest): :predict in the row and the
// columnar form, from the documentation's request shapes, equal to the native predict on real rows
// (iris); the model status; errors as {"error": …}; and the rate limit on the protocol routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { buildTestApp, type TestApp } from './helper.js'
import { readCsv } from '../support/fixtures.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('tf-serving', { RATE_LIMIT_PER_MINUTE: '0' }) })
afterAll(async () => { await t.close() })

const iris = readCsv('iris.csv')
const features = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
const rows = iris.rows.map((r) => r.slice(0, 4).map(Number))
const spec: NetworkSpec = { inputs: 4, layers: [{ units: 5, activation: 'relu' }], output: { units: 3, activation: 'softmax' } }
const save = (phase: number) => t.app.models.save({
  spec,
  params: Float32Array.from({ length: parameterCount(spec) }, (_, i) => 0.4 * Math.cos(i * 0.9 + phase)),
  meta: { name: 'flowers', classes: ['setosa', 'versicolor', 'virginica'], featureNames: features, preprocessing: { columns: features.map((name) => ({ name, kind: 'numeric' as const })) }, normalization: { kind: 'standard', offset: [5.84, 3.05, 3.76, 1.2], scale: [0.83, 0.43, 1.76, 0.76] } }
})
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> })
const native = async (ref: string, inputs: number[][]): Promise<number[][]> => (await post(`/v1/models/${ref}/predict`, { inputs })).json().outputs
/** A regression model on a numeric column size and a categorical column colour (red, blue), with `meta` added. */
const cat: NetworkSpec = { inputs: 3, layers: [{ units: 3, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }
const colourColumns = [{ name: 'size', kind: 'numeric' as const }, { name: 'colour', kind: 'categorical' as const, categories: ['red', 'blue'] }]
const saveColoured = (name: string, meta: Record<string, unknown> = {}) => t.app.models.save({
  spec: cat,
  params: Float32Array.from({ length: parameterCount(cat) }, (_, i) => 0.3 * Math.sin(i + 1)),
  meta: { name, preprocessing: { columns: colourColumns }, ...meta }
})

describe('TensorFlow Serving REST: predict', () => {
  it('row form: instances as rows or as records answer {"predictions"} equal to the native predict', async () => {
    const v1 = await save(1)
    await save(2)
    const want = await native('flowers@latest', rows)
    const asRows = await post('/v1/models/flowers:predict', { signature_name: 'serving_default', instances: rows })
    expect(asRows.statusCode, asRows.body).toBe(200)
    expect(asRows.headers['content-type']).toBe('application/json')
    expect(asRows.json()).toEqual({ predictions: want })
    const records = rows.map((r) => Object.fromEntries(features.map((f, c) => [f, r[c]])))
    expect((await post('/v1/models/flowers:predict', { instances: records })).json()).toEqual({ predictions: want })
    // an empty signature_name is the default one, as in TF Serving (and as the metadata's model_spec names it)
    expect((await post('/v1/models/flowers:predict', { signature_name: '', instances: rows })).json()).toEqual({ predictions: want })
    // a version in the URL: that version, not the newest
    const old = await post(`/v1/models/flowers/versions/${v1.version}:predict`, { instances: rows.slice(0, 10) })
    expect(old.json()).toEqual({ predictions: await native(`flowers@${v1.version}`, rows.slice(0, 10)) })
    expect(old.json()).not.toEqual({ predictions: want.slice(0, 10) })
    // the native references work in the name too
    expect((await post(`/v1/models/${v1.id}:predict`, { instances: rows.slice(0, 3) })).json().predictions).toEqual(old.json().predictions.slice(0, 3))
  })

  it('columnar form: inputs as rows or as named columns answer {"outputs"} equal to the native predict', async () => {
    await save(3)
    const want = await native('flowers@latest', rows)
    expect((await post('/v1/models/flowers:predict', { inputs: rows })).json()).toEqual({ outputs: want })
    const columns = Object.fromEntries(features.map((f, c) => [f, rows.map((r) => r[c])]))
    const res = await post('/v1/models/flowers:predict', { inputs: columns })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ outputs: want })
    // one row (the micro-batched path) matches the native one-row request
    expect((await post('/v1/models/flowers:predict', { instances: [rows[7]] })).json().predictions).toEqual(await native('flowers@latest', [rows[7]]))
  })

  it('the signature\'s input by its name, as the metadata lists it: {"input": […]} per instance and {"inputs": {"input": [[…]]}}', async () => {
    await save(4)
    const want = await native('flowers@latest', rows.slice(0, 20))
    const meta = (await t.app.inject({ method: 'GET', url: '/v1/models/flowers/metadata' })).json()
    const [name] = Object.keys(meta.metadata.signature_def.signature_def.serving_default.inputs)
    expect(name).toBe('input')
    const named = await post('/v1/models/flowers:predict', { instances: rows.slice(0, 20).map((r) => ({ [name]: r })) })
    expect(named.statusCode, named.body).toBe(200)
    expect(named.json()).toEqual({ predictions: want })
    const columnar = await post('/v1/models/flowers:predict', { inputs: { [name]: rows.slice(0, 20) } })
    expect(columnar.statusCode, columnar.body).toBe(200)
    expect(columnar.json()).toEqual({ outputs: want })
    // errors name the value where it was sent
    const short = await post('/v1/models/flowers:predict', { instances: [{ input: rows[0] }, { input: [1, 2, 3] }] })
    expect(short.statusCode).toBe(400)
    expect(short.json().error).toMatch(/^expected 4 inputs per row, got 3 in row 1; /)
    const wrong = await post('/v1/models/flowers:predict', { inputs: { input: [rows[0], [1, 'x', 3, 4]] } })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error).toMatch(/^inputs\.input\[1\]\[1\]: /)
    // one row sent flat under the input, and rows under another name: what to send instead
    const flat = await post('/v1/models/flowers:predict', { inputs: { input: rows[0] } })
    expect(flat.statusCode).toBe(400)
    expect(flat.json().error).toBe(`inputs.input must be a list of rows, and got one flat row; wrap it in another pair of brackets: {"inputs": {"input": [[${rows[0].join(',')}]]}}`)
    for (const [body, field] of [[{ instances: [{ input: rows[0] }, { inputs: rows[1] }] }, 'instances[1].inputs'], [{ inputs: { x: [rows[0]] } }, 'inputs.x']] as const) {
      const misnamed = await post('/v1/models/flowers:predict', body)
      expect(misnamed.statusCode).toBe(400)
      expect(misnamed.json().error).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: a feature's value is a number, a string or null, not a list; .*under the signature's input "input"`))
    }
    // one form per request
    const mixed = await post('/v1/models/flowers:predict', { instances: [{ input: rows[0] }, rows[1]] })
    expect(mixed.statusCode).toBe(400)
    expect(mixed.json().error).toMatch(/^instances\[1\]: send every instance the same way/)
  })

  it('a feature column named as the signature\'s input is read as a column in the columnar form', async () => {
    const one: NetworkSpec = { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } }
    await t.app.models.save({ spec: one, params: Float32Array.from([2, 0.5]), meta: { name: 'doubling', featureNames: ['input'], preprocessing: { columns: [{ name: 'input', kind: 'numeric' as const }] } } })
    const res = await post('/v1/models/doubling:predict', { inputs: { input: [1, 2, 3] } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ outputs: await native('doubling', [[1], [2], [3]]) })
    expect(res.json().outputs.map((o: number[]) => o[0])).toEqual([2.5, 4.5, 6.5])
  })

  it('records with category strings and missing values answer as the native predict\'s instances', async () => {
    await saveColoured('priced', {
      targetNormalization: { kind: 'standard', offset: [100], scale: [20] },
      preprocessing: { columns: colourColumns, imputer: { strategy: 'mean', statistics: [2.5, 0] } }
    })
    const instances = [{ size: 1.5, colour: 'blue' }, { size: null, colour: 'red' }, { colour: 'red' }]
    const want = (await post('/v1/models/priced@latest/predict', { instances })).json()
    expect(want.unknownCategories).toBeUndefined()
    expect((await post('/v1/models/priced:predict', { instances })).json()).toEqual({ predictions: want.outputs })
    const columns = { size: [1.5, null, null], colour: ['blue', 'red', 'red'] }
    expect((await post('/v1/models/priced:predict', { inputs: columns })).json()).toEqual({ outputs: want.outputs })
    // rows as arrays: the category by name, as the native inputs
    expect((await post('/v1/models/priced:predict', { instances: [[1.5, 'blue']] })).json()).toEqual({ predictions: want.outputs.slice(0, 1) })
    // NaN, as TF Serving's JSON takes it and Python's json.dumps writes float('nan'): a missing value, with or without a
    // content-type; a "NaN" string stays a string, and Infinity is still refused (a protocol trial)
    for (const headers of [{ 'content-type': 'application/json' }, {}]) {
      const raw = (payload: string) => t.app.inject({ method: 'POST', url: '/v1/models/priced:predict', headers, payload })
      const nan = await raw('{"instances": [{"size": 1.5, "colour": "blue"}, {"size": NaN, "colour": "red"}, {"colour": "red"}]}')
      expect([nan.statusCode, nan.json()]).toEqual([200, { predictions: want.outputs }])
      const columnar = await raw('{"inputs": {"size": [1.5, NaN,NaN], "colour": ["blue", "red", "red"]}}')
      expect(columnar.json()).toEqual({ outputs: want.outputs })
      const text = await raw('{"instances": [{"size": 1.5, "colour": "NaN"}]}')
      expect(text.json()).toMatchObject({ error: expect.stringMatching(/NaN/) })
      expect(text.statusCode).toBe(400)
      const infinite = await raw('{"instances": [{"size": Infinity, "colour": "red"}]}')
      expect(infinite.statusCode).toBe(400)
      expect(infinite.json().error).toMatch(/; Infinity is not JSON, and no number stands for it here: send a finite number, or NaN or null for a missing value$/)
    }
    // the native route keeps JSON's own rule, and says what to send
    const native = await t.app.inject({ method: 'POST', url: '/v1/models/priced@latest/predict', headers: { 'content-type': 'application/json' }, payload: '{"instances": [{"size": NaN, "colour": "red"}]}' })
    expect(native.statusCode).toBe(400)
    expect(native.json().detail).toMatch(/NaN and Infinity are not JSON: send null for a missing value/)
  })

  it('reads a DT_STRING value in TF Serving\'s binary form, {"b64": …}, as the UTF-8 text it encodes, in every form; refuses one that is not base64 of text', async () => {
    await saveColoured('tinted')
    const b64 = (text: string): { b64: string } => ({ b64: Buffer.from(text, 'utf8').toString('base64') })
    const want = (await post('/v1/models/tinted@latest/predict', { instances: [{ size: 1.5, colour: 'blue' }, { size: 2, colour: 'red' }] })).json().outputs
    for (const [payload, key] of [
      [{ instances: [{ size: 1.5, colour: b64('blue') }, { size: 2, colour: b64('red') }] }, 'predictions'],
      [{ instances: [[1.5, b64('blue')], [2, b64('red')]] }, 'predictions'],
      [{ inputs: { size: [1.5, 2], colour: [b64('blue'), 'red'] } }, 'outputs'],
      [{ inputs: [[1.5, b64('blue')], [2, b64('red')]] }, 'outputs']
    ] as const) {
      const res = await post('/v1/models/tinted:predict', payload)
      expect(res.statusCode, `${JSON.stringify(payload)}: ${res.body}`).toBe(200)
      expect(res.json()).toEqual({ [key]: want })
    }
    // decoded, it is a category name like any other: one the model never saw is the same 400
    const green = await post('/v1/models/tinted:predict', { instances: [{ size: 1, colour: b64('green') }] })
    expect(green.json()).toEqual({ error: 'instances[0].colour: "green" is not a category of column \'colour\'; the model knows "red", "blue"' })
    // padding is optional, as absl's decoder (TF Serving's) reads it: "cmVk" is red, "Ymx1ZQ" blue
    expect((await post('/v1/models/tinted:predict', { instances: [{ size: 1.5, colour: { b64: 'Ymx1ZQ' } }, { size: 2, colour: { b64: 'cmVk' } }] })).json()).toEqual({ predictions: want })
    for (const bad of ['not base64!', 'cmVk=', 'cmVkc', Buffer.from([0xff, 0xfe]).toString('base64')]) {
      const res = await post('/v1/models/tinted:predict', { instances: [{ size: 1, colour: { b64: bad } }] })
      expect(res.statusCode, bad).toBe(400)
      expect(res.json().error, bad).toMatch(/^invalid body: instances\[0\]\.colour\.b64: must be standard base64 .* of UTF-8 text, a category name/)
    }
  })

  it('refuses a category the model never saw (the native predict encodes it as zeros and reports it; TF Serving\'s answer has no place for the report)', async () => {
    await saveColoured('hued')
    const native = await post('/v1/models/hued@latest/predict', { instances: [{ size: 1, colour: 'green' }] })
    expect([native.statusCode, native.json().unknownCategories]).toEqual([200, [{ row: 0, field: 'instances[0].colour', value: 'green' }]])
    const cases: Array<[unknown, string]> = [
      [{ instances: [{ size: 1, colour: 'green' }] }, 'instances[0].colour: "green" is not a category of column \'colour\'; the model knows "red", "blue"'],
      [{ inputs: [[1, 'green']] }, 'inputs[0][1]: "green" is not a category of column \'colour\'; the model knows "red", "blue"'],
      // the columnar form: row r of a column is inputs.<column>[r]
      [{ inputs: { size: [1, 2], colour: ['red', 'green'] } }, 'inputs.colour[1]: "green" is not a category of column \'colour\'; the model knows "red", "blue"']
    ]
    for (const [payload, error] of cases) {
      const res = await post('/v1/models/hued:predict', payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json()).toEqual({ error })
    }
  })

  it('refuses a number for a categorical column in every form, as a wrong type (not as a category the model never saw)', async () => {
    await saveColoured('shaded')
    const wrongType = (field: string) => `${field}: column 'colour' is categorical; expected one of its categories as a string ("red", "blue"), got the number 7`
    const cases: Array<[unknown, string]> = [
      [{ instances: [[1, 'red'], [1, 7]] }, wrongType('instances[1][1]')],
      [{ instances: [{ size: 1, colour: 7 }] }, wrongType('instances[0].colour')],
      [{ inputs: [[1, 7]] }, wrongType('inputs[0][1]')],
      [{ inputs: { size: [1, 2], colour: ['red', 7] } }, wrongType('inputs.colour[1]')]
    ]
    for (const [payload, error] of cases) {
      const res = await post('/v1/models/shaded:predict', payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json()).toEqual({ error })
    }
  })

  it('refuses bad bodies with 400 and unknown models or versions with 404, as {"error": …}', async () => {
    await save(4)
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['/v1/models/flowers:predict', { instances: [[1, 2, 3]] }, 400, /expected 4 inputs per row, got 3 in row 0; a row holds one value per feature, in order: "sepal_length", "sepal_width", "petal_length", "petal_width"$/],
      ['/v1/models/flowers:predict', { instances: [[1, 2, 3, -1e39]] }, 400, /instances\[0\]\[3\]: expected a finite number that fits a 32-bit float/],
      ['/v1/models/flowers:predict', { instances: [{ sepal_length: 5, petal_colour: 'red' }] }, 400, /instances\[0\]\.petal_colour: the model has no feature "petal_colour"/],
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [1, 2], sepal_width: [1] } }, 400, /inputs\.sepal_width: every column needs one value per row/],
      // the columnar form names a value as inputs.<column>[row], never as an instances record it was read into
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [5, 6], sepal_width: [3, 3], petal_length: [1, 1e39], petal_width: [0.2, 0.2] } }, 400,
        /^inputs\.petal_length\[1\]: expected a finite number that fits a 32-bit float/],
      // a column left out, or one the model lacks, is the column's fault, not its first value's
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [5], sepal_width: [3], petal_length: [1] } }, 400,
        /^inputs\.petal_width: the column is missing, and the model was trained without a missing-value strategy; send every feature column \("sepal_length", "sepal_width", "petal_length", "petal_width"\), one value per row$/],
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [5, 6], sepal_width: [3, 3] } }, 400,
        /^inputs\.petal_length: the columns "petal_length", "petal_width" are missing/],
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [5], sepal_width: [3], petal_length: [1], petal_width: [0.2], petal_colour: ['red'] } }, 400,
        /^inputs\.petal_colour: the model has no feature column "petal_colour"; its feature columns are "sepal_length"/],
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [5], sepal_width: [3], petal_length: [1], petal_widht: [0.2] } }, 400,
        /^inputs\.petal_widht: the model has no feature column "petal_widht" \(did you mean "petal_width"\?\)/],
      // a missing value inside a column is still that value's
      ['/v1/models/flowers:predict', { inputs: { sepal_length: [5, 6], sepal_width: [3, 3], petal_length: [1, 1], petal_width: [0.2, null] } }, 400,
        /^inputs\.petal_width\[1\]: the value is missing, and the model was trained without a missing-value strategy/],
      ['/v1/models/flowers:predict', { inputs: [[5, 3, 1e39, 0.2]] }, 400, /^inputs\[0\]\[2\]: expected a finite number that fits a 32-bit float/],
      ['/v1/models/flowers:predict', { instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] }, 400, /send exactly one of instances \(row form\) or inputs \(columnar form\)/],
      ['/v1/models/flowers:predict', { signature_name: 'classify', instances: [[1, 2, 3, 4]] }, 400, /^invalid body: signature_name: the string "classify" is not one of "serving_default", ""$/],
      // said once, not once per value
      ['/v1/models/flowers:predict', { instances: [1, 2, 3, 4] }, 400, /^instances must be a list of rows, and got one flat row; wrap it in another pair of brackets: \{"instances": \[\[1,2,3,4\]\]\}$/],
      ['/v1/models/flowers:predict', { inputs: [1, 2, 3, 4] }, 400, /^inputs must be a list of rows, and got one flat row/],
      // a misnamed member: which key is expected
      ['/v1/models/flowers:predict', { input: [[1, 2, 3, 4]] }, 400, /^unknown member 'input' \(did you mean 'inputs'\?\): TensorFlow Serving's predict body is \{"instances": \[\[…\], …\]\} \(row form/],
      ['/v1/models/flowers:predict', { instance: [[1, 2, 3, 4]] }, 400, /^unknown member 'instance' \(did you mean 'instances'\?\)/],
      ['/v1/models/flowers:predict', { signature_name: 'serving_default' }, 400, /^the body has neither instances nor inputs: TensorFlow Serving's predict body is/],
      ['/v1/models/nosuch:predict', { instances: [[1, 2, 3, 4]] }, 404, /^model 'nosuch' not found/],
      ['/v1/models/flowers/versions/99:predict', { instances: [[1, 2, 3, 4]] }, 404, /^model 'flowers' has no version 99; its newest is version \d+ /],
      ['/v1/models/flowers/versions/one:predict', { instances: [[1, 2, 3, 4]] }, 404, /^model 'flowers' version 'one' not found/]
    ]
    for (const [url, payload, status, message] of cases) {
      const res = await post(url, payload)
      expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(status)
      expect(res.headers['content-type']).toBe('application/json') // exactly, as TF Serving sends it
      expect(Object.keys(res.json())).toEqual(['error'])
      expect(res.json().error).toMatch(message)
    }
    // only :predict is a verb here: TF Serving's :classify is a 501 saying so, in TF Serving's error form; the native predict keeps its problem+json
    const classify = await post('/v1/models/flowers:classify', { instances: [[1, 2, 3, 4]] })
    expect([classify.statusCode, classify.headers['content-type']]).toEqual([501, 'application/json'])
    expect(classify.json().error).toMatch(/':classify' is not served here/)
    // TF Serving's version labels are not served: a 404 in its error form that says to name the version
    // (the status and metadata of a label too, TF Serving's GET /v1/models/{name}/labels/{label}[/metadata])
    for (const [method, url] of [['POST', '/v1/models/flowers/labels/stable:predict'], ['GET', '/v1/models/flowers/labels/canary:predict'], ['POST', '/v1/models/flowers/labels/stable:classify'],
      ['GET', '/v1/models/flowers/labels/stable'], ['GET', '/v1/models/flowers/labels/stable/metadata']] as const) {
      const res = await t.app.inject({ method, url, payload: method === 'POST' ? { instances: [[1, 2, 3, 4]] } : undefined })
      expect(res.statusCode, url).toBe(404)
      expect(Object.keys(res.json())).toEqual(['error'])
      expect(res.json().error).toMatch(/version labels are not served here \(no '(stable|canary)' for model 'flowers'\): name the version/)
    }
    const nativeError = await post('/v1/models/flowers@latest/predict', { inputs: [[1, 2, 3]] })
    expect(nativeError.headers['content-type']).toMatch(/^application\/problem\+json/)
    // TF Serving's paths alone answer a wrong method in its error form; the model status, shared with the native GET, is a
    // problem that carries TF Serving's `error` too
    const put = await t.app.inject({ method: 'PUT', url: '/v1/models/flowers/metadata', payload: {} })
    expect([put.statusCode, put.headers.allow, Object.keys(put.json())]).toEqual([405, 'GET, HEAD', ['error']])
    const status = await t.app.inject({ method: 'GET', url: '/v1/models/nope' })
    expect(status.statusCode).toBe(404)
    expect(status.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(status.json()).toMatchObject({ code: 'NN_ERR_MODEL_NOT_FOUND', error: status.json().detail })
    expect(status.json().error).toMatch(/^model 'nope' not found/)
  })

  it('reads a JSON body whatever its content-type, as TF Serving (its docs\' curl -d sends form-urlencoded); the native predict keeps its 415', async () => {
    await save(8)
    const want = await native('flowers@latest', rows.slice(0, 2))
    const body = JSON.stringify({ instances: rows.slice(0, 2) })
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', '', undefined]) { // '': a header sent blank
      const headers = type === undefined ? {} : { 'content-type': type }
      const res = await t.app.inject({ method: 'POST', url: '/v1/models/flowers:predict', headers, payload: body })
      expect(res.statusCode, `${type} ${res.body}`).toBe(200)
      expect(res.json()).toEqual({ predictions: want })
      const v2 = await t.app.inject({ method: 'POST', url: '/v2/models/flowers/infer', headers, payload: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: rows.slice(0, 2) }] }) })
      expect(v2.statusCode, `${type} ${v2.body}`).toBe(200)
      expect(v2.json().outputs[0].data).toEqual(want.flat())
    }
    const notJson = await t.app.inject({ method: 'POST', url: '/v1/models/flowers:predict', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'instances=1' })
    expect(notJson.statusCode).toBe(400)
    expect(Object.keys(notJson.json())).toEqual(['error'])
    const nativeForm = await t.app.inject({ method: 'POST', url: '/v1/models/flowers@latest/predict', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body })
    expect(nativeForm.statusCode).toBe(415)
  })

  it('refuses a body over the row cap while it arrives, as the native predict', async () => {
    await save(5)
    const res = await post('/v1/models/flowers:predict', { instances: Array.from({ length: 10_001 }, () => [1, 2, 3, 4]) })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatch(/10000/)
  })
})

describe('TensorFlow Serving REST: model status', () => {
  it('GET /v1/models/{name}[/versions/{v}] carries model_version_status beside the native answer', async () => {
    const first = await save(6)
    const newest = await save(7)
    const status = (v: number) => [{ version: String(v), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }]
    const byName = await t.app.inject({ method: 'GET', url: '/v1/models/flowers' })
    expect(byName.statusCode).toBe(200)
    expect(byName.json()).toMatchObject({ id: newest.id, model_version_status: status(newest.version) })
    const byVersion = await t.app.inject({ method: 'GET', url: `/v1/models/flowers/versions/${first.version}` })
    expect(byVersion.json()).toMatchObject({ id: first.id, model_version_status: status(first.version) })
    // the native references answer the same, with the status of the version they name
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${first.id}` })).json()).toEqual(byVersion.json())
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/flowers@latest' })).json()).toEqual(byName.json())
    // unknown: the native route keeps problem+json; the TF Serving one answers {"error"}
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/nosuch' })).json().detail).toMatch(/^model 'nosuch' not found/)
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/flowers/versions/99' })).json()).toEqual({ error: `model 'flowers' has no version 99; its newest is version ${newest.version} (list its versions with GET /v1/models?name=flowers)` })
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/nosuch/versions/1' })).json()).toEqual({ error: "model 'nosuch' version '1' not found; list models with GET /v1/models" })
  })
})

describe('TensorFlow Serving REST: model metadata', () => {
  const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size), name: '' })), unknown_rank: false })

  it('GET /v1/models/{name}[/versions/{v}]/metadata answers TF Serving\'s signature_def: serving_default, its inputs and outputs with dtype and tensor_shape', async () => {
    const first = await save(9)
    const newest = await save(10)
    const res = await t.app.inject({ method: 'GET', url: '/v1/models/flowers/metadata' })
    expect(res.statusCode, res.body).toBe(200)
    const { model_spec: spec, metadata } = res.json()
    expect(spec).toEqual({ name: 'flowers', signature_name: '', version: String(newest.version) })
    expect(Object.keys(metadata.signature_def.signature_def)).toEqual(['serving_default'])
    const signature = metadata.signature_def.signature_def.serving_default
    expect(signature.method_name).toBe('tensorflow/serving/predict')
    expect(signature.inputs).toEqual({ input: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 4), name: 'input' } })
    expect(signature.outputs).toEqual({ output: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 3), name: 'output' } })
    const old = await t.app.inject({ method: 'GET', url: `/v1/models/flowers/versions/${first.version}/metadata` })
    expect(old.json().model_spec).toEqual({ name: 'flowers', signature_name: '', version: String(first.version) })
    for (const url of ['/v1/models/nosuch/metadata', '/v1/models/flowers/versions/99/metadata']) {
      const missing = await t.app.inject({ method: 'GET', url })
      expect(missing.statusCode, url).toBe(404)
      expect(missing.json()).toEqual({ error: expect.stringMatching(/^model '(nosuch|flowers)'/) })
    }
  })

  it('lists one input per feature column for a model with categorical columns: DT_FLOAT, and DT_STRING for the categorical one', async () => {
    await saveColoured('tinted')
    const signature = (await t.app.inject({ method: 'GET', url: '/v1/models/tinted/metadata' })).json().metadata.signature_def.signature_def.serving_default
    expect(signature.inputs).toEqual({
      size: { dtype: 'DT_FLOAT', tensor_shape: dims(-1), name: 'size' },
      colour: { dtype: 'DT_STRING', tensor_shape: dims(-1), name: 'colour' }
    })
    expect(signature.outputs).toEqual({ output: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 1), name: 'output' } })
  })
})

describe('rate limits on the protocol routes', () => {
  it('counts :predict and /v2 infer against the key\'s limit: 429 with Retry-After, as {"error"}', async () => {
    const limited = await buildTestApp('protocol-rate', { RATE_LIMIT_PER_MINUTE: '2' })
    try {
      await limited.app.models.save({ spec, params: new Float32Array(parameterCount(spec)), meta: { name: 'flowers' } })
      const tfs = () => limited.app.inject({ method: 'POST', url: '/v1/models/flowers:predict', payload: { instances: [[1, 2, 3, 4]] } })
      const kserve = () => limited.app.inject({ method: 'POST', url: '/v2/models/flowers/infer', payload: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] } })
      expect((await tfs()).statusCode).toBe(200)
      expect((await kserve()).statusCode).toBe(200)
      for (const res of [await tfs(), await kserve()]) {
        expect(res.statusCode).toBe(429)
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
        expect(res.json().error).toMatch(/rate limit of 2 requests per minute/)
      }
      // the protocol's health stays open
      expect((await limited.app.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200)
    } finally {
      await limited.close()
    }
  })
})

describe('tenancy on the protocol routes', () => {
  it('another tenant\'s model is a 404 on every protocol route, as a name that never existed; the owner is served', async () => {
    const A = 'key-tenant-a-0123456789'
    const B = 'key-tenant-b-0123456789'
    const app = await buildTestApp('protocol-tenancy', { API_KEYS: `${A}:tenant-a:read,predict;${B}:tenant-b:admin`, RATE_LIMIT_PER_MINUTE: '0' })
    try {
      await app.app.models.save({ spec, params: new Float32Array(parameterCount(spec)), meta: { name: 'secret', tenant: 'tenant-a' } })
      const tensor = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }
      const calls = (name: string) => [
        { method: 'GET' as const, url: `/v2/models/${name}` },
        { method: 'GET' as const, url: `/v2/models/${name}/versions/1/ready` },
        { method: 'POST' as const, url: `/v2/models/${name}/infer`, payload: { inputs: [tensor] } },
        { method: 'POST' as const, url: `/v1/models/${name}:predict`, payload: { instances: [[1, 2, 3, 4]] } },
        { method: 'GET' as const, url: `/v1/models/${name}/versions/1` },
        { method: 'GET' as const, url: `/v1/models/${name}/metadata` },
        { method: 'GET' as const, url: `/v1/models/${name}/versions/1/metadata` },
        { method: 'GET' as const, url: `/v1/models/${name}` }
      ]
      const as = (key: string, call: { method: 'GET' | 'POST', url: string, payload?: Record<string, unknown> }) =>
        app.app.inject({ ...call, headers: { authorization: `Bearer ${key}` } })
      const [hidden, never] = [calls('secret'), calls('neverwas')]
      for (const [i, call] of hidden.entries()) {
        expect((await as(A, call)).statusCode, `${call.url} as the owner`).toBe(200)
        const [res, unknown] = [await as(B, call), await as(B, never[i])]
        expect(res.statusCode, call.url).toBe(404)
        expect(res.body.replaceAll('secret', 'neverwas')).toBe(unknown.body)
      }
    } finally {
      await app.close()
    }
  })
})

import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { createNetwork, predict } from '../../src/nn/network.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import type { Normalization } from '../../src/data/normalize.js'
import { buildTestApp, type TestApp } from './helper.js'

// the plain TypeScript kernels, so that predictions can be compared bit for bit with nn predict;
// the WebAssembly kernels (the default) are checked against them within float32 tolerance below
let t: TestApp
beforeAll(async () => { t = await buildTestApp('models', { KERNELS: 'ts' }) })
afterAll(async () => { await t.close() })

const classifier: NetworkSpec = { inputs: 3, layers: [{ units: 5, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const regressor: NetworkSpec = { inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
const weights = (spec: NetworkSpec, phase: number): Float32Array =>
  Float32Array.from({ length: parameterCount(spec) }, (_, i) => Math.fround(Math.sin(i * 1.7 + phase)))

const norm3: Normalization = { kind: 'standard', offset: [5, -1, 100], scale: [2, 0.5, 40] }
const classes = ['setosa', 'versicolor', 'virginica']
const rows = [[5, -1, 100], [9, 0.2, 60], [1, -3, 180], [6.5, -0.4, 120]]

/** The expectation computed apart from the predictor: normalise by hand, run nn predict, pick the argmax. */
function expected (spec: NetworkSpec, params: Float32Array, norm: Normalization, input: number[][]): number[][] {
  const x = Float32Array.from(input.flatMap((row) => row.map((v, c) => (v - norm.offset[c]) / norm.scale[c])))
  const out = predict(createNetwork(spec, { params }), x, input.length)
  const K = spec.output.units
  return input.map((_, r) => Array.from(out.subarray(r * K, r * K + K)))
}
const argmax = (v: number[]): number => v.indexOf(Math.max(...v))
const transpose = (m: number[][]): number[][] => m[0].map((_, c) => m.map((row) => row[c]))

describe('/v1/models', () => {
  it('lists, reads, predicts with class labels, exports, imports with identical predictions, and deletes', async () => {
    const params = weights(classifier, 0.3)
    const saved = await t.app.models.save({
      spec: classifier, params,
      meta: { name: 'flowers', datasetId: 'ds_x', jobId: 'job_y', normalization: norm3, classes, featureNames: ['a', 'b', 'c'], targetNames: ['species'], metrics: { accuracy: 0.97 } }
    })

    const one = await t.app.inject({ method: 'GET', url: `/v1/models/${saved.id}` })
    expect(one.statusCode).toBe(200)
    expect(one.json()).toMatchObject({
      id: saved.id, name: 'flowers', version: 1, parameterCount: 38, classes, datasetId: 'ds_x', jobId: 'job_y',
      featureNames: ['a', 'b', 'c'], targetNames: ['species'], metrics: { accuracy: 0.97 }, network: classifier
    })
    const list = await t.app.inject({ method: 'GET', url: '/v1/models?name=flowers' })
    expect(list.json().items.map((m: { id: string }) => m.id)).toEqual([saved.id])

    const want = expected(classifier, params, norm3, rows)
    const pred = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: rows } })
    expect(pred.statusCode).toBe(200)
    const body = pred.json() as { outputs: number[][], labels: string[] }
    expect(body.outputs).toEqual(want)
    body.outputs.forEach((p) => expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5))
    expect(body.labels).toEqual(want.map((p) => classes[argmax(p)]))
    expect(new Set(body.labels).size).toBeGreaterThan(1) // the rows were chosen to land in different classes
    // the one-row path (reused buffers) agrees with the batch path, row by row
    for (let r = 0; r < rows.length; r++) {
      const single = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [rows[r]] } })
      expect(single.json()).toEqual({ outputs: [want[r]], labels: [body.labels[r]] })
    }

    const exported = await t.app.inject({ method: 'GET', url: `/v1/models/${saved.id}/export` })
    expect(exported.statusCode).toBe(200)
    const json = exported.json()
    expect(json).toMatchObject({ format: 'backprop.model', version: 2, name: 'flowers', normalization: norm3, classes })
    expect(json.parameters['layers.0.linear.weight']).toHaveLength(5)
    expect(json.parameters['layers.0.linear.weight'][0]).toHaveLength(3)
    expect(json.parameters['output.bias']).toHaveLength(3)

    const imported = await t.app.inject({ method: 'POST', url: '/v1/models', payload: json })
    expect(imported.statusCode).toBe(201)
    const copy = imported.json()
    expect(copy.id).not.toBe(saved.id)
    expect(copy).toMatchObject({ name: 'flowers', version: 2, classes })
    expect(imported.headers.location).toBe(`/v1/models/${copy.id}`)
    const again = await t.app.inject({ method: 'POST', url: `/v1/models/${copy.id}/predict`, payload: { inputs: rows } })
    expect(again.json()).toEqual(body)

    expect(t.app.predictor.size).toBeGreaterThanOrEqual(2)
    const before = t.app.predictor.size
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/models/${saved.id}` })
    expect(del.statusCode).toBe(204)
    expect(t.app.predictor.size).toBe(before - 1)
    for (const url of [`/v1/models/${saved.id}`, `/v1/models/${saved.id}/export`]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404)
    }
    const gone = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: rows } })
    expect(gone.statusCode).toBe(404)
    expect(gone.json().code).toBe('NN_ERR_MODEL_NOT_FOUND')
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/models/${saved.id}` })).statusCode).toBe(404)
  })

  it('a model that an unfinished job fine-tunes is a 409 naming the job, and deletes once the job is cancelled (no worker here: the job stays queued)', async () => {
    const saved = await t.app.models.save({ spec: regressor, params: weights(regressor, 2), meta: {} })
    const data = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { features: [[1, 2], [3, 4], [5, 6], [7, 8]], targets: [0.5, 1.5, 2.5, 3.5] } })
    expect(data.statusCode, data.body).toBe(201)
    const job = await t.app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { datasetId: data.json().id, initialModelId: saved.id } })
    expect(job.statusCode, job.body).toBe(202)
    const jobId = job.json().id as string
    const refused = await t.app.inject({ method: 'DELETE', url: `/v1/models/${saved.id}` })
    expect(refused.statusCode).toBe(409)
    expect(refused.json()).toMatchObject({
      code: 'NN_ERR_CONFLICT',
      detail: `model '${saved.id}' is in use by training job '${jobId}' (fine-tuning it), not finished; cancel it or wait until it finishes, then delete it`
    })
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${saved.id}` })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'POST', url: `/v1/training-jobs/${jobId}/cancel` })).statusCode).toBe(202)
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/models/${saved.id}` })).statusCode).toBe(204)
  })

  it('a DELETE racing a job that fine-tunes the model: one of the two sees the other, never both succeed', async () => {
    const datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { features: [[1, 2], [3, 4], [5, 6], [7, 8]], targets: [0.5, 1.5, 2.5, 3.5] } })).json().id as string
    for (let i = 0; i < 16; i++) {
      const saved = await t.app.models.save({ spec: regressor, params: weights(regressor, i), meta: {} })
      // the DELETE sent 0 to 7.5 ms after the POST: some land inside the POST's admission, between its check and its enqueue
      const [job, deleted] = await Promise.all([
        t.app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { datasetId, initialModelId: saved.id } }),
        new Promise((resolve) => setTimeout(resolve, i / 2)).then(async () => await t.app.inject({ method: 'DELETE', url: `/v1/models/${saved.id}` }))
      ])
      expect(['202/409', '404/204'], `${job.body} ${deleted.body}`).toContain(`${job.statusCode}/${deleted.statusCode}`)
    }
  })

  it('drops a cached network that was deleted behind its back (another replica)', async () => {
    const saved = await t.app.models.save({ spec: classifier, params: weights(classifier, 1), meta: { classes } })
    const url = `/v1/models/${saved.id}/predict`
    expect((await t.app.inject({ method: 'POST', url, payload: { inputs: [rows[0]] } })).statusCode).toBe(200)
    await t.app.models.remove(saved.id) // the repository, not the route: the cache hears of it on the model-events channel
    let status = 200
    for (const deadline = Date.now() + 2000; status === 200 && Date.now() < deadline;) {
      status = (await t.app.inject({ method: 'POST', url, payload: { inputs: [rows[0]] } })).statusCode
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(status).toBe(404)
  })

  it('names the row and the expected width when a row is too short or too long', async () => {
    const saved = await t.app.models.save({ spec: classifier, params: weights(classifier, 2), meta: { normalization: norm3, classes } })
    for (const [inputs, row, got] of [[[[1, 2, 3], [1, 2]], 1, 2], [[[1, 2, 3, 4]], 0, 4]] as const) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs } })
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
      const problem = res.json()
      expect(problem).toMatchObject({ code: 'NN_ERR_INPUT_WIDTH', row, field: `inputs[${row}]` })
      expect(problem.detail).toBe(`expected 3 inputs per row, got ${got} in row ${row}; a row holds one value per feature, in order: "x0", "x1", "x2"`)
    }
    const empty = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [] } })
    expect(empty.statusCode).toBe(400)
    expect(empty.json().errors[0].field).toBe('inputs')
  })

  it('returns regression outputs in the targets\' units (de-normalised), without labels', async () => {
    const params = weights(regressor, 0.7)
    const inNorm: Normalization = { kind: 'minmax', offset: [0, 10], scale: [4, 20] }
    const outNorm: Normalization = { kind: 'standard', offset: [152], scale: [77] }
    const saved = await t.app.models.save({ spec: regressor, params, meta: { normalization: inNorm, targetNormalization: outNorm } })
    const input = [[1, 12], [3, 25], [0.5, 29]]
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: input } })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.labels).toBeUndefined()
    const raw = expected(regressor, params, inNorm, input)
    body.outputs.forEach((o: number[], r: number) => expect(o[0]).toBeCloseTo(raw[r][0] * 77 + 152, 3))
    expect(body.outputs.some((o: number[]) => Math.abs(o[0] - 152) > 1)).toBe(true)
    // the one-row path (reused input and output buffers) gives the same values, request after request
    for (let r = 0; r < input.length; r++) {
      const single = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [input[r]] } })
      expect(single.json().outputs).toEqual([body.outputs[r]])
    }
  })

  it('labels a single sigmoid unit by the 0.5 threshold', async () => {
    const spec: NetworkSpec = { inputs: 1, layers: [], output: { units: 1, activation: 'sigmoid' } }
    // p = σ(4x): x < 0 → "no", x > 0 → "yes"
    const saved = await t.app.models.save({ spec, params: Float32Array.of(4, 0), meta: { classes: ['no', 'yes'] } })
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [[-1], [2], [-0.1]] } })
    expect(res.json().labels).toEqual(['no', 'yes', 'no'])
    expect(res.json().outputs[1][0]).toBeCloseTo(1 / (1 + Math.exp(-8)), 6)
  })

  it('rejects imports whose weights, normalisation or classes do not fit the network, naming the field', async () => {
    const saved = await t.app.models.save({ spec: classifier, params: weights(classifier, 3), meta: { normalization: norm3, classes } })
    const good = (await t.app.inject({ method: 'GET', url: `/v1/models/${saved.id}/export` })).json()
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, parameters: { ...good.parameters, 'output.bias': undefined } }, /parameters\["output\.bias"\]: missing; the network has this tensor, of shape \[3\]/],
      [{ ...good, parameters: { ...good.parameters, 'layers.0.linear.weight': good.parameters['layers.0.linear.weight'].slice(1) } }, /parameters\["layers\.0\.linear\.weight"\]: expected a tensor of shape \[5, 3\], got \[4, 3\]/],
      [{ ...good, parameters: { ...good.parameters, 'layers.0.linear.weight': transpose(good.parameters['layers.0.linear.weight']) } }, /parameters\["layers\.0\.linear\.weight"\]: expected a tensor of shape \[5, 3\], got \[3, 5\] \(transposed\? a weight is \[out, in\], as torch\.nn\.Linear's\)/],
      [{ ...good, parameters: { ...good.parameters, 'output.bias': 5 } }, /parameters\["output\.bias"\]: expected a tensor of shape \[3\], got a number/],
      // each kind once ("a list or a list" was the two list shapes a tensor takes)
      [{ ...good, parameters: { ...good.parameters, 'output.bias': 'x' } }, /^invalid body: parameters\.output\.bias: expected a list or a number, got the string "x"$/],
      [{ ...good, normalization: { ...norm3, scale: [1, 2] } }, /normalization: needs 3 offsets and 3 scales/],
      [{ ...good, classes: ['a', 'b'] }, /classes: the output has 3 softmax units, so it needs 3 classes; got 2/],
      // names that become keys, each once: one label for two units would answer "a" for both
      [{ ...good, classes: ['a', 'a', 'b'] }, /classes\[1\]: "a" is also classes\[0\]; every class needs its own name/],
      [{ ...good, classes: ['1', '2', '1.0'] }, /classes\[2\]: "1\.0" and classes\[0\] "1" are the same number written two ways; write each class one way/],
      [{ ...good, classes: ['a', ' ', 'b'] }, /classes\[1\]: is empty; every class needs a name/],
      // names are read trimmed on every path: two that differ by spaces would be one
      [{ ...good, classes: ['a', 'b', ' a'] }, /classes\[2\]: " a" and classes\[0\] "a" differ only by spaces, and names are read trimmed; every class needs its own name/],
      [{ ...good, featureNames: ['u', 'v', 'u'] }, /featureNames\[2\]: "u" is also featureNames\[0\]; every feature column needs its own name/],
      [{ ...good, format: 'other' }, /format/]
    ]
    for (const [payload, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/models', payload })
      expect(res.statusCode, JSON.stringify(res.json())).toBe(400)
      expect(res.json().detail).toMatch(message)
    }
  })

  it('an import with featureNames and no preprocessing is read by those names: the records predict reads, as GET and the export name them', async () => {
    const saved = await t.app.models.save({ spec: classifier, params: weights(classifier, 3), meta: { normalization: norm3, classes } })
    const { name: _n, ...exported } = (await t.app.inject({ method: 'GET', url: `/v1/models/${saved.id}/export` })).json()
    expect(exported.preprocessing).toBeUndefined()
    const imported = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { ...exported, featureNames: ['u', 'v', 'w'] } })
    expect(imported.statusCode, imported.body).toBe(201)
    const id = imported.json().id as string
    const byRows = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: { inputs: rows } })
    const byRecords = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: { instances: rows.map(([u, v, w]) => ({ u, v, w })) } })
    expect(byRecords.statusCode, byRecords.body).toBe(200)
    expect(byRecords.json()).toEqual(byRows.json())
    const x0 = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: { instances: [{ x0: 1, x1: 2, x2: 3 }] } })
    expect(x0.statusCode).toBe(400) // the numbered names it answered to before
    expect(x0.json().detail).toMatch(/\bu\b/)
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export` })).json().featureNames).toEqual(['u', 'v', 'w'])
    // no targetNames sent: a classifier predicts one label column (not one name per softmax unit), a regressor one per output
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${id}` })).json().targetNames).toEqual(['y'])
    const twoOutputs = await t.app.models.save({ spec: { ...regressor, output: { units: 2, activation: 'identity' } }, params: weights({ ...regressor, output: { units: 2, activation: 'identity' } }, 1), meta: {} })
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${twoOutputs.id}` })).json().targetNames).toEqual(['y0', 'y1'])
  })

  it('404s unknown ids with a problem that says where to look', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/models/mdl_nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'NN_ERR_MODEL_NOT_FOUND', detail: expect.stringContaining('GET /v1/models') })
  })

  it('with the WebAssembly kernels (KERNELS=auto), predictions agree with the reference within float32 tolerance', async () => {
    const w = await buildTestApp('models-wasm', { KERNELS: 'auto' })
    try {
      const params = weights(classifier, 0.3)
      const saved = await w.app.models.save({ spec: classifier, params, meta: { normalization: norm3, classes } })
      const want = expected(classifier, params, norm3, rows)
      for (const input of [rows, [rows[2]]]) {
        const res = await w.app.inject({ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: input } })
        const got = (res.json() as { outputs: number[][] }).outputs
        got.forEach((row, r) => row.forEach((v, k) => expect(Math.abs(v - want[rows.indexOf(input[r])][k])).toBeLessThan(1e-5)))
      }
    } finally {
      await w.close()
    }
  })

  it('concurrent one-row predictions (run together as one batch) equal the same rows predicted alone', async () => {
    const saved = await t.app.models.save({ spec: classifier, params: weights(classifier, 0.7), meta: { normalization: norm3, classes } })
    const url = `/v1/models/${saved.id}/predict`
    const inputs = Array.from({ length: 150 }, (_, i) => [i % 9, (i % 5) - 2, 60 + i])
    const alone = []
    for (const row of inputs) alone.push((await t.app.inject({ method: 'POST', url, payload: { inputs: [row] } })).json())
    const together = await Promise.all(inputs.map(async (row) => (await t.app.inject({ method: 'POST', url, payload: { inputs: [row] } })).json()))
    expect(together).toEqual(alone)
    expect(together.map((b) => b.outputs[0])).toEqual(expected(classifier, weights(classifier, 0.7), norm3, inputs))
  })

  it('answers name@latest and name@<version> wherever a model id is read: GET, export and predict', async () => {
    const v1 = await t.app.models.save({ spec: classifier, params: weights(classifier, 1.1), meta: { name: 'aliased', normalization: norm3, classes } })
    const v2 = await t.app.models.save({ spec: classifier, params: weights(classifier, 2.2), meta: { name: 'aliased', normalization: norm3, classes } })
    expect([v1.version, v2.version]).toEqual([1, 2])
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/aliased@latest' })).json().id).toBe(v2.id)
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/aliased@1' })).json().id).toBe(v1.id)
    const byAlias = await t.app.inject({ method: 'POST', url: '/v1/models/aliased@latest/predict', payload: { inputs: rows } })
    const byId = await t.app.inject({ method: 'POST', url: `/v1/models/${v2.id}/predict`, payload: { inputs: rows } })
    expect(byAlias.statusCode).toBe(200)
    expect(byAlias.json()).toEqual(byId.json())
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/aliased@1/export' })).json().parameters['layers.0.linear.bias'][0]).toBeCloseTo(weights(classifier, 1.1)[15], 6)
    for (const ref of ['aliased@3', 'nobody@latest', 'aliased@0']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/models/${ref}` })
      expect(res.statusCode, ref).toBe(404)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    }
  })
})

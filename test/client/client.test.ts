// The typed client (client/): its committed types are what `npm run openapi` generates from the
// committed OpenAPI document; the README's example is client/example.ts's, word for word, and it runs
// against a real server (listening on a port) with a real training worker; the protocol routes are
// typed and callable through it too.
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPENAPI_PATH } from '../../scripts/generate-openapi.js'
import { CLIENT_TYPES_PATH, clientTypes } from '../../scripts/generate-client.js'
import { BackpropError, createBackpropClient, exportOnnx, followJob, inferBinary, predictDataset, uploadCsv, waitForJob, type JobEvent } from '../../client/index.js'
import { irisExample } from '../../client/example.js'
import { buildAppWithWorker } from '../api/with-worker.js'
import type { TestApp } from '../api/helper.js'
import { fixturePath } from '../support/fixtures.js'

const read = (path: string): string => readFileSync(path, 'utf8')

describe('typed client: generated files', () => {
  it('client/openapi.ts is what openapi-typescript makes of openapi/openapi.json (run `npm run openapi` after changing a route)', async () => {
    expect(await clientTypes(JSON.parse(read(OPENAPI_PATH)))).toBe(read(CLIENT_TYPES_PATH))
  })

  // the README has users copy client/ into their own project and compile it with their own settings: it must pass the
  // strictest of them, which this repository's tsconfig does not set (a trial's exactOptionalPropertyTypes failed on `signal`)
  it('client/ compiles under the strictest compiler options a user may have (@tsconfig/strictest\'s checks)', () => {
    const program = ts.createProgram(['client/index.ts', 'client/openapi.ts'], {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noPropertyAccessFromIndexSignature: true,
      noImplicitOverride: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      skipLibCheck: true,
      types: ['node']
    })
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
    expect(problems).toEqual([])
  }, 60_000)

  it('the README quotes client/example.ts\'s example word for word', () => {
    const source = read(new URL('../../client/example.ts', import.meta.url).pathname)
    const body = /\/\/ example:start\n([\s\S]*?)\n\s*\/\/ example:end/.exec(source)![1]
    const indent = /^ */.exec(body)![0].length
    const quoted = body.split('\n').map((l) => l.slice(indent)).join('\n')
    expect(quoted.split('\n').length).toBeLessThanOrEqual(16)
    expect(read(new URL('../../README.md', import.meta.url).pathname)).toContain(quoted)
  })
})

describe('typed client: against a real server and worker', () => {
  let t: TestApp
  let baseUrl: string
  beforeAll(async () => {
    t = await buildAppWithWorker('client', { RATE_LIMIT_PER_MINUTE: '0' })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => { await t.close() })

  it('runs the README example: upload → train → wait → predict', async () => {
    const { job, prediction } = await irisExample(baseUrl, read(fixturePath('iris.csv')))
    expect(job.status).toBe('succeeded')
    expect(prediction.labels).toEqual(['setosa', 'virginica'])
    expect(prediction.outputs).toHaveLength(2)
    for (const row of prediction.outputs) expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5)
  })

  it('calls the KServe v2 and TF Serving routes with typed bodies; they answer as the native predict', async () => {
    const api = createBackpropClient({ baseUrl })
    const rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    const native = await api.POST('/v1/models/{id}/predict', { params: { path: { id: 'iris@latest' } }, body: { inputs: rows } })
    const infer = await api.POST('/v2/models/{name}/infer', {
      params: { path: { name: 'iris' } }, body: { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: rows }] }
    })
    expect(infer.data!.outputs[0].data).toEqual(native.data!.outputs.flat())
    expect(infer.data!.outputs[1].data).toEqual(native.data!.labels)
    const tfs = await api.POST('/v1/models/{name}:predict', { params: { path: { name: 'iris' } }, body: { instances: rows } })
    expect(tfs.data!.predictions).toEqual(native.data!.outputs)
    const missing = await api.POST('/v1/models/{name}:predict', { params: { path: { name: 'nosuch' } }, body: { instances: rows } })
    expect(missing.response.status).toBe(404)
    expect(missing.error).toEqual({ error: "model 'nosuch' not found; list models with GET /v1/models" })
  })
})

describe('typed client helpers: against a real server and worker', () => {
  let t: TestApp
  let baseUrl: string
  beforeAll(async () => {
    t = await buildAppWithWorker('client-helpers', { RATE_LIMIT_PER_MINUTE: '0' })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => { await t.close() })

  const network = { inputs: 4, layers: [{ units: 8, activation: 'tanh' as const }], output: { units: 3, activation: 'softmax' as const } }

  it('uploadCsv sends the text as CSV; a bad one rejects with a BackpropError carrying status, code and body', async () => {
    const api = createBackpropClient({ baseUrl })
    const dataset = await uploadCsv(api, read(fixturePath('iris.csv')), { name: 'iris-helpers', target: 'species' })
    expect(dataset).toMatchObject({ rows: 150, inputs: 4, classes: ['setosa', 'versicolor', 'virginica'] })
    const bad = await uploadCsv(api, 'a,b\n1,2,3\n').catch((err: unknown) => err)
    expect(bad).toBeInstanceOf(BackpropError)
    expect(bad).toMatchObject({ status: 400, code: 'NN_ERR_BAD_CSV', message: expect.stringMatching(/^CSV line 2/) })
  })

  it('predictDataset and exportOnnx read answers openapi-fetch\'s own calls throw on (NDJSON by default, ONNX bytes)', async () => {
    const api = createBackpropClient({ baseUrl })
    const dataset = await uploadCsv(api, read(fixturePath('iris.csv')), { target: 'species' })
    const { data: job } = await api.POST('/v1/training-jobs', { body: { datasetId: dataset.id, network, modelName: 'iris-client-rows', training: { epochs: 5, seed: 1 } } })
    const done = await waitForJob(api, job!.id, { timeoutMs: 30_000 })
    expect(done.status).toBe('succeeded')
    // the plain call reads the default NDJSON answer as one JSON document
    await expect(api.POST('/v1/models/{id}/predictions', { params: { path: { id: 'iris-client-rows' } }, body: { datasetId: dataset.id } })).rejects.toThrow(SyntaxError)
    const rows = await predictDataset(api, 'iris-client-rows', dataset.id)
    expect(rows).toHaveLength(150)
    expect(rows[0]).toMatchObject({ row: 0, label: expect.any(String) })
    expect(rows[0].outputs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5)
    const onnx = new Uint8Array(await exportOnnx(api, 'iris-client-rows@latest'))
    expect(onnx.byteLength).toBeGreaterThan(100)
    expect(Buffer.from(onnx).toString('latin1')).toContain('backprop')
    const missing = await predictDataset(api, 'nosuch', dataset.id).catch((err: unknown) => err)
    expect(missing).toMatchObject({ status: 404, code: 'NN_ERR_MODEL_NOT_FOUND' })
    expect(await exportOnnx(api, 'nosuch').catch((err: unknown) => err)).toMatchObject({ status: 404 })
  })

  it('inferBinary sends and reads the binary tensor data extension, which openapi-fetch\'s own call cannot (a trial): the JSON call\'s outputs, to the bit', async () => {
    const api = createBackpropClient({ baseUrl })
    const dataset = await uploadCsv(api, read(fixturePath('iris.csv')), { target: 'species' })
    const { data: job } = await api.POST('/v1/training-jobs', { body: { datasetId: dataset.id, network, modelName: 'iris-client-binary', training: { epochs: 5, seed: 1 } } })
    expect((await waitForJob(api, job!.id, { timeoutMs: 30_000 })).status).toBe('succeeded')
    // JSON's 5.1 is read as the float32 5.1 the binary frame carries, as the model's training rows were stored: the
    // same outputs to the bit (they had been 1 ulp apart; a trial)
    const rows = [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5]
    const { data: json } = await api.POST('/v2/models/{name}/infer', { params: { path: { name: 'iris-client-binary' } }, body: { inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: rows }] } })
    const binary = await inferBinary(api, 'iris-client-binary', [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: Float32Array.from(rows) }], { id: 'r1' })
    expect(binary).toMatchObject({ model_name: 'iris-client-binary', model_version: '1', id: 'r1' })
    expect(binary.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual(json!.outputs.map((o) => [o.name, o.datatype, o.shape]))
    const [probabilities, labels] = binary.outputs
    expect(probabilities.data).toBeInstanceOf(Float32Array)
    expect(Array.from(probabilities.data as Float32Array)).toEqual(json!.outputs[0].data)
    expect(labels.data).toEqual(json!.outputs[1].data)
    // FP64 inputs, one output asked for by name, a version named: the same values
    const one = await inferBinary(api, 'iris-client-binary', [{ name: 'input', shape: [3, 4], datatype: 'FP64', data: Float64Array.from(rows) }], { version: '1', outputs: ['label'] })
    expect(one.outputs.map((o) => o.data)).toEqual([json!.outputs[1].data])
    const both = await inferBinary(api, 'iris-client-binary', [{ name: 'input', shape: [3, 4], datatype: 'FP64', data: Float64Array.from(rows) }])
    expect(Array.from(both.outputs[0].data as Float32Array)).toEqual(json!.outputs[0].data)
    // a frame the service refuses: its {error}, as a BackpropError
    const wrong = await inferBinary(api, 'iris-client-binary', [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: Float32Array.from(rows) }]).catch((err: unknown) => err)
    expect(wrong).toBeInstanceOf(BackpropError)
    expect(wrong).toMatchObject({ status: 400, message: expect.stringMatching(/^inputs\[0\]/) })
    expect(await inferBinary(api, 'nosuch', [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: new Float32Array(4) }]).catch((err: unknown) => err)).toMatchObject({ status: 404 })
  })

  it('followJob yields every epoch in order, then the end with the model id; waitForJob returns the same job with its history', async () => {
    const api = createBackpropClient({ baseUrl })
    const dataset = await uploadCsv(api, read(fixturePath('iris.csv')), { target: 'species' })
    const { data: job } = await api.POST('/v1/training-jobs', { body: { datasetId: dataset.id, network, training: { epochs: 30, seed: 1 } } })
    const events: JobEvent[] = []
    for await (const e of followJob(api, job!.id)) events.push(e)
    const epochs = events.filter((e) => e.type === 'epoch').map((e) => e.stats.epoch)
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    const end = events[events.length - 1]
    expect(end).toMatchObject({ type: 'end', status: 'succeeded', modelId: expect.stringMatching(/^mdl_/) })
    const done = await waitForJob(api, job!.id, { timeoutMs: 30_000 })
    expect(done.status).toBe('succeeded')
    if (done.status === 'succeeded') expect(done.modelId).toBe(end.type === 'end' ? end.modelId : undefined)
    expect(done.history.map((h) => h.loss)).toEqual(events.flatMap((e) => (e.type === 'epoch' ? [e.stats.loss] : [])))
  })

  it('followJob opens a stream that broke again after the last epoch it saw: every epoch once, in order, then the end', async () => {
    const api = createBackpropClient({ baseUrl })
    const dataset = await uploadCsv(api, read(fixturePath('iris.csv')), { target: 'species' })
    const { data: job } = await api.POST('/v1/training-jobs', { body: { datasetId: dataset.id, network, training: { epochs: 400, batchSize: 4, seed: 2, earlyStopping: false } } })
    const epochs: number[] = []
    let ended: JobEvent | undefined
    for await (const e of followJob(api, job!.id)) {
      if (e.type === 'end') { ended = e; break }
      epochs.push(e.stats.epoch)
      // twice mid-run, every open connection of the server is cut (a proxy's timeout, an API restarting)
      if (epochs.length === 5 || epochs.length === 60) t.app.server.closeAllConnections()
    }
    expect(ended).toMatchObject({ type: 'end', status: 'succeeded' })
    expect(epochs).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
    // a signal aborted before the call stops it at once, as waitForJob's does
    const aborted = AbortSignal.abort(new Error('stopped before'))
    await expect((async () => { for await (const _ of followJob(api, job!.id, { signal: aborted })) { /* none */ } })()).rejects.toThrow('stopped before')
  })

  it('an unknown job rejects both with a 404 BackpropError; a wait past its timeout rejects with a TimeoutError', async () => {
    const api = createBackpropClient({ baseUrl })
    await expect(waitForJob(api, 'job_nosuch')).rejects.toMatchObject({ name: 'BackpropError', status: 404, code: 'NN_ERR_JOB_NOT_FOUND' })
    await expect((async () => { for await (const _ of followJob(api, 'job_nosuch')) { /* none */ } })()).rejects.toMatchObject({ status: 404 })
    const dataset = await uploadCsv(api, read(fixturePath('iris.csv')), { target: 'species' })
    const { data: job, error } = await api.POST('/v1/training-jobs', { body: { datasetId: dataset.id, network, training: { epochs: 5_000, batchSize: 4, seed: 1, earlyStopping: false } } })
    expect(error, JSON.stringify(error)).toBeUndefined()
    await expect(waitForJob(api, job!.id, { timeoutMs: 300 })).rejects.toMatchObject({ name: 'TimeoutError' })
    // stopping early closes the stream; the job goes on until cancelled
    for await (const e of followJob(api, job!.id)) if (e.type === 'epoch') break
    await api.POST('/v1/training-jobs/{id}/cancel', { params: { path: { id: job!.id } } })
    expect((await waitForJob(api, job!.id, { timeoutMs: 30_000 })).status).toBe('cancelled')
  })
})

import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { openApiDocument } from '../../src/api/app.js'
import { OPENAPI_PATH, formatOpenApi } from '../../scripts/generate-openapi.js'
import { buildTestApp, type TestApp } from './helper.js'
import { OPERATION_IDS } from '../../src/api/openapi-examples/operation-ids.js'
import { errorCodes } from '../../src/errors.js'
import { mergeIdenticalInputSchemas } from '../../src/api/openapi-examples/merged-input-schemas.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('openapi') })
afterAll(async () => { await t.close() })

describe('OpenAPI document', () => {
  it('openapi/openapi.json is what the running app generates (run `npm run openapi` after changing a route or schema)', () => {
    const committed = readFileSync(OPENAPI_PATH, 'utf8')
    expect(formatOpenApi(openApiDocument(t.app))).toBe(committed)
  })

  it('GET /openapi.json serves the same document, with every /v1 route and problem+json errors', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc).toEqual(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')))
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/datasets', '/v1/datasets/{id}', '/v1/networks', '/v1/networks/{id}', '/healthz', '/readyz']))
    expect(Object.keys(doc.paths['/v1/datasets'].post.requestBody.content)).toEqual(expect.arrayContaining(['application/json', 'text/csv']))
    expect(doc.paths['/v1/networks/{id}'].get.responses['404'].content['application/problem+json']).toBeDefined()
  })

  it('gives each schema one name unless requests and answers read it differently, and every reference resolves', () => {
    const doc = openApiDocument(t.app) as { components: { schemas: Record<string, unknown> } }
    const names = Object.keys(doc.components.schemas)
    // the twins left are schemas sent and answered alike but read differently: an optimizer's defaults are optional when sent
    expect(names.filter((n) => n.endsWith('Input')).sort()).toEqual(['OptimizerInput', 'TrainingOptionsInput'])
    expect(doc.components.schemas.TrainingOptionsInput).not.toEqual(doc.components.schemas.TrainingOptions)
    expect(names).toEqual(expect.arrayContaining(['Problem', 'CreateTrainingJobRequest', 'InferRequest', 'TrainingJobResponse']))
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1])
    expect(refs.filter((r) => !names.includes(r))).toEqual([])
  })

  it('merges a twin equal to its answer, drops one no operation uses, and names a request-only schema plainly', () => {
    const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` })
    const strict = { type: 'object', properties: { n: { type: 'number' } }, additionalProperties: false }
    const doc = {
      paths: {
        '/a': { post: { requestBody: { content: { 'application/json': { schema: ref('OuterInput') } } }, responses: { 200: { content: { 'application/json': { schema: ref('Outer') } } } } } },
        '/b': { post: { requestBody: { content: { 'application/json': { schema: ref('SentInput') } } }, responses: { 200: { content: { 'application/json': { schema: ref('Answer') } } } } } }
      },
      components: {
        schemas: {
          // alike once Inner's twins are one: merged, in two passes
          Inner: strict, InnerInput: strict,
          Outer: { type: 'object', properties: { inner: ref('Inner') } }, OuterInput: { type: 'object', properties: { inner: ref('InnerInput') } },
          // answered only: its twin goes
          Answer: strict, AnswerInput: { type: 'object', properties: { n: { type: 'number' } } },
          // sent only: the twin takes the plain name
          Sent: strict, SentInput: { type: 'object', properties: { n: { type: 'number', default: 1 } } }
        }
      }
    }
    const before = structuredClone(doc)
    const out = mergeIdenticalInputSchemas(doc)
    expect(doc).toEqual(before)
    expect(Object.keys(out.components.schemas).sort()).toEqual(['Answer', 'Inner', 'Outer', 'Sent'])
    expect(out.components.schemas.Sent).toEqual(doc.components.schemas.SentInput)
    expect(out.components.schemas.Outer).toEqual({ type: 'object', properties: { inner: ref('Inner') } })
    expect(out.paths['/a'].post.requestBody.content['application/json'].schema).toEqual(ref('Outer'))
    expect(out.paths['/b'].post.requestBody.content['application/json'].schema).toEqual(ref('Sent'))
  })

  it('names every operation by a unique operationId (what client generators call its method), the protocols\' by their own specifications\' names', () => {
    const doc = openApiDocument(t.app) as { paths: Record<string, Record<string, { operationId?: string }>> }
    const ids = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.operationId]))
    expect(ids.filter(([, id]) => id === undefined).map(([op]) => op)).toEqual([])
    expect(new Set(ids.map(([, id]) => id)).size).toBe(ids.length)
    // the table names no operation the app does not have
    expect(Object.keys(OPERATION_IDS).sort()).toEqual(ids.map(([op]) => op).sort())
    expect(doc.paths['/v2/models/{name}/infer'].post.operationId).toBe('modelInfer')
    expect(doc.paths['/v1/models/{name}:predict'].post.operationId).toBe('tfServingPredict')
  })

  it('declares the headers clients read: the model that answered a prediction, the request id, a 429\'s limits, an export\'s file name', async () => {
    const doc = openApiDocument(t.app) as { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> }
    for (const path of ['/v1/models/{id}/predict', '/v1/models/{name}:predict', '/v1/models/{name}/versions/{version}:predict']) {
      expect(Object.keys(doc.paths[path].post.responses['200'].headers ?? {}), path).toEqual(['X-Request-Id', 'X-Model-Id', 'X-Model-Name', 'X-Model-Version'])
    }
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          expect(Object.keys(response.headers ?? {}), `${method} ${path} ${status}`).toContain('X-Request-Id')
          if (status === '429') expect(Object.keys(response.headers ?? {})).toEqual(expect.arrayContaining(['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']))
        }
      }
    }
    expect(Object.keys(doc.paths['/v1/models/{id}/export'].get.responses['200'].headers ?? {})).toContain('Content-Disposition')
    // and the service sends them: the request id on any answer
    const res = await t.app.inject({ method: 'GET', url: '/v1/datasets', headers: { 'x-request-id': 'trace-123' } })
    expect(res.headers['x-request-id']).toBe('trace-123')
  })

  it('declares each body a route reads as its own content: a CSV upload as text, a form with its fields, KServe\'s binary tensor request', () => {
    type Media = { schema?: { type?: string, format?: string, properties?: Record<string, unknown>, $ref?: string } }
    const doc = openApiDocument(t.app) as { paths: Record<string, Record<string, { requestBody: { content: Record<string, Media> }, responses: Record<string, { content?: Record<string, Media>, headers?: Record<string, unknown> }> }>> }
    const upload = doc.paths['/v1/datasets'].post.requestBody.content
    // a JSON string was declared valid and then refused: JSON is the object alone
    expect(upload['application/json'].schema?.$ref).toBe('#/components/schemas/CreateDatasetJson')
    for (const type of ['text/csv', 'application/csv']) expect(upload[type].schema?.type, type).toBe('string')
    expect(Object.keys(upload['multipart/form-data'].schema?.properties ?? {})).toEqual(['file', 'target', 'name', 'categorical', 'delimiter', 'decimal', 'thousands', 'missing', 'fillValue'])
    for (const path of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer']) {
      const op = doc.paths[path].post
      expect(op.requestBody.content['application/octet-stream'].schema?.format, path).toBe('binary')
      expect(Object.keys(op.responses['200'].headers ?? {})).toContain('Inference-Header-Content-Length')
    }
  })

  it('lists every error code a problem can carry, and a 4xx of Fastify\'s own is answered with one of them', async () => {
    const doc = openApiDocument(t.app) as { components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> } }
    const described = doc.components.schemas.Problem.properties.code.description!
    for (const [code, status] of errorCodes()) expect(described).toContain(`${code} (${status})`)
    expect(described).toContain('NN_ERR_INPUT_WIDTH (400)')
    // a malformed percent-encoding in the path is Fastify's FST_ERR_BAD_URL: its message, the catalogue's code
    const badUrl = await t.app.inject({ method: 'GET', url: '/v1/datasets/%E0%A4%A' })
    expect(badUrl.statusCode).toBe(400)
    expect(badUrl.json().code).toBe('NN_ERR_BAD_REQUEST')
    // a path segment past the router's 200 characters: a declared 414 that says so without quoting the whole path, in each protocol's own form
    const long = 'x'.repeat(250)
    const native = await t.app.inject({ method: 'GET', url: `/v1/datasets/${long}` })
    expect([native.statusCode, native.headers['content-type'], native.json().code]).toEqual([414, 'application/problem+json; charset=utf-8', 'NN_ERR_BAD_REQUEST'])
    expect(native.json().detail).toBe('a path segment is longer than 200 characters, which no id or name is: check the path (263 characters)')
    for (const [method, url] of [['GET', `/v2/models/${long}`], ['POST', `/v2/models/${long}/infer`], ['POST', `/v1/models/${long}:predict`]] as const) {
      const res = await t.app.inject({ method, url, payload: method === 'POST' ? {} : undefined })
      expect([res.statusCode, res.headers['content-type']], url.slice(0, 12)).toEqual([414, 'application/json'])
      expect(res.json().error).toMatch(/^a path segment is longer than 200 characters/)
    }
    const declared = openApiDocument(t.app) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
    expect(Object.keys(declared.paths['/v1/datasets/{id}'].get.responses)).toContain('414')
    expect(Object.keys(declared.paths['/v1/datasets'].get.responses)).not.toContain('414')
  })

  it('describes every query parameter, and every field tabular data added (issue 10: categories, missing values, class codes, records)', () => {
    const doc = openApiDocument(t.app) as { paths: Record<string, Record<string, { parameters?: Array<{ in: string, name: string, description?: string }> }>>, components: { schemas: Record<string, Schema> } }
    const undescribed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).flatMap(([method, op]) =>
      (op.parameters ?? []).filter((p) => p.in === 'query' && !p.description).map((p) => `${method} ${path} ?${p.name}`)))
    expect(undescribed).toEqual([])
    expect(doc.paths['/v1/datasets'].post.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['target', 'categorical', 'delimiter', 'decimal', 'missing', 'fillValue']))
    expect(doc.paths['/v1/models/{id}/predict'].post.parameters!.map((p) => p.name)).toContain('handleUnknown')
    const fields: Record<string, string[]> = {
      CreateDatasetJson: ['missing', 'categorical'],
      DatasetResponse: ['inputs', 'classes', 'targetValues', 'missing', 'columns'],
      ColumnStats: ['kind', 'categories', 'missing'],
      CreateTrainingJobRequest: ['missing'],
      JobNetworkSpec: ['inputs'],
      PredictRequest: ['inputs', 'instances'],
      PredictResponse: ['unknownCategories'],
      ModelResponse: ['classes', 'featureNames', 'preprocessing'],
      ModelExport: ['preprocessing'],
      Preprocessing: ['columns', 'imputer'],
      MissingValues: ['strategy', 'fillValue']
    }
    const missing = Object.entries(fields).flatMap(([schema, names]) => names.filter((n) => !doc.components.schemas[schema]?.properties?.[n]?.description).map((n) => `${schema}.${n}`))
    expect(missing).toEqual([])
    expect(doc.components.schemas.JobNetworkSpec.properties!.output.properties!.units.description).toMatch(/number of classes/)
  })
})

interface Schema { description?: string, properties?: Record<string, Schema> }

// Every operation in the served OpenAPI document has an example for its request body (each media type),
// its parameters and every documented response, and each JSON example satisfies its own schema.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { z } from 'zod'
import { buildTestApp, type TestApp } from './helper.js'
import { CREATED_JOB, DATASET, LAST, NETWORK } from '../../src/api/openapi-examples/example-data.js'
import { SWAGGER_UI_CONFIG } from '../../src/api/openapi-examples/swagger-ui-config.js'

type Schema = Record<string, unknown>
interface Media { schema?: Schema, example?: unknown }
interface Operation {
  parameters?: Array<{ name: string, in: string, required?: boolean, example?: unknown, schema?: Schema }>
  requestBody?: { content: Record<string, Media> }
  responses: Record<string, { content?: Record<string, Media> }>
}

let t: TestApp
let doc: { paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, Schema> } }

beforeAll(async () => {
  t = await buildTestApp('openapi-examples')
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
})
afterAll(async () => { await t?.close() })

/** Inlines #/components/schemas refs (the document has no recursive schema). */
function deref (s: unknown): unknown {
  if (Array.isArray(s)) return s.map(deref)
  if (typeof s !== 'object' || s === null) return s
  const ref = (s as { $ref?: string }).$ref
  if (ref) return deref(doc.components.schemas[ref.replace('#/components/schemas/', '')])
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, deref(v)]))
}

const operations = (): Array<[string, Operation]> =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]))

function check (where: string, media: Media, type: string): void {
  // a form's "example" is a file the user picks (Swagger UI shows a picker for a binary property): it has one to pick, and nothing to prefill
  if (type === 'multipart/form-data') {
    const properties = Object.values((media.schema as { properties?: Record<string, { format?: string }> } | undefined)?.properties ?? {})
    expect(properties.some((p) => p.format === 'binary'), `${where} ${type} has no file to pick`).toBe(true)
    return
  }
  // bytes (KServe's binary tensors): a file, as a form's, with nothing to prefill
  if ((media.schema as { format?: string } | undefined)?.format === 'binary') return
  expect(media.example, `${where} ${type} has no example`).toBeDefined()
  if (!type.includes('json') || !media.schema) {
    expect(typeof media.example, `${where} ${type}`).toBe('string')
    return
  }
  const schema = z.fromJSONSchema(deref(media.schema) as Parameters<typeof z.fromJSONSchema>[0])
  const result = schema.safeParse(media.example)
  expect(result.success, `${where} ${type}: ${JSON.stringify(result.error?.issues.slice(0, 3))}`).toBe(true)
}

describe('OpenAPI examples', () => {
  it('cover every request body, required parameter and response, and each JSON example fits its schema', () => {
    expect(operations().length).toBeGreaterThanOrEqual(24)
    for (const [name, op] of operations()) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) check(`${name} body`, media, type)
      for (const p of op.parameters ?? []) {
        // every required parameter has one (Try it out fills it); optional ones may, and then it must fit
        if (p.required) expect(p.example, `${name} parameter ${p.name}`).toBeDefined()
        if (p.example !== undefined && p.schema) expect(z.fromJSONSchema(deref(p.schema) as Parameters<typeof z.fromJSONSchema>[0]).safeParse(p.example).success, `${name} ${p.name}`).toBe(true)
      }
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) check(`${name} ${status}`, media, type)
      }
    }
  })

  it('a schema check that can fail: a wrong example is caught', () => {
    const op = doc.paths['/v1/models/{id}/predict'].post
    const media = op.requestBody!.content['application/json']
    const schema = z.fromJSONSchema(deref(media.schema) as Parameters<typeof z.fromJSONSchema>[0])
    expect(schema.safeParse({ inputs: 'not rows' }).success).toBe(false)
  })

  it('the request examples are accepted by the API itself (no 400)', async () => {
    for (const [name, op] of operations()) {
      const body = op.requestBody?.content['application/json']?.example
      if (body === undefined) continue
      const [method, path] = name.split(' ')
      const url = path.replace('{id}', 'iris-example@latest')
      const res = await t.app.inject({ method: method as 'POST', url, payload: body as object })
      expect(res.statusCode, `${name}: ${res.body}`).not.toBe(400)
    }
  })

  it('the error examples are what the operations answer: provoked, each detail is its example\'s', async () => {
    const exampleOf = (path: string, method: string, status: number): string => {
      const content = doc.paths[path][method].responses[String(status)].content!
      const example = (content['application/problem+json'] ?? content['application/json']).example as { detail?: string, error?: string }
      return example.detail ?? example.error!
    }
    // two versions of iris-example, as the examples have (ids aside: the store makes its own)
    for (let v = 0; v < 2; v++) await t.app.models.save({ spec: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } }, params: new Float32Array(15), meta: { name: 'iris-example', featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], classes: ['setosa', 'versicolor', 'virginica'] } })
    const ids = (text: string): string => text.replace(/mdl_[0-9a-f]{32}/g, 'mdl_…')
    const cases: Array<[string, string, number, { url: string, payload?: unknown, headers?: Record<string, string> }]> = [
      ['/v1/datasets/{id}', 'get', 404, { url: `/v1/datasets/${DATASET.id}` }],
      ['/v1/networks/{id}', 'delete', 404, { url: `/v1/networks/${NETWORK.id}` }],
      ['/v1/training-jobs/{id}', 'get', 404, { url: `/v1/training-jobs/${CREATED_JOB.id}` }],
      ['/v1/sweeps/{id}', 'get', 404, { url: '/v1/sweeps/swp_5a2a7a96a5894d958fb48e44defc6336' }],
      ['/v1/models/{id}', 'get', 404, { url: '/v1/models/iris-example@7' }],
      ['/v1/training-jobs/{id}', 'get', 400, { url: '/v1/training-jobs/job_x?history=xml' }],
      ['/v1/models/{id}', 'get', 400, { url: '/v1/models/iris-example?foo=1' }],
      ['/v1/datasets', 'get', 400, { url: '/v1/datasets?limit=5000' }],
      ['/v1/models/{id}/predict', 'post', 400, { url: '/v1/models/iris-example/predict', payload: { inputs: [] } }],
      ['/v1/training-jobs', 'post', 415, { url: '/v1/training-jobs', payload: '{}', headers: { 'content-type': 'text/plain' } }],
      ['/v1/models/{id}/predictions', 'post', 406, { url: '/v1/models/iris-example/predictions', payload: { datasetId: 'x' }, headers: { accept: 'application/xml' } }],
      ['/v2/models/{name}', 'get', 404, { url: '/v2/models/iris-sample' }],
      ['/v2/models/{name}/versions/{version}/infer', 'post', 404, { url: '/v2/models/iris-example/versions/7/infer', payload: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] } }],
      ['/v1/models/{name}:predict', 'post', 400, { url: '/v1/models/iris-example:predict', payload: { instances: [{ sepal_length: 5, petal_colour: 'red' }] } }],
      ['/v1/training-jobs', 'post', 400, { url: '/v1/training-jobs', payload: { datasetId: 'x', network: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } }, training: { optimizer: { type: 'adagrad', learningRate: 0.1 } } } }],
      ['/v1/networks', 'post', 400, { url: '/v1/networks', payload: { name: 'n', inputs: 4, layers: [{ units: 8, activation: 'rellu' }], output: { units: 3, activation: 'softmax' } } }],
      ['/v1/models/{id}', 'delete', 409, { url: '/v1/models/iris-example' }],
      ['/v1/models/{id}/export', 'get', 400, { url: '/v1/models/iris-example/export?format=xml' }],
      ['/v1/training-jobs/{id}/cancel', 'post', 400, { url: '/v1/training-jobs/job_x/cancel?history=xml' }],
      ['/v1/sweeps', 'post', 400, { url: '/v1/sweeps', payload: { datasetId: 'x', modelName: 'm', network: { inputs: 4, layers: [], output: { units: 3, activation: 'softmax' } } } }],
      ['/v1/networks', 'post', 422, { url: '/v1/networks', payload: { name: 'n', inputs: 4, layers: [{ units: 10_000, activation: 'relu' }, { units: 5_000, activation: 'relu' }], output: { units: 3, activation: 'softmax' } } }],
      ['/v2/models/{name}', 'get', 400, { url: '/v2/models/iris-example?foo=1' }]
    ]
    for (const [path, method, status, { url, payload, headers }] of cases) {
      const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as string }) })
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status)
      const body = res.json() as { detail?: string, error?: string }
      expect(ids(body.detail ?? body.error ?? ''), `${method} ${url}`).toBe(ids(exampleOf(path, method, status)))
    }
  })

  it('the Swagger UI interceptors know every placeholder the examples use', () => {
    for (const source of [String(SWAGGER_UI_CONFIG.responseInterceptor), String(SWAGGER_UI_CONFIG.requestInterceptor)]) {
      for (const name of Object.values(LAST)) expect(source).toContain(name)
    }
  })
})

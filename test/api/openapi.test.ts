import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { openApiDocument } from '../../src/api/app.js'
import { OPENAPI_PATH, formatOpenApi } from '../../scripts/generate-openapi.js'
import { buildTestApp, type TestApp } from './helper.js'

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
})

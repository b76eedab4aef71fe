// name@latest while versions come and go: DELETE takes a reference wherever GET does, and for 10 s of
// deleting the newest version (through DELETE name@latest) while readers GET and predict name@latest,
// no reader sees a 404 as long as a version exists, and no error names a model id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('model-latest', { RATE_LIMIT_PER_MINUTE: '0' }) })
afterAll(async () => { await t.close() })

const spec: NetworkSpec = { inputs: 2, layers: [{ units: 3, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
const save = (name: string, phase: number) => t.app.models.save({
  spec, params: Float32Array.from({ length: parameterCount(spec) }, (_, i) => Math.sin(i + phase)), meta: { name, classes: ['a', 'b'] }
})

describe('name@latest', () => {
  it('DELETE accepts name@<version> and name@latest; a miss names the reference', async () => {
    const [v1, v2, v3] = [await save('del', 1), await save('del', 2), await save('del', 3)]
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/models/del@2' })).statusCode).toBe(204)
    expect(await t.app.models.get(v2.id)).toBeNull()
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/models/del@latest' })).statusCode).toBe(204)
    expect(await t.app.models.get(v3.id)).toBeNull()
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/del@latest' })).json().id).toBe(v1.id)
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/models/del@latest' })).statusCode).toBe(204)
    const miss = await t.app.inject({ method: 'DELETE', url: '/v1/models/del@latest' })
    expect(miss.statusCode).toBe(404)
    expect(miss.json().detail).toBe("model 'del@latest' not found; list models with GET /v1/models")
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/models/del@2' })).statusCode).toBe(404)
  })

  it('is served for 10 s while the newest version is deleted again and again: no 404, no model id in an error', async () => {
    const kept = await save('race', 0)
    const ids = new Set([kept.id])
    let stop = false
    const answers: Array<{ status: number, body: string }> = []

    const writer = (async () => {
      for (let n = 1; !stop; n++) {
        ids.add((await save('race', n)).id)
        const del = await t.app.inject({ method: 'DELETE', url: '/v1/models/race@latest' })
        expect(del.statusCode).toBe(204)
      }
    })()
    const reader = async (predict: boolean): Promise<void> => {
      while (!stop) {
        const res = predict
          ? await t.app.inject({ method: 'POST', url: '/v1/models/race@latest/predict', payload: { inputs: [[0.5, -0.5]] } })
          : await t.app.inject({ method: 'GET', url: '/v1/models/race@latest' })
        answers.push({ status: res.statusCode, body: res.body })
      }
    }
    const readers = [reader(false), reader(false), reader(true), reader(true)]
    await new Promise((r) => setTimeout(r, 10_000))
    stop = true
    await Promise.all([writer, ...readers])

    expect(ids.size).toBeGreaterThan(20) // the race really ran
    expect(answers.length).toBeGreaterThan(100)
    const failed = answers.filter((a) => a.status !== 200)
    expect(failed).toEqual([])
    // only the kept version is ever latest for long; any id a GET answered was a version of `race`
    for (const a of answers.filter((x) => !x.body.includes('"outputs"'))) expect(ids.has(JSON.parse(a.body).id)).toBe(true)
  })
})

// Large CSV uploads are built on a thread of their own: same results and errors as inline, and the
// event loop keeps answering other requests meanwhile.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('datasets-large') })
afterAll(async () => { await t.close() })

const digits = readFileSync('test/fixtures/digits.csv', 'utf8').trim()
const [header, ...body] = digits.split(/\r?\n/)
const repeated = (times: number): string => [header, ...Array.from({ length: times }, () => body).flat()].join('\n')

describe('large CSV uploads', () => {
  it('are parsed off the event loop with the same result as a small upload', async () => {
    const csv = repeated(4) // ≈ 1 MB: over the 256 KiB inline limit
    const res = await request(t.app.server).post('/v1/datasets?target=digit&categorical=true').set('content-type', 'text/csv').send(csv)
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ rows: 4 * 1797, inputs: 64, outputs: 10, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] })
    const small = await request(t.app.server).post('/v1/datasets?target=digit&categorical=true').set('content-type', 'text/csv').send(digits)
    // the same data four times: the same statistics (to rounding: the sums run over four times the rows)
    res.body.columns.forEach((c: Record<string, number>, i: number) => {
      for (const k of ['mean', 'std', 'min', 'max']) expect(c[k]).toBeCloseTo(small.body.columns[i][k], 9)
    })
  })

  it('report bad cells with their line and column, as inline parsing does', async () => {
    const lines = repeated(4).split('\n')
    lines[5000] = lines[5000].replace(/^[^,]*/, 'seven')
    const res = await request(t.app.server).post('/v1/datasets?target=digit').set('content-type', 'text/csv').send(lines.join('\n'))
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body.detail).toMatch(/line 5001/)
    expect(res.body.detail).toMatch(/seven/)
  })

  it('leave the event loop free: health checks keep being answered while a big upload is parsed', async () => {
    const csv = repeated(40) // ≈ 10 MB: about half a second of parsing, inline
    let uploaded = false
    const upload = request(t.app.server).post('/v1/datasets?target=digit&categorical=true').set('content-type', 'text/csv').send(csv)
      .then((r) => { uploaded = true; return r })
    // the longest wait for a health check while the upload is in flight: parsing inline would stall it
    let worst = 0
    let last = performance.now()
    while (!uploaded) {
      await t.app.inject({ method: 'GET', url: '/healthz' })
      await new Promise((resolve) => setTimeout(resolve, 2))
      const now = performance.now()
      worst = Math.max(worst, now - last) // from one answered check to the next, the sleep included
      last = now
    }
    expect((await upload).status).toBe(201)
    expect(worst).toBeLessThan(400) // inline, the parse alone stalls it for ≈ 550 ms here; threaded ≈ 70 ms
  })
})

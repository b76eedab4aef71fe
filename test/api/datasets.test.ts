import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'

const iris = readFileSync('test/fixtures/iris.csv', 'utf8')
let t: TestApp
beforeAll(async () => { t = await buildTestApp('datasets', { BODY_LIMIT: '256KiB', MAX_DATASET_ROWS: '200' }) })
afterAll(async () => { await t.close() })

const expectProblem = (res: request.Response, status: number): void => {
  expect(res.status).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) })
}

describe('POST /v1/datasets (CSV)', () => {
  it('stores iris with ?target=species: 150 rows, 4 inputs, 3 one-hot outputs, classes by name', async () => {
    const res = await request(t.app.server).post('/v1/datasets?target=species&name=iris').set('content-type', 'text/csv').send(iris)
    expect(res.status).toBe(201)
    expect(res.headers.location).toBe(`/v1/datasets/${res.body.id}`)
    expect(res.body).toMatchObject({
      name: 'iris', rows: 150, inputs: 4, outputs: 3, targetNames: ['species'], classes: ['setosa', 'versicolor', 'virginica']
    })
    expect(res.body.featureNames).toEqual(iris.split('\n')[0].split(',').slice(0, 4))
    // column statistics of sepal length, against a direct computation over the file
    const sepal = iris.trim().split('\n').slice(1).map((line) => Number(line.split(',')[0]))
    const mean = sepal.reduce((s, v) => s + v, 0) / sepal.length
    expect(res.body.columns[0].mean).toBeCloseTo(mean, 5)
    expect(res.body.columns[0]).toMatchObject({ min: Math.fround(Math.min(...sepal)), max: Math.fround(Math.max(...sepal)) })
    // each class is a third of iris
    for (const c of res.body.targetColumns) expect(c.mean).toBeCloseTo(1 / 3, 6)

    const stored = await t.app.datasets.getMatrices(res.body.id)
    expect(Array.from(stored!.dataset.x.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround))
    expect(Array.from(stored!.dataset.y.subarray(0, 3))).toEqual([1, 0, 0])
  })

  it('answers a ragged CSV with a 400 problem naming the line', async () => {
    const bad = 'a,b,label\n1,2,x\n3,4,y\n5,6\n'
    const res = await request(t.app.server).post('/v1/datasets').set('content-type', 'text/csv').send(bad)
    expectProblem(res, 400)
    expect(res.body).toMatchObject({ code: 'NN_ERR_BAD_CSV', line: 4 })
    expect(res.body.detail).toMatch(/line 4: expected 3 cells like the header, got 2/)
  })

  it('names line, column and header of a non-numeric feature, and refuses an unknown target column', async () => {
    const res = await request(t.app.server).post('/v1/datasets?target=label').set('content-type', 'text/csv').send('a,b,label\r\n1,2,x\r\n3,four,y\r\n')
    expectProblem(res, 400)
    expect(res.body).toMatchObject({ line: 3, column: 2 })
    expect(res.body.detail).toMatch(/line 3, column 2 \("b"\): expected a number like the rest of column "b", got "four"/)
    const unknown = await request(t.app.server).post('/v1/datasets?target=kind').set('content-type', 'text/csv').send(iris)
    expectProblem(unknown, 400)
    expect(unknown.body.detail).toMatch(/target column "kind" is not in the header/)
  })

  it('reads numeric labels as classes with categorical=true, as regression otherwise', async () => {
    const csv = 'x,digit\n0.1,0\n0.2,1\n0.3,2\n0.4,10\n'
    const asClasses = await request(t.app.server).post('/v1/datasets?categorical=true').set('content-type', 'text/csv').send(csv)
    expect(asClasses.body).toMatchObject({ outputs: 4, classes: ['0', '1', '2', '10'] })
    const asNumbers = await request(t.app.server).post('/v1/datasets').set('content-type', 'text/csv').send(csv)
    expect(asNumbers.body.outputs).toBe(1)
    expect(asNumbers.body.classes).toBeUndefined()
  })
})

describe('POST /v1/datasets (JSON)', () => {
  it('stores labels, regression and multi-output targets', async () => {
    const labels = await request(t.app.server).post('/v1/datasets')
      .send({ name: 'xor', features: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: ['no', 'yes', 'yes', 'no'], featureNames: ['a', 'b'] })
    expect(labels.status).toBe(201)
    expect(labels.body).toMatchObject({ rows: 4, inputs: 2, outputs: 2, classes: ['no', 'yes'], featureNames: ['a', 'b'] })
    const multi = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2]], targets: [[1, 2], [3, 4]] })
    expect(multi.body).toMatchObject({ outputs: 2, targetNames: ['y0', 'y1'] })
  })

  it('names the row and column of a ragged feature row and of a target of the wrong kind', async () => {
    const ragged = await request(t.app.server).post('/v1/datasets').send({ features: [[1, 2], [3]], targets: [1, 2] })
    expectProblem(ragged, 400)
    expect(ragged.body.detail).toMatch(/features row 1 has 1 columns; expected 2/)
    expect(ragged.body.field).toBe('features[1]')
    const mixed = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2]], targets: [1, 'b'] })
    expectProblem(mixed, 400)
    expect(mixed.body.detail).toMatch(/targets\[1\]: the target is a string/)
    const typed = await request(t.app.server).post('/v1/datasets').send({ features: [[1, true]], targets: [1] })
    expectProblem(typed, 400)
    expect(typed.body.errors[0]).toMatchObject({ field: 'features[0][1]', in: 'body' })
    const flat = await request(t.app.server).post('/v1/datasets').send({ features: [1, 2, 3], targets: [1, 2, 3] })
    expectProblem(flat, 400)
    expect(flat.body).toMatchObject({ field: 'features', detail: 'features must be a list of rows, one per sample, and got a flat list of values; with one feature per sample, send {"features": [[1], [2], [3]]}' })
  })

  it('enforces MAX_DATASET_ROWS (413), BODY_LIMIT (413) and the media type (415)', async () => {
    const rows = Array.from({ length: 201 }, (_, i) => [i])
    const many = await request(t.app.server).post('/v1/datasets').send({ features: rows, targets: rows.map((r) => r[0]) })
    expectProblem(many, 413)
    expect(many.body.detail).toMatch(/201 rows; the limit is 200 \(MAX_DATASET_ROWS\)/)
    const huge = await request(t.app.server).post('/v1/datasets').set('content-type', 'text/csv').send(iris.repeat(80))
    expectProblem(huge, 413)
    expect(huge.body.detail).toMatch(/BODY_LIMIT/)
    const xml = await request(t.app.server).post('/v1/datasets').set('content-type', 'application/xml').send('<a/>')
    expectProblem(xml, 415)
    const plain = await request(t.app.server).post('/v1/datasets').set('content-type', 'text/plain').send('a,b\n1,2\n')
    expectProblem(plain, 415)
    expect(plain.body.detail).toMatch(/text\/csv/)
  })
})

describe('GET and DELETE /v1/datasets', () => {
  it('lists, reads and deletes; unknown ids are 404 problems', async () => {
    const created = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2]], targets: [0.5, 1.5] })
    const id = created.body.id as string
    const list = await request(t.app.server).get('/v1/datasets')
    expect(list.status).toBe(200)
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(id)
    const one = await request(t.app.server).get(`/v1/datasets/${id}`)
    expect(one.body).toEqual(created.body)
    expect((await request(t.app.server).delete(`/v1/datasets/${id}`)).status).toBe(204)
    const gone = await request(t.app.server).get(`/v1/datasets/${id}`)
    expectProblem(gone, 404)
    expect(gone.body).toMatchObject({ code: 'NN_ERR_DATASET_NOT_FOUND', instance: `/v1/datasets/${id}` })
    expectProblem(await request(t.app.server).delete(`/v1/datasets/${id}`), 404)
    expectProblem(await request(t.app.server).get('/v1/datasets/no such id'), 404)
  })
})

describe('the stored size is bounded by the cells', () => {
  it('a price column with one NA, or read as labels, is a 400 before anything is allocated, and nothing is stored', async () => {
    const big = await buildTestApp('datasets-bounds')
    try {
      // every dataset key (the rate limiter keeps its own buckets meanwhile)
      const keys = async (): Promise<string[]> => (await big.redis.keys(`${big.config.REDIS_PREFIX}*dataset*`)).sort()
      const before = await keys()
      // ≈ 80 KB: 5,000 distinct prices, one of them missing (the file that once stored 100 MB of one-hot classes)
      const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i % 7},${i === 2500 ? 'NA' : (10 + i * 0.37).toFixed(2)}`)
      const csv = `a,b,price\n${rows.join('\n')}\n`
      const na = await request(big.app.server).post('/v1/datasets?target=price').set('content-type', 'text/csv').send(csv)
      expectProblem(na, 400)
      expect(na.body).toMatchObject({ line: 2502, column: 3, field: 'price' })
      const labels = await request(big.app.server).post('/v1/datasets?target=price&categorical=true').set('content-type', 'text/csv').send(csv.replace('NA', '1.5'))
      expectProblem(labels, 400)
      expect(labels.body.detail).toMatch(/more than 1000 distinct class labels \(MAX_CLASSES\)/)
      expect(await keys()).toEqual(before)
      // the same numbers without the NA: one float per cell, 5,000 × (2 + 1) × 4 bytes
      const ok = await request(big.app.server).post('/v1/datasets?target=price').set('content-type', 'text/csv').send(csv.replace('NA', '1.5'))
      expect(ok.status).toBe(201)
      expect(ok.body).toMatchObject({ rows: 5000, inputs: 2, outputs: 1, bytes: 5000 * 3 * 4 })
    } finally {
      await big.close()
    }
  })
})

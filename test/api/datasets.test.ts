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
    // the cells' float32 values, printed as their shortest decimals (4.3, not 4.300000190734863), the mean to a cell's precision
    expect(res.body.columns[0]).toMatchObject({ min: Math.min(...sepal), max: Math.max(...sepal) })
    expect(Math.abs(res.body.columns[0].mean - sepal.reduce((a, b) => a + b, 0) / sepal.length)).toBeLessThan(1e-6)
    expect(String(res.body.columns[0].mean).length).toBeLessThanOrEqual(10)
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

describe('what an upload most likely did not mean: warnings (a data trial)', () => {
  const post = (query: string, body: string) => request(t.app.server).post(`/v1/datasets${query}`).set('content-type', 'text/csv').send(body)

  it('integer class codes past 2^24 that float32 merges: a warning, and a softmax job on them is a 422 saying why, not "holds only the value"', async () => {
    const csv = 'x,y\n1,100000001\n2,100000002\n3,100000003\n4,100000001\n5,100000002\n6,100000003\n'
    const res = await post('?target=y', csv)
    expect(res.status).toBe(201)
    expect(res.body.warnings).toEqual([expect.stringMatching(/^target column "y": integers past 16,777,216 do not fit the float32 a dataset stores them as: 100000001 and 100000002 are both stored as 100000000 \(3 distinct values in the upload, 1 as stored\)\. If they are class labels, upload them as labels \(\?categorical=true\)/)])
    expect(res.body.targetValues).toBeUndefined()
    expect((await request(t.app.server).get(`/v1/datasets/${res.body.id as string}`)).body.warnings).toEqual(res.body.warnings)
    const job = await request(t.app.server).post('/v1/training-jobs').send({ datasetId: res.body.id, network: { inputs: 1, layers: [], output: { units: 3, activation: 'softmax' } } })
    expectProblem(job, 422)
    expect(job.body.detail).toMatch(/^target column 'y' of dataset '\w+' holds integers past 16,777,216, which the float32 a dataset stores cannot tell apart: 100000001 and 100000002 are both stored as 100000000 .*upload them as labels \(CSV: \?categorical=true/)
    // as labels, as the warning says: three exact classes, nothing to warn of
    const labels = await post('?target=y&categorical=true', csv)
    expect(labels.body).toMatchObject({ classes: ['100000001', '100000002', '100000003'] })
    expect(labels.body.warnings).toBeUndefined()
  })

  it('timestamps in seconds merged by float32, and a date column with a different category in every row: each warned of, the upload stored', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${1700000000 + i},2024-01-${String(i + 1).padStart(2, '0')},${i % 2 === 0 ? 'a' : 'b'}`)
    const res = await post('?target=y', `ts,day,y\n${lines.join('\n')}\n`)
    expect(res.status).toBe(201)
    expect(res.body.warnings).toEqual([
      expect.stringMatching(/^column "ts": integers past 16,777,216 .*\(30 distinct values in the upload, \d+ as stored\)\. If they are codes or ids, declare the column categorical \(\?categorical=ts\); if a time or an amount, subtract an origin or change its unit before upload$/),
      expect.stringMatching(/^column "day" has 30 categories in 30 rows with a value, a different one in nearly every row, as an id, a date or free text has/)
    ])
  })
})

describe('a long text in a refused request is quoted by its start (a hostile trial: a 30 MB cell came back whole, in the answer and the log)', () => {
  it('a long cell: its first characters and its length; any detail past 4,000 characters is cut, saying so', async () => {
    const cell = 'x'.repeat(200_000)
    const res = await request(t.app.server).post('/v1/datasets?target=y').set('content-type', 'text/csv').send(`a,y\n1,0\n${cell},1\n2,0\n3,1\n`)
    expectProblem(res, 400)
    expect(res.body.detail).toMatch(/^CSV line 3, column 1 \("a"\): expected a number like the rest of column "a", got "x{60}…" \(200000 characters\);/)
    // a long key: said by its start, in every route family's error form
    const name = 'k'.repeat(10_000)
    for (const url of ['/v1/networks', '/v2/models/x/infer']) {
      const long = await request(t.app.server).post(url).set('content-type', 'application/json').send(`{"${name}": 1}`)
      expect(long.status, url).toBe(400)
      const detail = (long.body.detail ?? long.body.error) as string
      expect(detail.length, url).toBeLessThanOrEqual(4000)
      expect(detail, url).toMatch(/unknown (key "|member ')k{60}…["'] \(10000 characters\)/)
    }
    // a message quoting a long name that no formatter cuts (a CSV header's, in the cell's place): the detail cut whole
    const header = await request(t.app.server).post('/v1/datasets?target=y').set('content-type', 'text/csv').send(`${name},y\n1,0\nfour,1\n2,0\n3,1\n`)
    expectProblem(header, 400)
    expect(header.body.detail.length).toBeLessThanOrEqual(4000)
    expect(header.body.detail).toMatch(/… \(\d+ characters in all; the rest is not shown\)$/)
  })
})

describe('CSV as people save it: delimiters, the target read whole, label spellings (issue 10)', () => {
  const post = (query: string, body: string) => request(t.app.server).post(`/v1/datasets${query}`).set('content-type', 'text/csv').send(body)

  it('numbers in a form cells are not read in (a European export\'s 1.234.567,89, 12%, $1200, 5.1 in a ?decimal=, file) are refused with what reads them, never one category per value (a data trial)', async () => {
    const refusals: Array<[query: string, csv: string, detail: RegExp]> = [
      ['?target=y&decimal=,', 'price;area;y\n1.234.567,89;12,5;a\n2.345,00;13,0;b\n999,5;14,25;a\n1.234;15,0;b\n',
        /^CSV line 2, column 1 \("price"\): column "price" holds numbers written as "1\.234\.567,89", which would each become a category: send \?thousands=\. to read digits grouped so as numbers \(pandas' thousands\), with \?decimal=, if a comma marks the decimals, or if they are categories, declare them: \?categorical=price$/],
      ['?target=y&decimal=,', 'x;z;y\n5.1;1,5;a\n4.9;2,5;b\n6.3;3,0;a\n', /column "x" holds numbers written as "5\.1", .*: \?decimal=, reads a comma as the decimal mark, and this column writes a point; .*the file mixes two decimal marks/],
      ['?target=y', 'x,y\n12%,a\n5%,b\n7 %,a\n', /column "x" holds numbers written as "12%", .*write them as plain numbers, without the % sign/],
      ['?target=y', 'x,y\n$1200,a\n$5,b\n$7.50,a\n', /column "x" holds numbers written as "\$1200", .*without the currency sign/],
      ['?target=y&delimiter=;', 'x;y\n5 €;a\n1.234,00 €;b\n', /column "x" holds numbers written as "5 €", .*without the currency sign/],
      ['?target=y&decimal=,', 'x;y\n1 234,5;a\n2 000,0;b\n', /send \?thousands=%20 \(a space\)/],
      ['?target=y&decimal=,&thousands=,', 'x;y\n1,5;a\n', /^CSV thousands and decimal are both ","/]
    ]
    for (const [query, csv, detail] of refusals) {
      const res = await post(query, csv)
      expectProblem(res, 400)
      expect(res.body.detail, csv).toMatch(detail)
    }
    // with ?thousands=, read as the numbers they are
    const eu = await post('?target=y&decimal=,&thousands=.', 'price;area;y\n1.234.567,89;12,5;a\n2.345,00;13,0;b\n999,5;14,25;a\n1.234;15,0;b\n')
    expect(eu.status, JSON.stringify(eu.body)).toBe(201)
    expect(eu.body.columns[0]).toMatchObject({ name: 'price', kind: 'numeric', min: 999.5 })
    expect(Math.fround(eu.body.columns[0].max as number)).toBe(Math.fround(1234567.89))
    const fr = await post('?target=y&decimal=,&thousands=%20', 'x;y\n1 234,5;a\n2\u00a0000,0;b\n-3\u202f000;a\n')
    expect(fr.body.columns[0]).toMatchObject({ kind: 'numeric', min: -3000, max: 2000 })
    // quoted, as a comma-separated file holds them; India's lakh and crore too (1,23,456), as pandas' thousands reads them
    const us = await post('?target=y&thousands=,', 'x,y\n"1,234.5",a\n7,b\n')
    expect(us.body.columns[0]).toMatchObject({ kind: 'numeric', min: 7, max: 1234.5 })
    const indian = await post('?target=y&thousands=,', 'x,y\n"1,23,456",1\n"2,34,567",0\n"12,34,567",1\n')
    expect(indian.body.columns[0]).toMatchObject({ kind: 'numeric', min: 123456, max: 1234567 })
  })

  it('reads ; and tab files from their header, or with ?delimiter=, and says so when the delimiter is the problem', async () => {
    const semi = 'a;b;label\r\n1;2;x\r\n3;4;y\r\n'
    for (const [query, body] of [['', semi], ['?delimiter=%3B', semi], ['', semi.replaceAll(';', '\t')], ['?delimiter=tab', semi.replaceAll(';', '\t')]]) {
      const res = await post(query, body)
      expect({ query, status: res.status }).toEqual({ query, status: 201 })
      expect(res.body).toMatchObject({ featureNames: ['a', 'b'], classes: ['x', 'y'], inputs: 2 })
    }
    // the delimiter given is not the file's: the header reads as one column, and the message names the one it holds
    const wrong = await post('?delimiter=tab', semi)
    expectProblem(wrong, 400)
    expect(wrong.body).toMatchObject({ code: 'NN_ERR_BAD_CSV', line: 1 })
    expect(wrong.body.detail).toBe('CSV line 1: the header "a;b;label" reads as one column (cells separated by tabs), and a dataset needs at least two (features and a target); ' +
      'it holds semicolons: if they separate its cells, send ?delimiter=%3B')
    const comma = await post('?delimiter=,', semi)
    expect(comma.body.detail).toMatch(/reads as one column \(cells separated by commas\).*it holds semicolons: if they separate its cells, send \?delimiter=%3B$/)
    // a delimiter the service does not read: the message says which it does
    const pipe = await post('', 'a|b|label\n1|2|x\n3|4|y\n')
    expectProblem(pipe, 400)
    expect(pipe.body.detail).toMatch(/it holds no comma, semicolon or tab: save the file with one of them between its cells/)
    // a comma header over semicolon rows: the row's line, and the delimiter it seems to use
    const rows = await post('', 'a,b,label\n1;2;x\n3;4;y\n')
    expect(rows.body).toMatchObject({ status: 400, line: 2 })
    expect(rows.body.detail).toMatch(/line 2: expected 3 cells like the header, got 1 \(cells separated by commas\); it holds semicolons/)
    const bad = await post('?delimiter=pipe', semi)
    expectProblem(bad, 400)
    expect(bad.body.detail).toMatch(/delimiter/)
  })

  it('a stray text in a numeric target names the cell and the fixes that apply to a target', async () => {
    const res = await post('?target=y', 'a,y\n1,10\n2,11\n3,twelve\n4,13\n')
    expectProblem(res, 400)
    expect(res.body).toMatchObject({ line: 4, column: 2, field: 'y' })
    expect(res.body.detail).toBe('CSV line 4, column 2 ("y"): expected a number like the rest of column "y", got "twelve"; if it marks a missing target, remove the row ' +
      '(missing-value strategies fill feature cells only), or if the column holds class labels, send ?categorical=true')
    // following the second fix: four classes
    const labels = await post('?target=y&categorical=true', 'a,y\n1,10\n2,11\n3,twelve\n4,13\n')
    expect(labels.body.classes).toEqual(['10', '11', '13', 'twelve'])
  })

  it('1 and 1.0 (and 2, 2.0) in one label column are a 400 naming both spellings, not four classes of two', async () => {
    const csv = await post('?target=y&categorical=true', 'a,y\n1,1\n2,1.0\n3,2\n4,2.0\n')
    expectProblem(csv, 400)
    expect(csv.body).toMatchObject({ line: 3, column: 2, field: 'y' })
    expect(csv.body.detail).toMatch(/class labels "1" and "1.0" in column "y" are the same number written two ways, and would be two classes; write each class one way/)
    const json = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3], [4]], targets: ['2', '1', '02', '1'] })
    expectProblem(json, 400)
    expect(json.body).toMatchObject({ field: 'targets[2]', row: 2 })
    expect(json.body.detail).toMatch(/^targets\[2\]: class labels ("02" and "2"|"2" and "02") in column "class" are the same number written two ways/)
    // read as numbers (no categorical=true) the spellings are one value each: two classes for a softmax head
    const numbers = await post('?target=y', 'a,y\n1,1\n2,1.0\n3,2\n4,2.0\n')
    expect(numbers.body).toMatchObject({ outputs: 1, targetValues: [1, 2] })
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
    expect(ragged.body.detail).toMatch(/features row 1 has 1 column; expected 2/)
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

  it('numbers sent as JSON strings (a form\'s values) are a 400 saying to send numbers, not one category per value; codes declared categorical and integer labels are kept', async () => {
    const asText = await request(t.app.server).post('/v1/datasets')
      .send({ features: [['5.1', '3.5'], ['4.9', '3.0'], ['6.2', '2.9'], ['5.9', '3.0']], targets: [0, 1, 1, 0], featureNames: ['a', 'b'] })
    expectProblem(asText, 400)
    expect(asText.body).toMatchObject({ field: 'features[0][0]', detail: 'features[0][0]: column "a" holds numbers as JSON strings ("5.1"), which would each become a category; ' +
      'send them as JSON numbers (5.1), or if they are codes rather than quantities (zip codes, ids), declare them: "categorical": ["a"]' })
    // as CSV decides a column by most of its cells: a stray text or a missing marker among number strings does not make it categorical
    const stray = await request(t.app.server).post('/v1/datasets').send({ features: [['5.1'], ['4.9'], ['abc']], targets: [0, 1, 1] })
    expect(stray.body.detail).toMatch(/^features\[0\]\[0\]: column "x0" holds numbers as JSON strings \("5\.1"\), .*; it also holds "abc", which is no number, or if they are codes/)
    const marked = await request(t.app.server).post('/v1/datasets').send({ features: [[''], ['1'], ['2']], targets: [0, 1, 1] })
    expect(marked.body.detail).toMatch(/^features\[1\]\[0\]: column "x0" holds numbers as JSON strings \("1"\), .*; a missing value is null in JSON, not a text like "NA" or ""/)
    // labels that differ only by spaces are one class, as CSV (which trims) reads them
    const spaced = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3]], targets: [' 1', '1', '2'] })
    expect([spaced.status, spaced.body.classes]).toEqual([201, ['1', '2']])
    // and a number written two ways is still refused
    const twice = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3]], targets: ['01', '1', '2'] })
    expect(twice.body.detail).toBe('targets[1]: class labels "01" and "1" in column "class" are the same number written two ways, and would be two classes; write each class one way')
    const targets = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3]], targets: ['151.5', '75', '80.25'] })
    expectProblem(targets, 400)
    expect(targets.body.detail).toMatch(/^targets\[2\]: column "\w+" holds numbers as JSON strings \("80\.25"\), which would each become a class; send them as JSON numbers \(80\.25\) to predict them/)
    // each fix, followed, is accepted
    const numbers = await request(t.app.server).post('/v1/datasets').send({ features: [[5.1, 3.5], [4.9, 3.0], [6.2, 2.9], [5.9, 3.0]], targets: [0, 1, 1, 0], featureNames: ['a', 'b'] })
    expect(numbers.body.columns.map((c: { kind: string }) => c.kind)).toEqual(['numeric', 'numeric'])
    const zips = await request(t.app.server).post('/v1/datasets').send({ features: [['02139'], ['10001'], ['02139']], targets: [1, 2, 3], featureNames: ['zip'], categorical: ['zip'] })
    expect(zips.status, JSON.stringify(zips.body)).toBe(201)
    expect(zips.body.columns[0]).toMatchObject({ kind: 'categorical', categories: ['02139', '10001'] })
    const labels = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3]], targets: ['0', '1', '0'] })
    expect(labels.status, JSON.stringify(labels.body)).toBe(201)
    expect(labels.body.classes).toEqual(['0', '1'])
  })

  it('a missing target and a stray text in a numeric feature get one message with the JSON fixes (issue 10)', async () => {
    const nullTarget = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3]], targets: [10.5, null, 14.5] })
    expectProblem(nullTarget, 400)
    expect(nullTarget.body).toMatchObject({ field: 'targets[1]', row: 1 })
    expect(nullTarget.body.detail).toBe('targets[1]: the target is missing (null); every row needs a target: remove the rows without one (missing-value strategies fill feature cells only)')
    expect(nullTarget.body.errors).toBeUndefined()
    const na = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], ['NA'], [4]], targets: [1, 2, 3, 4] })
    expectProblem(na, 400)
    expect(na.body).toMatchObject({ field: 'features[2][0]' })
    expect(na.body.detail).toBe('features[2][0]: expected a number like the rest of column "x0", got "NA"; if it marks a missing value send null instead ' +
      '(and choose a missing-value strategy: "missing": {"strategy": "mean"}), or if the column holds categories, declare it: "categorical": ["x0"]')
    // each fix, followed, is accepted
    const imputed = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [null], [4]], targets: [1, 2, 3, 4], missing: { strategy: 'mean' } })
    expect(imputed.status).toBe(201)
    expect(imputed.body.columns[0]).toMatchObject({ kind: 'numeric', missing: 1 })
    const declared = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], ['NA'], [4]], targets: [1, 2, 3, 4], categorical: ['x0'] })
    expect(declared.status).toBe(201)
    expect(declared.body.columns[0]).toMatchObject({ kind: 'categorical', categories: ['1', '2', '4', 'NA'] })
  })

  it('a bare strategy name, "missing": "median" (as CSV\'s ?missing=median reads), gets the JSON form, once', async () => {
    const bare = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [null], [4]], targets: [1, 2, 3, 4], missing: 'median' })
    expectProblem(bare, 400)
    expect(bare.body.detail).toContain('missing is an object with a strategy, one of: error, mean, median, most_frequent, constant; e.g. {"strategy": "median"}')
    expect(bare.body.detail).not.toMatch(/expected object/)
    const listed = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [null], [4]], targets: [1, 2, 3, 4], missing: ['mean'] })
    expectProblem(listed, 400)
    expect(listed.body.detail).toContain('e.g. {"strategy": "mean"}')
    // the form it names is accepted
    const fixed = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [null], [4]], targets: [1, 2, 3, 4], missing: { strategy: 'median' } })
    expect(fixed.status).toBe(201)
  })

  it('CSV sent under the JSON media type, or JSON-encoded under text/csv, is a 400 saying how to send it', async () => {
    const csv = 'a,b,y\n1,2,0\n3,4,1\n'
    const asJson = await request(t.app.server).post('/v1/datasets').set('content-type', 'application/json').send(csv)
    expectProblem(asJson, 400)
    expect(asJson.body.code).toBe('NN_ERR_INVALID_JSON')
    expect(asJson.body.detail).toMatch(/; this looks like CSV: send it with Content-Type: text\/csv \(curl --data-binary @data\.csv -H 'content-type: text\/csv'\)$/)
    const encoded = await request(t.app.server).post('/v1/datasets').set('content-type', 'text/csv').send(JSON.stringify(csv))
    expectProblem(encoded, 400)
    expect(encoded.body.detail).toBe('CSV line 1: the body is a JSON string holding the CSV (one quoted line with \\n escapes), not CSV text; send the text itself ' +
      '(openapi-fetch: bodySerializer: (text) => text, or the typed client\'s uploadCsv)')
    // JSON that is merely malformed gets no CSV hint
    expect((await request(t.app.server).post('/v1/datasets').send('{"features": [[1,2]],}')).body.detail).not.toMatch(/looks like CSV/)
  })

  it('enforces MAX_FEATURE_COLUMNS (413), CSV and JSON alike: 100,000 columns had made each dataset\'s description 9 MB, and a page of them held the API (a hostile trial)', async () => {
    const wide = Array.from({ length: 10_001 }, (_, i) => i % 7)
    const json = await request(t.app.server).post('/v1/datasets').send({ features: [wide, wide], targets: [0, 1] })
    expectProblem(json, 413)
    expect([json.body.detail, json.body.field]).toEqual(['the dataset has 10001 feature columns; the limit is 10000 (MAX_FEATURE_COLUMNS): drop the columns that carry nothing, or reduce them (PCA) before upload', 'features'])
    // the target column and 10,001 features
    const header = ['y', ...wide.map((_, i) => `c${i}`)].join(',')
    const csv = await request(t.app.server).post('/v1/datasets?target=y').set('content-type', 'text/csv').send(`${header}\n0,${wide.join(',')}\n1,${wide.join(',')}\n`)
    expectProblem(csv, 413)
    expect(csv.body.detail).toMatch(/^the dataset has 10001 feature columns; the limit is 10000 \(MAX_FEATURE_COLUMNS\)/)
    // at the cap, it is read
    expect((await request(t.app.server).post('/v1/datasets').send({ features: [wide.slice(1), wide.slice(1)], targets: [0, 1] })).status).toBe(201)
    // each category counts as the input it becomes: 60 columns of 200 categories (a retrial's 2,000 of 1,000 made a 14 MB description)
    const rows = Array.from({ length: 200 }, (_, r) => Array.from({ length: 60 }, (_, c) => `v${c}_${r}`))
    const categorical = await request(t.app.server).post('/v1/datasets').send({ features: rows, targets: rows.map((_, r) => r % 2) })
    expectProblem(categorical, 413)
    expect(categorical.body.detail).toBe('the dataset has 12000 inputs once its categorical columns are one-hot encoded (60 feature columns, 12000 categories among them); ' +
      'the limit is 10000 (MAX_FEATURE_COLUMNS): drop the columns that carry nothing, or reduce them (PCA) before upload')
  })

  it('enforces MAX_DATASET_ROWS (413), BODY_LIMIT (413) and the media type (415)', async () => {
    const rows = Array.from({ length: 201 }, (_, i) => [i])
    const many = await request(t.app.server).post('/v1/datasets').send({ features: rows, targets: rows.map((r) => r[0]) })
    expectProblem(many, 413)
    // refused while it arrives, by the rows of features counted in its bytes, before it is parsed (as a CSV at its first row past the cap)
    expect([many.body.detail, many.body.field]).toEqual(['dataset has more than 200 rows in features; the limit is 200 (MAX_DATASET_ROWS)', 'features'])
    // at the cap, it is read
    expect((await request(t.app.server).post('/v1/datasets').send({ features: rows.slice(1), targets: rows.slice(1).map((r) => r[0]) })).status).toBe(201)
    // a CSV is refused at its first row past the cap, by line (the file is not split whole first)
    const csv = 'x,y\n' + rows.map((r) => `${r[0]},${r[0] % 2}\n`).join('')
    const manyCsv = await request(t.app.server).post('/v1/datasets').set('content-type', 'text/csv').send(csv)
    expectProblem(manyCsv, 413)
    expect(manyCsv.body.detail).toBe('dataset has more than 200 rows (line 202 holds row 201); the limit is 200 (MAX_DATASET_ROWS)')
    expect(manyCsv.body.line).toBe(202)
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

describe('the charset of a CSV upload', () => {
  const post = (type: string, bytes: Buffer) => request(t.app.server).post('/v1/datasets?target=label').set('content-type', type).send(bytes)
  const latin1 = Buffer.from('gr\xf6\xdfe,label\n1,caf\xe9\n2,th\xe9\n3,caf\xe9\n', 'latin1')

  it('is honoured: Latin-1 and Windows-1252 bytes read as the characters they are', async () => {
    for (const charset of ['latin1', 'ISO-8859-1', '"iso-8859-1"', 'windows-1252', 'cp1252']) {
      const res = await post(`text/csv; charset=${charset}`, latin1)
      expect({ charset, status: res.status }).toEqual({ charset, status: 201 })
      expect(res.body).toMatchObject({ featureNames: ['größe'], classes: ['café', 'thé'] })
    }
    // 0x80 is the euro sign in Windows-1252 (what browsers and the Encoding Standard read latin1 as)
    const euro = await post('text/csv; charset=windows-1252', Buffer.from([...Buffer.from('x,label\n1,'), 0x80, ...Buffer.from('\n2,$\n')]))
    expect(euro.body.classes).toEqual(['$', '€'])
  })

  it('is honoured for UTF-16, and a byte order mark decides without one (Excel\'s "Unicode Text")', async () => {
    const text = 'x\tlabel\n1\tcafé\n2\tthé\n'
    const le = Buffer.from(text, 'utf16le')
    const declared = await post('text/csv; charset=utf-16le', le)
    expect(declared.status).toBe(201)
    expect(declared.body.classes).toEqual(['café', 'thé'])
    const withBom = await post('text/csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le]))
    expect(withBom.status).toBe(201)
    expect(withBom.body).toMatchObject({ featureNames: ['x'], classes: ['café', 'thé'] })
    const be = Buffer.from(le).swap16()
    expect((await post('text/csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).body.classes).toEqual(['café', 'thé'])
  })

  it('that cannot be decoded is a 415 naming it and the charsets that can', async () => {
    for (const charset of ['utf-7', 'x-user-defined', 'iso-2022-kr', 'klingon']) {
      const res = await post(`text/csv; charset=${charset}`, latin1)
      expectProblem(res, 415)
      expect(res.body.code).toBe('NN_ERR_UNSUPPORTED_CHARSET')
      expect(res.body.detail).toMatch(new RegExp(`^charset '${charset}' cannot be decoded; send the CSV as UTF-8 \\(the default\\), or name one of .*windows-1252.*utf-16le`))
    }
  })

  it('UTF-8 (the default) with bytes that are not UTF-8 is a 400 naming the line, not U+FFFD in the data', async () => {
    for (const type of ['text/csv', 'text/csv; charset=utf-8', 'application/csv']) {
      const res = await post(type, latin1)
      expectProblem(res, 400)
      expect(res.body).toMatchObject({ code: 'NN_ERR_BAD_CSV', line: 1 })
      expect(res.body.detail).toBe('CSV line 1: not valid UTF-8: "gr\uFFFD\uFFFDe,label" (\uFFFD marks the bytes that are not); ' +
        'a CSV is read as UTF-8 unless its content type names a charset: for a Latin-1 or Windows-1252 file (as Excel saves CSV) send content-type: text/csv; charset=windows-1252')
    }
    const later = await post('text/csv', Buffer.concat([Buffer.from('x,label\n1,a\n2,b\n'), Buffer.from('3,caf\xe9\n4,a\n', 'latin1')]))
    expect(later.body).toMatchObject({ code: 'NN_ERR_BAD_CSV', line: 4 })
    // a line break inside a quoted cell counts, as for every other CSV error
    const quoted = await post('text/csv', Buffer.concat([Buffer.from('x,label\n1,"a\r\nb"\n'), Buffer.from('2,caf\xe9\n', 'latin1')]))
    expect(quoted.body).toMatchObject({ line: 4 })
  })

  it('UTF-16 with a broken code unit is a 400 naming the line too', async () => {
    const bytes = Buffer.concat([Buffer.from('x,label\n1,a\n', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from(',b\n', 'utf16le')]) // a lone surrogate
    const res = await post('text/csv; charset=utf-16le', bytes)
    expectProblem(res, 400)
    expect(res.body).toMatchObject({ code: 'NN_ERR_BAD_CSV', line: 3 })
    expect(res.body.detail).toMatch(/^CSV line 3: not valid UTF-16LE: /)
  })
})

describe('CSV query parameters on a JSON upload', () => {
  const json = { features: [[1, 2], [3, 4]], targets: ['a', 'b'] }
  const count = async (): Promise<number> => (await request(t.app.server).get('/v1/datasets')).body.total

  it('are a 400 naming each, with the member the JSON body takes instead, and nothing is stored', async () => {
    const before = await count()
    const res = await request(t.app.server).post('/v1/datasets?name=viaquery&target=zzz&missing=mean').send(json)
    expectProblem(res, 400)
    expect(res.body.code).toBe('NN_ERR_VALIDATION')
    expect(res.body.detail).toBe('invalid querystring: name, target, missing apply only to CSV uploads (Content-Type: text/csv), and this body is JSON; ' +
      'in a JSON body: name → "name": "viaquery"; target → the target values as "targets" (one per row), named by "targetNames": ["zzz"]; ' +
      'missing → "missing": {"strategy": "mean"}')
    expect(res.body.errors).toEqual([
      { field: 'name', in: 'querystring', message: 'applies only to CSV uploads; in JSON: "name": "viaquery"' },
      { field: 'target', in: 'querystring', message: 'applies only to CSV uploads; in JSON: the target values as "targets" (one per row), named by "targetNames": ["zzz"]' },
      { field: 'missing', in: 'querystring', message: 'applies only to CSV uploads; in JSON: "missing": {"strategy": "mean"}' }
    ])
    expect(await count()).toBe(before)
    // the body it describes is accepted
    const fixed = await request(t.app.server).post('/v1/datasets').send({ ...json, name: 'viaquery', targetNames: ['zzz'], missing: { strategy: 'mean' } })
    expect(fixed.status).toBe(201)
    expect(fixed.body).toMatchObject({ name: 'viaquery', targetNames: ['zzz'], missing: { strategy: 'mean' } })
  })

  it('an unknown or misspelt query key is a 400 naming it, on CSV and JSON uploads alike (not a silent default target)', async () => {
    const before = await count()
    const csv = await request(t.app.server).post('/v1/datasets?targets=a').set('content-type', 'text/csv').send('a,b\n1,x\n2,y\n')
    expectProblem(csv, 400)
    expect(csv.body.detail).toMatch(/targets/)
    expect(csv.body.detail).toMatch(/target\b/) // the key it meant
    const asJson = await request(t.app.server).post('/v1/datasets?bogus=1').send(json)
    expectProblem(asJson, 400)
    expect(asJson.body.detail).toMatch(/bogus/)
    expect(await count()).toBe(before)
  })

  it('covers every query parameter the CSV upload takes, each with its own advice', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const names: string[] = doc.paths['/v1/datasets'].post.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name)
    const values: Record<string, string> = { target: 'y', name: 'n', categorical: 'a,b', delimiter: 'tab', decimal: ',', thousands: '.', missing: 'constant', fillValue: '-1' }
    expect(names.sort()).toEqual(Object.keys(values).sort())
    const advice: Record<string, string> = {
      categorical: '"categorical": ["a", "b"]',
      delimiter: 'nothing: a JSON body has no cells to separate; leave it out',
      decimal: 'nothing: JSON numbers always use "."; leave it out',
      thousands: 'nothing: JSON numbers have no thousands marks; leave it out',
      fillValue: '"missing": {"strategy": "constant", "fillValue": -1}'
    }
    for (const name of names) {
      const res = await request(t.app.server).post(`/v1/datasets?${name}=${encodeURIComponent(values[name])}`).send(json)
      expect({ name, status: res.status }).toEqual({ name, status: 400 })
      expect(res.body.detail, name).toMatch(new RegExp(`^invalid querystring: ${name} applies only to CSV uploads`))
      if (advice[name]) expect(res.body.errors[0].message, name).toBe(`applies only to CSV uploads; in JSON: ${advice[name]}`)
    }
    const labels = await request(t.app.server).post('/v1/datasets?categorical=true').send(json)
    expect(labels.body.detail).toContain('categorical → send the targets as strings (class labels), and any categorical feature columns as "categorical": ["name", …]')
  })

  it('still apply to CSV, all of them at once', async () => {
    const csv = await request(t.app.server).post('/v1/datasets?name=viaquery&target=label&missing=constant&fillValue=0&delimiter=%3B&decimal=,&categorical=false')
      .set('content-type', 'text/csv').send('a;label\n1,5;x\n;y\n2,5;x\n')
    expect(csv.status).toBe(201)
    expect(csv.body).toMatchObject({ name: 'viaquery', targetNames: ['label'], missing: { strategy: 'constant', fillValue: 0 } })
    expect(csv.body.columns[0]).toMatchObject({ min: 1.5, max: 2.5, missing: 1 })
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

  it('a dataset an unfinished job trains on is a 409 naming the job, and deletes once the job is cancelled (no worker here: the job stays queued)', async () => {
    const created = await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3], [4]], targets: [0.5, 1.5, 2.5, 3.5] })
    const id = created.body.id as string
    const job = await request(t.app.server).post('/v1/training-jobs').send({ datasetId: id, network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } } })
    expect(job.status, JSON.stringify(job.body)).toBe(202)
    const jobId = job.body.id as string
    const refused = await request(t.app.server).delete(`/v1/datasets/${id}`)
    expectProblem(refused, 409)
    expect(refused.body.detail).toBe(`dataset '${id}' is in use by training job '${jobId}', not finished; cancel it or wait until it finishes, then delete it`)
    expect((await request(t.app.server).get(`/v1/datasets/${id}`)).status).toBe(200)
    expect((await request(t.app.server).post(`/v1/training-jobs/${jobId}/cancel`)).status).toBe(202)
    expect((await request(t.app.server).delete(`/v1/datasets/${id}`)).status).toBe(204)
  })

  it('a dataset a job further back in the queue trains on is a 409 too: BullMQ\'s lists had been read two ids deep (an ops trial)', async () => {
    const dataset = async (): Promise<string> => (await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3], [4]], targets: [0.5, 1.5, 2.5, 3.5] })).body.id as string
    const network = { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } }
    const first = await dataset()
    const other = await dataset()
    const job = (await request(t.app.server).post('/v1/training-jobs').send({ datasetId: first, network })).body.id as string
    // three newer jobs in front of it in BullMQ's wait list (newest first)
    for (let i = 0; i < 3; i++) expect((await request(t.app.server).post('/v1/training-jobs').send({ datasetId: other, network })).status).toBe(202)
    const refused = await request(t.app.server).delete(`/v1/datasets/${first}`)
    expectProblem(refused, 409)
    expect(refused.body.detail).toMatch(`is in use by training job '${job}'`)
    expect((await request(t.app.server).get(`/v1/datasets/${first}`)).status).toBe(200)
  })

  it('a DELETE racing a job or sweep that trains on the dataset: one of the two sees the other, never both succeed', async () => {
    const network = { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } }
    const outcomes: string[] = []
    for (let i = 0; i < 12; i++) {
      const id = (await request(t.app.server).post('/v1/datasets').send({ features: [[1], [2], [3], [4]], targets: [0.5, 1.5, 2.5, 3.5] })).body.id as string
      const use = i % 2 === 0
        ? request(t.app.server).post('/v1/training-jobs').send({ datasetId: id, network })
        : request(t.app.server).post('/v1/sweeps').send({ datasetId: id, network, folds: 2, metric: 'r2', modelName: `race-${i}` })
      const [posted, deleted] = await Promise.all([use, request(t.app.server).delete(`/v1/datasets/${id}`)])
      outcomes.push(`${posted.status}/${deleted.status}`)
      // the job queued and the dataset kept (409), or the dataset gone and no job (404): never a job left without its dataset
      expect(['202/409', '404/204'], JSON.stringify([posted.body, deleted.body])).toContain(`${posted.status}/${deleted.status}`)
    }
    expect(outcomes.length).toBe(12)
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
      // an identifier column among the features: refused at its 1,001st category (MAX_CATEGORIES), CSV and JSON
      const ids = await request(big.app.server).post('/v1/datasets').set('content-type', 'text/csv')
        .send(`id,a,label\n${Array.from({ length: 5000 }, (_, i) => `u${i},${i},${'xy'[i % 2]}`).join('\n')}\n`)
      expectProblem(ids, 400)
      expect(ids.body).toMatchObject({ line: 1002, column: 1, field: 'id' })
      expect(ids.body.detail).toMatch(/column "id" has more than 1000 categories \(MAX_CATEGORIES\)/)
      const jsonIds = await request(big.app.server).post('/v1/datasets')
        .send({ features: Array.from({ length: 5000 }, (_, i) => [`u${i}`, i]), targets: Array.from({ length: 5000 }, (_, i) => 'xy'[i % 2]) })
      expectProblem(jsonIds, 400)
      expect(jsonIds.body).toMatchObject({ field: 'features[1000][0]' })
      expect(jsonIds.body.detail).toMatch(/MAX_CATEGORIES/)
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

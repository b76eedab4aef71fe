// Prediction takes what a user has, checked like an upload: rows with numbers, category strings and
// nulls, and records keyed by feature name; a value training would refuse (1e39) is a 400 naming it,
// a flat row gets one plain message, and no model answers 200 with null. Models are imported from
// their JSON form with known weights, so every expected output is computed by hand.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('predict-input', { PREDICT_THREADS: '1' }) })
afterAll(async () => { await t.close() })

const post = (url: string, body: unknown) => request(t.app.server).post(url).set('content-type', 'application/json').send(JSON.stringify(body))

async function importModel (body: Record<string, unknown>): Promise<string> {
  const res = await post('/v1/models', { format: 'backprop.model', version: 1, ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as string
}

/** y = x0 + 2·x1 (identity, no normalisation). */
const sum = { network: { inputs: 2, layers: [], output: { units: 1, activation: 'identity' } }, layers: [{ W: [[1, 2]], b: [0] }] }

/**
 * size (numeric, mean-imputed to 2), color (red, green, blue → one-hot; missing → most frequent: green),
 * y = size + 10·[red] + 20·[green] + 30·[blue].
 */
const colored = {
  network: { inputs: 4, layers: [], output: { units: 1, activation: 'identity' } },
  layers: [{ W: [[1, 30, 20, 10]], b: [0] }],
  featureNames: ['size', 'color'],
  preprocessing: {
    columns: [{ name: 'size', kind: 'numeric' }, { name: 'color', kind: 'categorical', categories: ['blue', 'green', 'red'] }],
    imputer: { strategy: 'mean', statistics: [2, 1] }
  },
  normalization: { kind: 'none', offset: [0, 0, 0, 0], scale: [1, 1, 1, 1] }
}

describe('prediction values are checked like uploads', () => {
  it('1e39 (beyond float32) is a 400 naming inputs[r][c], on every path', async () => {
    const id = await importModel(sum)
    for (const body of [{ inputs: [[1e39, 1]] }, { inputs: [[1, 2], [3, -1e39]] }, { instances: [{ x0: 1, x1: 1e39 }] }]) {
      const res = await post(`/v1/models/${id}/predict`, body)
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toMatch(/problem\+json/)
      expect(res.body.detail).toMatch(/expected a finite number that fits a 32-bit float/)
    }
    const res = await post(`/v1/models/${id}/predict`, { inputs: [[1, 2], [3, -1e39]] })
    expect(res.body).toMatchObject({ field: 'inputs[1][1]', row: 1 })
    const record = await post(`/v1/models/${id}/predict`, { instances: [{ x0: 1, x1: 1e39 }] })
    expect(record.body.field).toBe('instances[0].x1')
  })

  it('a model whose output overflows answers 422, never 200 with null', async () => {
    const id = await importModel({ ...sum, layers: [{ W: [[1e30, 1e30]], b: [0] }] })
    const res = await post(`/v1/models/${id}/predict`, { inputs: [[1, 1], [1e10, 1e10]] })
    expect(res.status).toBe(422)
    expect(res.body).toMatchObject({ row: 1 })
    expect(res.body.detail).toMatch(/output for row 1 is Infinity: that row is far outside the data the model was trained on/)
  })

  it('a flat inputs array gets one plain message', async () => {
    const id = await importModel(sum)
    const res = await post(`/v1/models/${id}/predict`, { inputs: [5.1, 3.5] })
    expect(res.status).toBe(400)
    expect(res.body.detail).toBe('inputs must be a list of rows, and got one flat row; wrap it in another pair of brackets: {"inputs": [[5.1,3.5]]}')
    expect(res.body.errors).toBeUndefined()
    expect(res.body.field).toBe('inputs')
  })

  it('an empty list of rows says to send one, on every predict route', async () => {
    const id = await importModel(sum)
    for (const [url, body] of [[`/v1/models/${id}/predict`, { inputs: [] }], [`/v1/models/${id}/predict`, { instances: [] }], [`/v1/models/${id}:predict`, { instances: [] }]] as const) {
      const res = await post(url, body)
      expect(res.status, url).toBe(400)
      expect(JSON.stringify(res.body), url).toMatch(/(inputs|instances): empty: send at least one item/)
      expect(JSON.stringify(res.body)).not.toMatch(/Too small/)
    }
  })

  it('one record where a list is expected gets one plain message', async () => {
    const id = await importModel(sum)
    for (const key of ['instances', 'inputs']) {
      const res = await post(`/v1/models/${id}/predict`, { [key]: { x0: 1, x1: 2 } })
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ field: key })
      expect(res.body.detail).toBe(`${key} must be a list, and got one record; send it as a list of records keyed by feature name: {"instances": [{"x0":1,"x1":2}]}`)
      expect(res.body.errors).toBeUndefined()
    }
  })

  it('a string in a numeric column, null without an imputer, an unknown feature: 400s naming the cell', async () => {
    const id = await importModel(sum)
    const text = await post(`/v1/models/${id}/predict`, { inputs: [[1, 'two']] })
    expect(text.body).toMatchObject({ status: 400, field: 'inputs[0][1]' })
    expect(text.body.detail).toMatch(/column 'x1' is numeric; expected a number, got "two"$/)
    // numbers written as text, as a form sends them: what to send instead (a browser user typed 5,1 into the console)
    const hints: Array<[string, string]> = [
      ['5.1', 'send it as a JSON number: 5.1'],
      ['5,1', 'with a decimal point and as a JSON number: 5.1'],
      ['1,000', 'as a JSON number: 1000 if the comma separates thousands, 1 if it is a decimal comma']
    ]
    for (const [sent, hint] of hints) {
      const res = await post(`/v1/models/${id}/predict`, { inputs: [[1, sent]] })
      expect(res.body.detail).toBe(`inputs[0][1]: column 'x1' is numeric; expected a number, got ${JSON.stringify(sent)}; ${hint}`)
    }
    const missing = await post(`/v1/models/${id}/predict`, { inputs: [[1, null]] })
    expect(missing.body.detail).toMatch(/inputs\[0\]\[1\]: the value is missing, and the model was trained without a missing-value strategy/)
    const unknown = await post(`/v1/models/${id}/predict`, { instances: [{ x0: 1, x1: 2, x9: 3 }] })
    expect(unknown.body).toMatchObject({ status: 400, field: 'instances[0].x9' })
    expect(unknown.body.detail).toMatch(/the model has no feature "x9"; its features are "x0", "x1"/)
    const both = await post(`/v1/models/${id}/predict`, { inputs: [[1, 2]], instances: [[1, 2]] })
    expect(both.status).toBe(400)
  })
})

describe('rows with categories and nulls, and records, give the same answers', () => {
  it('encodes, imputes and reports unknown categories (or refuses them)', async () => {
    const id = await importModel(colored)
    const rows = await post(`/v1/models/${id}/predict`, { inputs: [[1, 'red'], [null, 'blue'], [3, null], [4, 'purple']] })
    expect(rows.status).toBe(200)
    // red: 1 + 10; missing size → 2, blue: 2 + 30; missing color → green: 3 + 20; unknown: all zeros, 4
    expect(rows.body.outputs).toEqual([[11], [32], [23], [4]])
    expect(rows.body.unknownCategories).toEqual([{ row: 3, field: 'inputs[3][1]', value: 'purple' }])
    const records = await post(`/v1/models/${id}/predict`, {
      instances: [{ size: 1, color: 'red' }, { size: null, color: 'blue' }, { size: 3 }, { color: 'purple', size: 4 }]
    })
    expect(records.body.outputs).toEqual(rows.body.outputs)
    expect(records.body.unknownCategories).toEqual([{ row: 3, field: 'instances[3].color', value: 'purple' }])
    // a category's name is read trimmed, as a CSV upload reads its cells: " red" was a category the model never saw
    const spaced = await post(`/v1/models/${id}/predict`, { inputs: [[1, ' red'], [null, 'blue\t']] })
    expect([spaced.body.outputs, spaced.body.unknownCategories]).toEqual([[[11], [32]], undefined])
    // and a model imported with spaced names (no upload stores one now) answers to them written either way
    const padded = await importModel({ ...colored, preprocessing: { ...colored.preprocessing, columns: [colored.preprocessing.columns[0], { name: 'color', kind: 'categorical', categories: [' blue', 'green ', 'red'] }] } })
    const either = await post(`/v1/models/${padded}/predict`, { inputs: [[1, 'red'], [null, 'blue'], [2, ' blue'], [2, ' green ']] })
    expect([either.body.outputs, either.body.unknownCategories]).toEqual([[[11], [32], [32], [22]], undefined])
    // two that are one once trimmed are refused at import
    const twice = await post('/v1/models', { format: 'backprop.model', version: 1, ...colored, preprocessing: { ...colored.preprocessing, columns: [colored.preprocessing.columns[0], { name: 'color', kind: 'categorical', categories: ['blue', 'red', ' red'] }] } })
    expect([twice.status, twice.body.detail]).toEqual([400, 'preprocessing.columns[1].categories: holds a category twice (names are read trimmed: " red" is "red")'])
    const refused = await request(t.app.server).post(`/v1/models/${id}/predict?handleUnknown=error`).send({ inputs: [[4, 'purple']] })
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ field: 'inputs[0][1]' })
    expect(refused.body.detail).toMatch(/"purple" is not a category of column 'color'; the model knows "blue", "green", "red"/)
    // the canonical numeric body to a categorical model: numbers name categories as strings would
    const single = await post(`/v1/models/${id}/predict`, { inputs: [[1, 'green']] })
    expect(single.body.outputs).toEqual([[21]])
    // the network's encoded inputs instead of the raw columns: the width error says what a row holds
    const encoded = await post(`/v1/models/${id}/predict`, { inputs: [[1, 0, 1, 0]] })
    expect(encoded.status).toBe(400)
    expect(encoded.body).toMatchObject({ code: 'NN_ERR_INPUT_WIDTH', field: 'inputs[0]', row: 0 })
    expect(encoded.body.detail).toBe('expected 2 inputs per row, got 4 in row 0; a row holds one value per feature column ("size", "color"), ' +
      'a category by its name (color: "blue", …), not the 4 one-hot inputs the network takes')
    const three = await post(`/v1/models/${id}/predict`, { inputs: [[1, 'red', 3]] })
    expect(three.body.detail).toMatch(/got 3 in row 0; a row holds one value per feature column \("size", "color"\), a category by its name \(color: "blue", …\)$/)
  })

  it('refuses a number for a categorical column as a wrong type, in every form predict takes, whatever handleUnknown says', async () => {
    // the README's shop model: size (numeric), color (categorical)
    await importModel({ ...colored, name: 'shop' })
    const detail = (field: string, v: number) =>
      `${field}: column 'color' is categorical; expected one of its categories as a string ("blue", "green", "red"), got the number ${v}`
    // the body: canonical numbers, read from its bytes (predict-body.ts), by reference
    for (const query of ['', '?handleUnknown=ignore', '?handleUnknown=error']) {
      const res = await post(`/v1/models/shop@latest/predict${query}`, { inputs: [[1.5, 1]] })
      expect(res.status, query).toBe(400)
      expect(res.headers['content-type']).toMatch(/problem\+json/)
      expect(res.body, query).toMatchObject({ status: 400, field: 'inputs[0][1]', row: 0, detail: detail('inputs[0][1]', 1) })
    }
    // rows mixing strings and numbers (the general path), and records
    const mixed = await post('/v1/models/shop@latest/predict', { inputs: [[1.5, 'red'], [2, 0]] })
    expect(mixed.body).toMatchObject({ status: 400, field: 'inputs[1][1]', row: 1, detail: detail('inputs[1][1]', 0) })
    const record = await post('/v1/models/shop@latest/predict', { instances: [{ size: 1, color: 'red' }, { size: 2, color: 2.5 }] })
    expect(record.body).toMatchObject({ status: 400, field: 'instances[1].color', row: 1, detail: detail('instances[1].color', 2.5) })
    // a body large enough to be read on a forward thread (256 KiB): that path hands categorical models back to this one
    const rows = Array.from({ length: 9_000 }, (_, r) => (r === 8_765 ? '[3, 7]' : `[1.5, "red"${' '.repeat(24)}]`))
    const large = await request(t.app.server).post('/v1/models/shop@latest/predict').set('content-type', 'application/json').send(`{"inputs": [${rows.join(',')}]}`)
    expect(large.body).toMatchObject({ status: 400, field: 'inputs[8765][1]', row: 8765, detail: detail('inputs[8765][1]', 7) })
    // a wrong type is not an unknown category: a category name the model never saw is still encoded as zeros and reported
    const purple = await post('/v1/models/shop@latest/predict', { inputs: [[1.5, 'purple']] })
    expect([purple.status, purple.body.unknownCategories]).toEqual([200, [{ row: 0, field: 'inputs[0][1]', value: 'purple' }]])
  })

  it('takes numbers for a categorical column whose categories are numbers (one declared categorical), as their names', async () => {
    // store (categorical: 7, 12, 30, as a JSON upload declaring it categorical stores them), size; y = size + 100·[7] + 200·[12] + 300·[30]
    const id = await importModel({
      name: 'stores',
      network: { inputs: 4, layers: [], output: { units: 1, activation: 'identity' } },
      layers: [{ W: [[100, 200, 300, 1]], b: [0] }],
      preprocessing: { columns: [{ name: 'store', kind: 'categorical', categories: ['7', '12', '30'] }, { name: 'size', kind: 'numeric' }] },
      normalization: { kind: 'none', offset: [0, 0, 0, 0], scale: [1, 1, 1, 1] }
    })
    const res = await post(`/v1/models/${id}/predict`, { inputs: [[12, 1], [30, 2]] })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.outputs).toEqual([[201], [302]])
    expect((await post(`/v1/models/${id}/predict`, { instances: [{ store: '7', size: 0 }, { store: 7, size: 0 }] })).body.outputs).toEqual([[100], [100]])
    // a number that names no category is an unknown category here: reported, or refused with handleUnknown=error
    const unseen = await post(`/v1/models/${id}/predict`, { inputs: [[99, 5]] })
    expect([unseen.status, unseen.body.outputs, unseen.body.unknownCategories]).toEqual([200, [[5]], [{ row: 0, field: 'inputs[0][0]', value: '99' }]])
    // (the canonical numeric body, read from its bytes: by id, and by reference)
    for (const ref of [id, 'stores@latest']) {
      const refused = await post(`/v1/models/${ref}/predict?handleUnknown=error`, { inputs: [[99, 5]] })
      expect(refused.status, JSON.stringify(refused.body)).toBe(400)
      expect(refused.body.detail).toBe('inputs[0][0]: 99 is not a category of column \'store\'; the model knows "7", "12", "30"')
    }
  })

  it('lists a few of a column\'s categories when a value has the wrong type, not all of them', async () => {
    const categories = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    const id = await importModel({
      network: { inputs: 7, layers: [], output: { units: 1, activation: 'identity' } },
      layers: [{ W: [categories.map(() => 1)], b: [0] }],
      preprocessing: { columns: [{ name: 'letter', kind: 'categorical', categories }] },
      normalization: { kind: 'none', offset: categories.map(() => 0), scale: categories.map(() => 1) }
    })
    const res = await post(`/v1/models/${id}/predict`, { inputs: [['a'], [3]] })
    expect(res.body.detail).toBe('inputs[1][0]: column \'letter\' is categorical; expected one of its categories as a string ("a", "b", "c", "d", "e", … (7 in all)), got the number 3')
  })

  it('export → import keeps the encoding and the imputer', async () => {
    const id = await importModel(colored)
    const exported = await request(t.app.server).get(`/v1/models/${id}/export`)
    expect(exported.body.preprocessing).toEqual(colored.preprocessing)
    const again = await importModel(exported.body)
    const body = { inputs: [[1, 'red'], [null, null]] }
    expect((await post(`/v1/models/${again}/predict`, body)).body).toEqual((await post(`/v1/models/${id}/predict`, body)).body)
  })

  it('an import whose encoding does not fit the network is a 400', async () => {
    const res = await post('/v1/models', { format: 'backprop.model', version: 1, ...colored, preprocessing: { ...colored.preprocessing, columns: colored.preprocessing.columns.slice(0, 1) } })
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/preprocessing.columns: encode into 1 input; the network takes 4/)
  })
})

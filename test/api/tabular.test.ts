// A CSV as people have it: a categorical feature, missing values (imputed) and a label column. It trains
// with a real worker, predicts from raw rows (category strings, nulls) and from records with identical
// answers, and export → import keeps the encoding and the imputation. Real HTTP on the built app.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import type { TestApp } from './helper.js'
import { buildAppWithWorker, waitForModel } from './with-worker.js'
import { Rng } from '../../src/nn/random.js'
import { splitForValidation } from '../../src/nn/train.js'

let t: TestApp
beforeAll(async () => { t = await buildAppWithWorker('tabular') })
afterAll(async () => { await t?.close() })

const post = (url: string, body: unknown, type = 'application/json') =>
  request(t.app.server).post(url).set('content-type', type).send(typeof body === 'string' ? body : JSON.stringify(body))

const COLORS = ['red', 'green', 'blue']
/** label: "yes" when red, or when green and size > 5; size and weight sometimes missing. */
function makeRows (n: number, seed: number): Array<{ size: number | null, color: string, weight: number | null, label: string }> {
  const rng = new Rng(seed)
  return Array.from({ length: n }, () => {
    const size = Math.round(rng.next() * 100) / 10
    const color = COLORS[Math.floor(rng.next() * 3)]
    const weight = Math.round(rng.next() * 50) / 10
    const label = color === 'red' || (color === 'green' && size > 5) ? 'yes' : 'no'
    return { size: rng.next() < 0.05 ? null : size, color, weight: rng.next() < 0.1 ? null : weight, label }
  })
}

describe('a CSV with a categorical feature, missing values and labels', () => {
  it('shows how it was read, trains, and predicts alike from rows and records; export → import keeps it all', async () => {
    const rows = makeRows(300, 11)
    const cell = (v: number | null, marker: string): string => (v === null ? marker : String(v))
    const csv = 'size;color;weight;label\r\n' + rows.map((r, i) => `${cell(r.size, i % 2 === 0 ? '' : 'NA')};${r.color};${cell(r.weight, '?')};${r.label}`).join('\r\n') + '\r\n'

    // without a strategy the first missing cell is refused, with the fix
    const refused = await post('/v1/datasets?target=label', csv, 'text/csv')
    expect(refused.status).toBe(400)
    expect(refused.body.detail).toMatch(/column 1 \("size"\): the cell is missing; fill it in, or choose a missing-value strategy/)

    const ds = await post('/v1/datasets?target=label&missing=median', csv, 'text/csv')
    expect(ds.status).toBe(201)
    const missing = (key: 'size' | 'weight') => rows.filter((r) => r[key] === null).length
    expect(ds.body).toMatchObject({ inputs: 5, outputs: 2, classes: ['no', 'yes'], missing: { strategy: 'median' } })
    expect(ds.body.columns).toMatchObject([
      { name: 'size', kind: 'numeric', missing: missing('size') },
      { name: 'color', kind: 'categorical', categories: ['blue', 'green', 'red'], missing: 0 },
      { name: 'weight', kind: 'numeric', missing: missing('weight') }
    ])
    expect(ds.body.columns[1].mean).toBeUndefined()

    const created = await post('/v1/training-jobs', {
      datasetId: ds.body.id,
      network: { layers: [{ units: 16, activation: 'tanh' }], output: { activation: 'softmax' } },
      training: { epochs: 150, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: 0.2, seed: 2 }
    })
    expect(created.status, JSON.stringify(created.body)).toBe(202)
    const model = await waitForModel(t, created.body.id as string)
    expect(model).toMatchObject({ featureNames: ['size', 'color', 'weight'], network: { inputs: 5, output: { units: 2 } } })
    expect(model.preprocessing).toMatchObject({ imputer: { strategy: 'median' } })
    expect((model.metrics as Record<string, number>).valAccuracy).toBeGreaterThanOrEqual(0.85)

    // held-out rows, with nulls, as rows and as records
    const test = makeRows(100, 99)
    const inputs = test.map((r) => [r.size, r.color, r.weight])
    const instances = test.map(({ size, color, weight }) => ({ color, ...(size === null ? {} : { size }), weight }))
    const byRows = await post(`/v1/models/${String(model.id)}/predict`, { inputs })
    const byRecords = await post(`/v1/models/${String(model.id)}/predict`, { instances })
    expect(byRows.status).toBe(200)
    expect(byRecords.body).toEqual(byRows.body)
    const accuracy = (byRows.body.labels as string[]).filter((label, i) => label === test[i].label).length / test.length
    expect(accuracy).toBeGreaterThanOrEqual(0.85)
    // one row at a time (the micro-batch path) gives the same numbers to float32 rounding, not to the bit: with
    // the blas kernels one row is a matrix-vector product (sgemv) and a batch a matrix product (sgemm), which sum
    // in different orders (measured: 1-row and 4-row passes of a 5-16-2 tanh network differ in 64% of rows)
    const one = await post(`/v1/models/${String(model.id)}/predict`, { inputs: [inputs[0]] })
    const want = byRows.body.outputs[0] as number[]
    expect((one.body.outputs[0] as number[]).map((v, i) => Math.abs(v - want[i]) <= 1e-4 * Math.abs(want[i]))).toEqual(want.map(() => true))
    expect(one.body.labels[0]).toBe(byRows.body.labels[0])

    const exported = await request(t.app.server).get(`/v1/models/${String(model.id)}/export`)
    expect(exported.body.preprocessing).toEqual(model.preprocessing)
    const imported = await post('/v1/models', exported.body)
    expect(imported.status).toBe(201)
    const again = await post(`/v1/models/${String(imported.body.id)}/predict`, { inputs })
    expect(again.body).toEqual(byRows.body)
    // featureNames that contradict the preprocessing's columns would be names neither predict nor the export answers to
    const renamed = await post('/v1/models', { ...exported.body, name: undefined, featureNames: ['a', 'b', 'c'] })
    expect(renamed.status).toBe(400)
    expect(renamed.body.detail).toMatch(/featureNames\[0\]: is "a", but preprocessing\.columns\[0\] is "size"; the two name the same columns/)

    // the held-out rows as a dataset of their own: its categories sit at other indices (no "blue" row, and an
    // unseen "purple" one), yet evaluate and dataset predictions read them through the model's encoding
    const held = test.filter((r) => r.color !== 'blue').map((r, i) => (i === 0 ? { ...r, color: 'purple' } : r))
    const heldCsv = 'size,color,weight,label\n' + held.map((r) => `${cell(r.size, '')},${r.color},${cell(r.weight, 'NA')},${r.label}`).join('\n') + '\n'
    const heldDs = await post('/v1/datasets?target=label&missing=median', heldCsv, 'text/csv')
    expect(heldDs.status, JSON.stringify(heldDs.body)).toBe(201)
    expect(heldDs.body.columns[1].categories).toEqual(['green', 'purple', 'red'])
    const heldPredict = await post(`/v1/models/${String(model.id)}/predict`, { inputs: held.map((r) => [r.size, r.color, r.weight]) })
    expect(heldPredict.status).toBe(200)
    expect(heldPredict.body.unknownCategories).toBeDefined()
    const evaluated = await post(`/v1/models/${String(model.id)}/evaluate`, { datasetId: heldDs.body.id })
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200)
    const heldAccuracy = (heldPredict.body.labels as string[]).filter((label, i) => label === held[i].label).length / held.length
    expect(evaluated.body.metrics.accuracy).toBeCloseTo(heldAccuracy, 10)
    // the unseen category is reported as predict reports it, counted over the dataset's rows
    expect(evaluated.body.unknownCategories).toEqual([{ field: 'color', value: 'purple', rows: 1 }])
    const known = await post(`/v1/models/${String(model.id)}/evaluate`, { datasetId: ds.body.id })
    expect(known.body.unknownCategories).toBeUndefined()
    const streamed = await request(t.app.server).post(`/v1/models/${String(model.id)}/predictions`)
      .set('accept', 'application/x-ndjson').send({ datasetId: heldDs.body.id })
    expect(streamed.status).toBe(200)
    const lines = streamed.text.trim().split('\n').map((l) => JSON.parse(l) as { row: number, label: string, unknownCategories?: unknown })
    expect(lines.map((l) => l.label)).toEqual(heldPredict.body.labels)
    // the unseen category is named on its row, as predict names it
    expect(lines[0].unknownCategories).toEqual([{ field: 'color', value: 'purple' }])
    expect(lines.slice(1).every((l) => l.unknownCategories === undefined)).toBe(true)
  })

  it('a category only in validation rows is untrained: predict, evaluate and the export take it as unknown, and say so', async () => {
    const rows = makeRows(120, 21).map((r) => ({ ...r, size: r.size ?? 5, weight: r.weight ?? 2 }))
    // the job's split (seed 2, a quarter held out, stratified by label), made here as the worker makes it: purple goes to two held-out rows
    const spec = { inputs: 5, layers: [], output: { units: 2, activation: 'softmax' as const } }
    const y = Float32Array.from(rows.flatMap((r) => (r.label === 'yes' ? [0, 1] : [1, 0])))
    const { trainRows } = splitForValidation(spec, { x: new Float32Array(rows.length * 5), y, rows: rows.length, inputs: 5, outputs: 2 }, { epochs: 20, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: 0.25, seed: 2 })
    const trained = new Set(trainRows)
    const heldOut = rows.map((_, i) => i).filter((i) => !trained.has(i)).slice(0, 2)
    for (const i of heldOut) rows[i].color = 'purple'
    const csv = 'size,color,weight,label\n' + rows.map((r) => `${r.size},${r.color},${r.weight},${r.label}`).join('\n') + '\n'
    const ds = await post('/v1/datasets?target=label', csv, 'text/csv')
    expect(ds.status, JSON.stringify(ds.body)).toBe(201)
    expect(ds.body.columns[1].categories).toEqual(['blue', 'green', 'purple', 'red'])
    const created = await post('/v1/training-jobs', {
      datasetId: ds.body.id,
      network: { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } },
      training: { epochs: 20, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: 0.25, seed: 2 }
    })
    expect(created.status, JSON.stringify(created.body)).toBe(202)
    const model = await waitForModel(t, created.body.id as string)
    const job = (await request(t.app.server).get(`/v1/training-jobs/${created.body.id as string}`)).body
    expect(job.warnings).toContain(`category "purple" of column "color" is in none of the ${trainRows!.length} rows this job trains on: the model learned nothing about it, and predict takes it as unknown`)
    const pre = model.preprocessing as { columns: Array<{ untrainedCategories?: string[] }> }
    expect(pre.columns.map((c) => c.untrainedCategories)).toEqual([undefined, ['purple'], undefined])

    // predict: as a colour it never saw, reported, and refused under handleUnknown=error with the reason
    const id = String(model.id)
    const purple = await post(`/v1/models/${id}/predict`, { inputs: [[4, 'purple', 2], [4, 'red', 2]] })
    const never = await post(`/v1/models/${id}/predict`, { inputs: [[4, 'teal', 2], [4, 'red', 2]] })
    expect(purple.status).toBe(200)
    expect(purple.body.unknownCategories).toEqual([{ row: 0, field: 'inputs[0][1]', value: 'purple' }])
    expect(purple.body.outputs).toEqual(never.body.outputs)
    const refused = await post(`/v1/models/${id}/predict?handleUnknown=error`, { instances: [{ size: 4, color: ' purple', weight: 2 }] })
    expect(refused.status).toBe(400)
    expect(refused.body.detail).toMatch(/" purple" is a category of column 'color' that none of the rows the model trained on held \(it was in the dataset's validation rows only\), so the model learned nothing about it; it knows "blue", "green", "red"/)
    // evaluate counts the dataset's purple rows as unknown, as predict reports them
    const evaluated = await post(`/v1/models/${id}/evaluate`, { datasetId: ds.body.id })
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200)
    expect(evaluated.body.unknownCategories).toEqual([{ field: 'color', value: 'purple', rows: 2 }])

    // export → import keeps them; an import's untrained category must be one of the column's
    const exported = (await request(t.app.server).get(`/v1/models/${id}/export`)).body
    const imported = await post('/v1/models', { ...exported, name: 'untrained-copy' })
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    expect((await post(`/v1/models/${String(imported.body.id)}/predict`, { inputs: [[4, 'purple', 2], [4, 'red', 2]] })).body).toEqual(purple.body)
    const columns = exported.preprocessing.columns as Array<Record<string, unknown>>
    const stray = await post('/v1/models', { ...exported, name: 'untrained-stray', preprocessing: { ...exported.preprocessing, columns: columns.map((c, i) => (i === 1 ? { ...c, untrainedCategories: ['pink'] } : c)) } })
    expect(stray.status).toBe(400)
    expect(stray.body.detail).toMatch(/preprocessing\.columns\[1\]\.untrainedCategories\[0\]: "pink" is not one of the column's categories/)
  })

  it('a job may choose the strategy; a dataset with missing cells and no strategy is refused at admission', async () => {
    const ds = await post('/v1/datasets', { features: [[1, 'a'], [null, 'b'], [3, 'a'], [4, null]], targets: [1, 2, 3, 4], missing: { strategy: 'error' } })
    expect(ds.status).toBe(400) // error is the default: missing cells are refused at upload
    const kept = await post('/v1/datasets', { features: [[1, 'a'], [null, 'b'], [3, 'a'], [4, null]], targets: [1, 2, 3, 4], featureNames: ['n', 'c'], missing: { strategy: 'constant', fillValue: -1 } })
    expect(kept.status).toBe(201)
    const job = (extra: Record<string, unknown>) => ({
      datasetId: kept.body.id, network: { layers: [], output: { activation: 'identity' } }, training: { epochs: 2, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.01 } }, ...extra
    })
    const refused = await post('/v1/training-jobs', job({ missing: { strategy: 'error' } }))
    expect(refused.status).toBe(422)
    expect(refused.body.detail).toMatch(/has missing cells \(n: 1, c: 1\); choose how to fill them/)
    const mean = await post('/v1/training-jobs', job({ missing: { strategy: 'mean' } }))
    expect(mean.status).toBe(202)
    // the job says how it fills them: its own strategy here; a job that names none inherits the dataset's
    expect((await request(t.app.server).get(`/v1/training-jobs/${mean.body.id as string}`)).body.missing).toEqual({ strategy: 'mean' })
    const inherited = await post('/v1/training-jobs', job({}))
    expect((await request(t.app.server).get(`/v1/training-jobs/${inherited.body.id as string}`)).body.missing).toEqual({ strategy: 'constant', fillValue: -1 })
    const model = await waitForModel(t, mean.body.id as string)
    // mean over the training rows (no validation split: all of them) of n = (1 + 3 + 4) / 3; c: most frequent, "a" (index 0)
    expect((model.preprocessing as { imputer: { statistics: number[] } }).imputer.statistics).toEqual([8 / 3, 0])
  })

  it('a constant filler must fit a 32-bit float, wherever it is given (it would store Infinity)', async () => {
    const features = [[1], [null], [3]]
    const json = await post('/v1/datasets', { features, targets: [1, 2, 3], missing: { strategy: 'constant', fillValue: 1e39 } })
    expect(json.status).toBe(400)
    expect(json.body.detail).toMatch(/missing\.fillValue.*fits a 32-bit float/)
    const csv = await post('/v1/datasets?target=b&missing=constant&fillValue=-1e39', 'a,b\n,2\n3,4\n', 'text/csv')
    expect(csv.status).toBe(400)
    expect(csv.body.detail).toMatch(/fillValue.*fits a 32-bit float/)
    const ds = await post('/v1/datasets', { features, targets: [1, 2, 3], missing: { strategy: 'mean' } })
    expect(ds.status).toBe(201)
    const job = await post('/v1/training-jobs', { datasetId: ds.body.id, network: { layers: [], output: { activation: 'identity' } }, missing: { strategy: 'constant', fillValue: 3.5e38 } })
    expect(job.status).toBe(400)
    expect(job.body.detail).toMatch(/missing\.fillValue.*fits a 32-bit float/)
    // written as a decimal number, and only with the constant strategy (coercion read '' as 0 and 0x10 as 16; mean ignored it)
    for (const [query, message] of [['missing=constant&fillValue=', /fillValue: expected a decimal number/], ['missing=constant&fillValue=0x10', /fillValue: expected a decimal number/],
      ['missing=mean&fillValue=2', /fillValue: applies with missing=constant only/]] as const) {
      const res = await post(`/v1/datasets?target=b&${query}`, 'a,b\n,2\n3,4\n', 'text/csv')
      expect(res.status, query).toBe(400)
      expect(res.body.detail, query).toMatch(message)
    }
    const meanWithFill = await post('/v1/datasets', { features, targets: [1, 2, 3], missing: { strategy: 'mean', fillValue: 2 } })
    expect(meanWithFill.status).toBe(400)
    expect(meanWithFill.body.detail).toMatch(/missing\.fillValue: applies to the strategy "constant" only/)
    // the largest float32 is fine
    expect((await post('/v1/datasets', { features, targets: [1, 2, 3], missing: { strategy: 'constant', fillValue: 3.4028234e38 } })).status).toBe(201)
  })
})

// What a finished job and its model report: no non-finite model is stored, served or exported, and the
// metrics, best epoch, stop reason and warnings describe the weights that were kept. Real app, Redis and worker.
import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import request from 'supertest'
import { appWithWorker, trainToEnd, uploadJson } from '../support/training-api.js'
import { CreateTrainingJobRequest } from '../../src/schemas/training.js'
import { trainOptionsOf } from '../../src/queue/train-options.js'

const ctx = appWithWorker('outcome')

const relu4 = { inputs: 1, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }

describe('a diverged job stores nothing', () => {
  // the case: the old guard saw only the loss before the one update, which overflowed
  it('1e17 inputs, sgd 1e6, one epoch, normalize none: failed as diverged, with the advice, and no model', async () => {
    const datasetId = await uploadJson(ctx.t, { features: [[1e17], [2e17]], targets: [1, 2] })
    const job = await trainToEnd(ctx.t, {
      // the body as written (the default validation split and early stopping apply)
      datasetId, network: relu4, modelName: 'diverged',
      training: { epochs: 1, batchSize: 2, optimizer: { type: 'sgd', learningRate: 1000000 }, normalize: 'none', seed: 1 }
    })
    expect(job.body).toMatchObject({ status: 'failed', stopReason: 'diverged', stoppedEpoch: 0 })
    expect(job.body.error).toMatch(/in epoch 1: lower the learning rate \(now 1000000\) or normalise the inputs \(encoded input column 1 of 1 reaches [12]\.00e\+17\)$/)
    expect(job.body.modelId).toBeUndefined()
    expect((await request(ctx.t.app.server).get('/v1/models?name=diverged')).body.total).toBe(0)
  })

  it('only the last of four epochs overflows, in the outputs and not the weights: failed as diverged, no model', async () => {
    // learning rates 1e-3, 1, 1e3, 1e6: the last step leaves finite weights (~1e20) whose outputs overflow float32
    const datasetId = await uploadJson(ctx.t, { features: [[1], [2], [3], [4]], targets: [1, 3, 2, 4] })
    const job = await trainToEnd(ctx.t, {
      datasetId, modelName: 'overflows-last',
      network: { inputs: 1, layers: [{ units: 4, activation: 'identity' }], output: { units: 1, activation: 'identity' } },
      training: { epochs: 4, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.001 }, schedule: { type: 'exponential', gamma: 1000 }, normalize: 'none', seed: 1, validationSplit: 0, earlyStopping: false }
    })
    expect(job.body).toMatchObject({ status: 'failed', stopReason: 'diverged', stoppedEpoch: 4 })
    expect((job.body.history as Array<{ loss: number }>).map((h) => Number.isFinite(h.loss))).toEqual([true, true, true, true])
    expect(job.body.error).toMatch(/^the trained network is not finite \(the output for row \d is -?Infinity\) in epoch 4: lower the learning rate \(now 1000000\)/)
    expect((await request(ctx.t.app.server).get('/v1/models?name=overflows-last')).body.total).toBe(0)
  })

  it('the same job with the default normalisation: whatever it stores predicts finite numbers for its rows', async () => {
    // standardised inputs (±1) keep the one huge step finite here; the guard's promise is finiteness, not quality
    const datasetId = await uploadJson(ctx.t, { features: [[1e17], [2e17]], targets: [1, 2] })
    const job = await trainToEnd(ctx.t, {
      datasetId, network: relu4,
      training: { epochs: 1, batchSize: 2, optimizer: { type: 'sgd', learningRate: 1000000 }, seed: 1, validationSplit: 0, earlyStopping: false }
    })
    expect(job.body.status).toBe('succeeded')
    const pred = await request(ctx.t.app.server).post(`/v1/models/${job.body.modelId as string}/predict`).send({ inputs: [[1e17], [2e17]] })
    expect(pred.status).toBe(200)
    expect((pred.body.outputs as number[][]).flat().every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true)
    expect((await request(ctx.t.app.server).get(`/v1/models/${job.body.modelId as string}/export`)).status).toBe(200)
  })
})

describe('stored models with non-finite numbers never answer 200 with them, nor 5xx', () => {
  it('a model stored before the guard (NaN weight): predict 422, export 409, GET 200 without the NaN metric', async () => {
    const params = new Float32Array(13).fill(0.5)
    params[12] = NaN // the output bias: a NaN behind a ReLU would come out as 0
    const record = await ctx.t.app.models.save({ spec: relu4 as never, params, meta: { metrics: { loss: 1, valMse: NaN } } })
    const predict = await request(ctx.t.app.server).post(`/v1/models/${record.id}/predict`).send({ inputs: [[1]] })
    expect(predict.status).toBe(422)
    expect(predict.headers['content-type']).toMatch(/problem\+json/)
    expect(predict.body.detail).toMatch(/output for row 0 is NaN/)
    const exported = await request(ctx.t.app.server).get(`/v1/models/${record.id}/export`)
    expect(exported.status).toBe(409)
    expect(exported.body.detail).toMatch(/weight output\.bias\[0\] is NaN; train it again/)
    const got = await request(ctx.t.app.server).get(`/v1/models/${record.id}`)
    expect(got.status).toBe(200)
    expect(got.body.metrics).toEqual({ loss: 1 })
  })

  it('finite weights with a NaN or ∞ metric stored before the guard: export 200 without them, not a 500', async () => {
    const record = await ctx.t.app.models.save({ spec: relu4 as never, params: new Float32Array(13).fill(0.5), meta: { metrics: { loss: 1, valMse: NaN, valLoss: Infinity } } })
    const exported = await request(ctx.t.app.server).get(`/v1/models/${record.id}/export`)
    expect(exported.status, exported.text).toBe(200)
    expect(exported.body.metrics).toEqual({ loss: 1 })
    expect((await request(ctx.t.app.server).get(`/v1/models/${record.id}/export?format=onnx`)).status).toBe(200)
  })

  it('a finite model whose output overflows for one row: 422 naming the row, never outputs of null', async () => {
    const record = await ctx.t.app.models.save({ spec: relu4 as never, params: new Float32Array(13).fill(1e18) })
    const res = await request(ctx.t.app.server).post(`/v1/models/${record.id}/predict`).send({ inputs: [[1], [1e3]] })
    expect(res.status).toBe(422)
    expect(res.body).toMatchObject({ row: 1 })
    expect(res.body.detail).toMatch(/output for row 1 is Infinity/)
    const fine = await request(ctx.t.app.server).post(`/v1/models/${record.id}/predict`).send({ inputs: [[1e-3]] })
    expect(fine.status).toBe(200)
  })

  it('an import whose weights are finite but overflow float32 on the way through is a 422', async () => {
    const W = (rows: number, cols: number, v: number): number[][] => Array.from({ length: rows }, () => new Array<number>(cols).fill(v))
    const body = {
      format: 'backprop.model', version: 1, network: relu4,
      layers: [{ W: W(4, 1, 1e30), b: [1e30, 1e30, 1e30, 1e30] }, { W: W(1, 4, 1e30), b: [0] }]
    }
    const exported = await request(ctx.t.app.server).get('/v1/models?limit=1')
    expect(exported.status).toBe(200)
    const res = await request(ctx.t.app.server).post('/v1/models').send(body)
    expect(res.status, JSON.stringify(res.body)).toBe(422)
    expect(res.body.detail).toMatch(/not usable: for an input at the training means \(the normalisation offsets\) the output for it is Infinity/)
    // finite at the means, past float32 on any other row: one row at the means had been the whole check (a hostile trial)
    const offMean = await request(ctx.t.app.server).post('/v1/models').send({ ...body, layers: [{ W: W(4, 1, 1e30), b: [0, 0, 0, 0] }, { W: W(1, 4, 1e30), b: [0] }] })
    expect(offMean.status, JSON.stringify(offMean.body)).toBe(422)
    expect(offMean.body.detail).toMatch(/not usable: for every input at \+1 standard deviation from its training mean the output for it is Infinity/)
    const fine = { ...body, layers: [{ W: W(4, 1, 1), b: [0, 0, 0, 0] }, { W: W(1, 4, 1), b: [0] }] }
    // finite as the network computes it, but past float32 once scaled back to the target's units
    const scaledPast = await request(ctx.t.app.server).post('/v1/models').send({ ...fine, layers: [fine.layers[0], { W: W(1, 4, 1), b: [10] }], targetNormalization: { kind: 'standard', offset: [0], scale: [1e38] } })
    expect(scaledPast.status, JSON.stringify(scaledPast.body)).toBe(422)
    expect(scaledPast.body.detail).toMatch(/not usable: for an input at the training means \(the normalisation offsets\), output 0 is Infinity once scaled back by targetNormalization/)
    // a scale that is no float32 at all is named
    const past32 = await request(ctx.t.app.server).post('/v1/models').send({ ...fine, targetNormalization: { kind: 'standard', offset: [0], scale: [1e39] } })
    expect([past32.status, past32.body.field]).toEqual([400, 'targetNormalization.scale[0]'])
    expect(past32.body.detail).toMatch(/must be a finite number that fits a 32-bit float \(at most ±3\.4e38\), got 1e\+39/)
    const ok = await request(ctx.t.app.server).post('/v1/models').send({ ...fine, targetNormalization: { kind: 'standard', offset: [0], scale: [1e30] } })
    expect(ok.status).toBe(201)
  })
})

describe('the metrics are of the weights kept', () => {
  // validationSplit 0.33 holds out ceil(12 × 0.33) = 4 rows, as the 0.34 did when sizes were rounded (scikit-learn's ceil makes that 5)
  it('the issue\'s 12-row example: early stopping keeps epoch 2, and the model reports epoch 2\'s numbers', async () => {
    const x = [-1, -0.8, -0.6, -0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8, 1, 0.1]
    const y = [-1.5, -2.1, -0.4, -1.2, 0.6, -0.3, 0.9, 0.2, 1.8, 0.7, 2.4, -0.2]
    const datasetId = await uploadJson(ctx.t, { features: x.map((v) => [v]), targets: y })
    const job = await trainToEnd(ctx.t, {
      datasetId,
      network: { inputs: 1, layers: [{ units: 32, activation: 'tanh' }], output: { units: 1, activation: 'identity' } },
      training: { epochs: 50, optimizer: { type: 'adam', learningRate: 0.05 }, batchSize: 4, seed: 1, validationSplit: 0.33, earlyStopping: { patience: 3 } }
    })
    expect(job.body).toMatchObject({ status: 'succeeded', bestEpoch: 2, stoppedEpoch: 5, weightsEpoch: 2, stopReason: 'early_stopping', warnings: [] })
    const history = job.body.history as Array<{ epoch: number, loss: number, valLoss: number }>
    expect(history).toHaveLength(5)
    expect(history[1].valLoss).toBeCloseTo(0.0598, 4)
    expect(history[4].valLoss).toBeCloseTo(0.622, 3) // the numbers: the last epoch run is not the best
    const model = await request(ctx.t.app.server).get(`/v1/models/${job.body.modelId as string}`)
    expect(model.body).toMatchObject({ bestEpoch: 2, stoppedEpoch: 5, weightsEpoch: 2, stopReason: 'early_stopping', warnings: [] })
    // the restored epoch's losses, not epoch 5's (valLoss 0.622 before the fix)
    expect(model.body.metrics.valLoss).toBe(history[1].valLoss)
    expect(model.body.metrics.loss).toBe(history[1].loss)
    expect(model.body.metrics.epochs).toBe(5)

    // without early stopping the weights are the last epoch's, whichever epoch was best: weightsEpoch says which
    const last = await trainToEnd(ctx.t, {
      datasetId,
      network: { inputs: 1, layers: [{ units: 32, activation: 'tanh' }], output: { units: 1, activation: 'identity' } },
      training: { epochs: 5, optimizer: { type: 'adam', learningRate: 0.05 }, batchSize: 4, seed: 1, validationSplit: 0.33, earlyStopping: false }
    })
    expect(last.body).toMatchObject({ status: 'succeeded', bestEpoch: 2, stoppedEpoch: 5, weightsEpoch: 5, stopReason: 'completed' })
    const lastModel = await request(ctx.t.app.server).get(`/v1/models/${last.body.modelId as string}`)
    expect(lastModel.body).toMatchObject({ bestEpoch: 2, weightsEpoch: 5 })
    expect(lastModel.body.metrics.valLoss).toBe((last.body.history as Array<{ valLoss: number }>)[4].valLoss)
  })

  it('a validation split that holds out nothing is a warning on the job and the model, not silence', async () => {
    // stratified: a class of one row stays in training, so four classes of one row hold out nothing
    const datasetId = await uploadJson(ctx.t, { features: [[1], [2], [3], [4]], targets: ['a', 'b', 'c', 'd'] })
    const job = await trainToEnd(ctx.t, {
      datasetId,
      network: { inputs: 1, layers: [{ units: 4, activation: 'relu' }], output: { units: 4, activation: 'softmax' } },
      training: { epochs: 3, optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: 0.2, earlyStopping: false }
    })
    const warning = 'validationSplit 0.2 holds out 0 rows of 4; trained without validation'
    expect(job.body).toMatchObject({ status: 'succeeded', stopReason: 'completed', stoppedEpoch: 3, warnings: expect.arrayContaining([warning]) })
    const model = await request(ctx.t.app.server).get(`/v1/models/${job.body.modelId as string}`)
    expect(model.body.warnings).toEqual(job.body.warnings)
  })
})

describe('a validation split far larger than asked', () => {
  it('is a warning too: two classes of two rows hold out one row each, half the data, at the default 0.1', async () => {
    const datasetId = await uploadJson(ctx.t, { features: [[1], [2], [8], [9]], targets: ['a', 'a', 'b', 'b'] })
    const job = await trainToEnd(ctx.t, {
      datasetId,
      network: { inputs: 1, layers: [{ units: 4, activation: 'relu' }], output: { units: 2, activation: 'softmax' } },
      training: { epochs: 3, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })
    const warning = 'validationSplit 0.1 holds out 2 of 4 rows (50%): each class of 2 rows or more keeps one row for validation, ' +
      'so the model trained on 2; upload more rows, or set validationSplit 0 to train on all of them'
    // (beside the ConvergenceWarning of 3 epochs that still improved)
    expect(job.body).toMatchObject({ status: 'succeeded', warnings: expect.arrayContaining([warning]) })
    // and a split of the share asked for says nothing: 150 iris rows, 5 of each class held out
    const iris = await uploadJson(ctx.t, { features: Array.from({ length: 150 }, (_, i) => [i % 7, i % 5]), targets: Array.from({ length: 150 }, (_, i) => ['x', 'y', 'z'][i % 3]) })
    const big = await trainToEnd(ctx.t, {
      datasetId: iris,
      network: { inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
      training: { epochs: 2, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })
    expect(big.body.status).toBe('succeeded')
    expect(big.body.warnings.filter((w: string) => w.startsWith('validationSplit'))).toEqual([])
    // a batch size beyond the training rows is clipped to them, and says so (as scikit-learn's MLP warns); within them, nothing
    const clipped = await trainToEnd(ctx.t, {
      datasetId: iris,
      network: { inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
      training: { epochs: 2, batchSize: 100_000, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })
    expect(clipped.body).toMatchObject({ status: 'succeeded', warnings: expect.arrayContaining(['batchSize 100000 is more than the 135 training rows: each epoch was one minibatch of all 135']) })
    // class labels under an identity output: trained (squared error on their one-hot columns) and said, since its predictions carry no labels
    const identity = await trainToEnd(ctx.t, {
      datasetId: iris,
      network: { inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 3, activation: 'identity' } },
      training: { epochs: 2, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })
    expect(identity.body).toMatchObject({ status: 'succeeded', warnings: expect.arrayContaining(['the targets are class labels (x, y, z); an identity output fitted their one-hot columns by squared error, and its predictions carry no labels: for a classifier use a softmax output (or one sigmoid unit for two classes)']) })
    // and under three sigmoid units: trained as independent yes/no labels (multi-label), and said
    const sigmoids = await trainToEnd(ctx.t, {
      datasetId: iris,
      network: { inputs: 2, layers: [{ units: 4, activation: 'relu' }], output: { units: 3, activation: 'sigmoid' } },
      training: { epochs: 2, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    })
    expect(sigmoids.body).toMatchObject({ status: 'succeeded', warnings: expect.arrayContaining(['the targets are class labels, one per row (x, y, z); 3 sigmoid units learned them as independent yes/no labels (multi-label), whose probabilities need not sum to 1 nor name one class: for one class per row use a softmax output']) })
  })
})

describe('defaults a first request can rely on', () => {
  it('{ datasetId, network } alone trains iris sensibly: adam 0.001, batch min(200, rows), early stopping on 10%', async () => {
    // scikit-learn's default network shape, hidden_layer_sizes=(100,)
    const csv = readFileSync('test/fixtures/iris.csv', 'utf8')
    const ds = await request(ctx.t.app.server).post('/v1/datasets?target=species').set('content-type', 'text/csv').send(csv)
    expect(ds.status).toBe(201)
    const job = await trainToEnd(ctx.t, { datasetId: ds.body.id, network: { inputs: 4, layers: [{ units: 100, activation: 'relu' }], output: { units: 3, activation: 'softmax' } } }, 60_000)
    expect(job.body.status).toBe('succeeded')
    expect(job.body.progress.epochs).toBe(200)
    expect(job.body.stoppedEpoch).toBeLessThanOrEqual(200)
    // 200 one-batch epochs at 0.001 still improve at the end, and the job says so (scikit-learn's ConvergenceWarning)
    if (job.body.stopReason === 'completed') expect(job.body.warnings.join()).toMatch(/still improved in the last of 200 epochs/)
    // 10% of 150 rows, stratified: 5 per class held out
    expect(job.body.history[0].valLoss).toBeDefined()
    expect(job.body.history[0].learningRate).toBe(0.001)
    const model = await request(ctx.t.app.server).get(`/v1/models/${job.body.modelId as string}`)
    expect(model.body.metrics.valAccuracy).toBeGreaterThanOrEqual(0.8)
    // the job and the model say what ran, every default written out: the batch size min(200, 135 training rows) resolved
    // by the worker, as scikit-learn counts them (after the validation split)
    const ran = {
      epochs: 200, batchSize: 135, optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, schedule: { type: 'constant' },
      validationSplit: 0.1, earlyStopping: { patience: 10, minDelta: 1e-4 }, shuffle: true, seed: 0, normalize: 'standard'
    }
    expect(job.body.training).toEqual(ran)
    expect(model.body.training).toEqual(ran)
    // and on which rows: 10% of 150, stratified (5 of each class) held out, the rest trained on
    for (const body of [job.body, model.body]) expect([body.trainRows, body.validationRows]).toEqual([135, 15])
  })

  it('the options the worker resolves from such a body are scikit-learn\'s: adam 0.001, 200 epochs, min(200, rows), 10% and patience 10', () => {
    const { training } = CreateTrainingJobRequest.parse({ datasetId: 'ds_x', network: relu4 })
    const expected = { epochs: 200, optimizer: { type: 'adam', learningRate: 0.001 }, validationSplit: 0.1, earlyStopping: { patience: 10, minDelta: 1e-4 } }
    expect(trainOptionsOf(training, 150)).toMatchObject({ ...expected, batchSize: 150 })
    expect(trainOptionsOf(training, 5000)).toMatchObject({ ...expected, batchSize: 200 })
    // early stopping's defaults whatever part of it is given: one minDelta, never 0 for a patience alone
    const stopping = (earlyStopping: unknown) => CreateTrainingJobRequest.parse({ datasetId: 'ds_x', network: relu4, training: { earlyStopping } }).training.earlyStopping
    expect(stopping({ patience: 3 })).toEqual({ patience: 3, minDelta: 1e-4 })
    expect(stopping({ minDelta: 0 })).toEqual({ patience: 10, minDelta: 0 })
    expect(stopping({})).toEqual({ patience: 10, minDelta: 1e-4 })
    expect(stopping(true)).toEqual({ patience: 10, minDelta: 1e-4 })
    expect(stopping(false)).toBe(false)
    // any optimizer named without a rate gets the same rate
    expect(CreateTrainingJobRequest.parse({ datasetId: 'ds_x', network: relu4, training: { optimizer: { type: 'sgd' } } }).training.optimizer).toEqual({ type: 'sgd', learningRate: 0.001 })
  })

  it('an optimizer without a type names the choices', async () => {
    const res = await request(ctx.t.app.server).post('/v1/training-jobs').send({ datasetId: 'ds_x', network: relu4, training: { optimizer: { learningRate: 0.1 } } })
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/optimizer needs a type, one of: sgd, momentum, nesterov, adam, adamw/)
    // a type that is not one of them is named as given, not reported as missing
    const wrong = await request(ctx.t.app.server).post('/v1/training-jobs').send({ datasetId: 'ds_x', network: relu4, training: { optimizer: { type: 'Adam' } } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.detail).toMatch(/optimizer type "Adam" is not one of: sgd, momentum, nesterov, adam, adamw \(names are lower case\)/)
    // a bare name, as Keras takes it: the form to write instead
    const bare = await request(ctx.t.app.server).post('/v1/training-jobs').send({ datasetId: 'ds_x', network: relu4, training: { optimizer: 'adam' } })
    expect(bare.status).toBe(400)
    expect(bare.body.detail).toMatch(/optimizer is an object with a type, one of: sgd, momentum, nesterov, adam, adamw; e\.g\. \{"type": "adam"\}/)
    // a network without its output head: the head is a choice too
    const headless = await request(ctx.t.app.server).post('/v1/training-jobs').send({ datasetId: 'ds_x', network: { layers: [{ units: 8, activation: 'relu' }] } })
    expect(headless.status).toBe(400)
    expect(headless.body.detail).toMatch(/network\.output: the output head is missing: give \{"activation": …\} with one of identity, softmax, sigmoid \(softmax for class labels, identity for numbers/)
    const saved = await request(ctx.t.app.server).post('/v1/networks').send({ inputs: 4, layers: [] })
    expect(saved.status).toBe(400)
    expect(saved.body.detail).toMatch(/output: the output head is missing: .* and "units"/)
  })
})

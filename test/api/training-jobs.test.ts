// /v1/training-jobs end to end: the app (supertest) and a worker started in-process with startWorker,
// both on the test Redis under one prefix. Worker-process faults (SIGKILL, SIGTERM) are in test/queue/.
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { pino } from 'pino'
import { buildTestApp, type TestApp } from './helper.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { startWorker, type RunningWorker } from '../../src/queue/worker-runner.js'
import { createTrainingQueue, type TrainingQueue } from '../../src/queue/training-queue.js'

const iris = readFileSync('test/fixtures/iris.csv', 'utf8')

let t: TestApp
let worker: RunningWorker
let queue: TrainingQueue
let irisId: string
/** The worker's log lines, as JSON */
const workerLog: Array<{ msg: string, jobId?: string }> = []
const logSink = new Writable({ write (chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n')) if (l) workerLog.push(JSON.parse(l)); done() } })

beforeAll(async () => {
  t = await buildTestApp('training-jobs', { MAX_EPOCHS: '5000', MAX_JOB_WORK: '1e9', TRAIN_THREADS: '1' })
  worker = await startWorker(t.config, pino({ level: 'info' }, logSink))
  queue = createTrainingQueue(t.redis, t.config.REDIS_PREFIX)
  const res = await request(t.app.server).post('/v1/datasets?target=species&name=iris').set('content-type', 'text/csv').send(iris)
  expect(res.status).toBe(201)
  irisId = res.body.id
})
afterAll(async () => {
  await worker?.close()
  await queue?.close()
  await t?.close()
})

const irisNet = { inputs: 4, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const job = (training: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  datasetId: irisId,
  network: irisNet,
  training: { epochs: 40, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: 0.2, earlyStopping: false, seed: 7, ...training },
  ...extra
})

async function waitFor (id: string, statuses: string[], timeoutMs = 20_000): Promise<request.Response> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await request(t.app.server).get(`/v1/training-jobs/${id}`)
    if (statuses.includes(res.body.status) || Date.now() > deadline) return res
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Reads a whole SSE stream (it ends after the `end` event) into [event, data] pairs. */
async function readEvents (id: string, lastEventId?: number): Promise<Array<{ event: string, data: Record<string, unknown> }>> {
  const get = request(t.app.server).get(`/v1/training-jobs/${id}/events`)
  if (lastEventId !== undefined) void get.set('last-event-id', String(lastEventId))
  const res = await get.buffer(true).parse((r, cb) => {
    let text = ''
    r.setEncoding('utf8')
    r.on('data', (c: string) => { text += c })
    r.on('end', () => cb(null, text))
  })
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
  return (res.body as string).split('\n\n').filter((b) => b.startsWith('event:')).map((block) => {
    const lines = block.split('\n')
    return { event: lines[0].slice(7), data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) }
  })
}

describe('POST /v1/training-jobs → worker → model', () => {
  it('two class labels and one sigmoid unit: logistic regression, labelled by class name', async () => {
    // iris without virginica: setosa vs versicolor, separable by petal length
    const lines = iris.trim().split(/\r?\n/)
    const twoClasses = [lines[0], ...lines.slice(1).filter((l) => !l.endsWith('virginica'))].join('\n')
    const ds = await request(t.app.server).post('/v1/datasets?target=species').set('content-type', 'text/csv').send(twoClasses)
    expect(ds.status).toBe(201)
    expect(ds.body.classes).toEqual(['setosa', 'versicolor'])
    const created = await request(t.app.server).post('/v1/training-jobs').send({
      datasetId: ds.body.id,
      network: { inputs: 4, layers: [], output: { units: 1, activation: 'sigmoid' } },
      training: { epochs: 30, batchSize: 10, optimizer: { type: 'adam', learningRate: 0.05 }, validationSplit: 0.2, seed: 3 }
    })
    expect(created.status).toBe(202)
    const done = await waitFor(created.body.id, ['succeeded', 'failed'])
    expect(done.body.status).toBe('succeeded')
    expect(done.body.history.at(-1).valAccuracy).toBe(1)
    const pred = await request(t.app.server).post(`/v1/models/${done.body.modelId}/predict`).send({ inputs: [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5]] })
    expect(pred.status).toBe(200)
    expect(pred.body.labels).toEqual(['setosa', 'versicolor'])
    expect(pred.body.outputs[0]).toHaveLength(1)
    expect(pred.body.outputs[0][0]).toBeLessThan(0.5)
    expect(pred.body.outputs[1][0]).toBeGreaterThan(0.5)
  })

  it('trains iris from CSV: succeeded, history, progress and events agree, and the model is stored', async () => {
    const created = await request(t.app.server).post('/v1/training-jobs').send(job({}, { modelName: 'iris-test' }))
    expect(created.status).toBe(202)
    expect(created.body).toMatchObject({ status: 'queued', links: { self: `/v1/training-jobs/${created.body.id}` } })
    expect(created.headers.location).toBe(created.body.links.self)
    const events = await readEvents(created.body.id) // follows live, then ends

    const res = await waitFor(created.body.id, ['succeeded', 'failed'])
    expect(res.body.status).toBe('succeeded')
    expect(res.body.progress).toEqual({ epoch: 40, epochs: 40 })
    expect(res.body.history.map((h: { epoch: number }) => h.epoch)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(res.body.history[39].loss).toBeLessThan(res.body.history[0].loss)
    expect(res.body.history[39].valAccuracy).toBeGreaterThanOrEqual(0.9)
    expect(res.body.startedAt <= res.body.finishedAt).toBe(true)
    // the worker said when it took the job and when it ended it, in that order
    const said = workerLog.filter((l) => l.jobId === created.body.id).map((l) => l.msg)
    expect(said.filter((m) => /^training (started|stopped)$/.test(m))).toEqual(['training started', 'training stopped'])
    expect(workerLog.find((l) => l.jobId === created.body.id && l.msg === 'training started')).toMatchObject({ attempt: 1, epochs: 40, rows: 150, fromEpoch: 0 })

    const epochs = events.filter((e) => e.event === 'epoch').map((e) => e.data)
    expect(epochs).toEqual(res.body.history)
    expect(events[events.length - 1]).toEqual({ event: 'end', data: { status: 'succeeded', modelId: res.body.modelId } })

    // a late subscriber gets the same history replayed, then the end
    const replay = await readEvents(created.body.id)
    expect(replay).toEqual(events)
    // a reconnecting EventSource (Last-Event-ID: 25) gets only the epochs after 25, then the end
    const resumed = await readEvents(created.body.id, 25)
    expect(resumed).toEqual(events.filter((e) => e.event !== 'epoch' || (e.data.epoch as number) > 25))
    // past every epoch there is, however far (1e21 had ended the stream with no end event, its Redis error swallowed: a hostile trial)
    for (const past of [1e21, Number.MAX_SAFE_INTEGER, 41, Infinity]) expect(await readEvents(created.body.id, past), String(past)).toEqual([events[events.length - 1]])

    // what produced it, with the defaults filled in: the network as resolved against the dataset, and the options
    const training = {
      epochs: 40, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, schedule: { type: 'constant' },
      validationSplit: 0.2, earlyStopping: false, shuffle: true, seed: 7, normalize: 'standard'
    }
    expect(res.body.network).toMatchObject({ inputs: 4, output: { units: 3, activation: 'softmax' } })
    expect(res.body.training).toEqual(training)
    const stored = await request(t.app.server).get(`/v1/models/${res.body.modelId}`)
    expect(stored.body.training).toEqual(training)
    expect(stored.body.network).toEqual(res.body.network)

    const model = await t.app.models.getWeights(res.body.modelId)
    expect(model?.meta).toMatchObject({
      name: 'iris-test', jobId: created.body.id, datasetId: irisId, classes: ['setosa', 'versicolor', 'virginica'],
      normalization: { kind: 'standard' }
    })
    expect(model?.meta.metrics?.valAccuracy).toBeGreaterThanOrEqual(0.9)
    // standardisation was fitted on the training rows: their mean is not the mean of all 150 rows
    expect(model?.meta.normalization?.offset[0]).not.toBeCloseTo(5.8433, 4)

    const list = await request(t.app.server).get('/v1/training-jobs')
    expect(list.body.items.find((j: { id: string }) => j.id === created.body.id)).toMatchObject({ status: 'succeeded', modelId: res.body.modelId })

    // a status poll without the history: everything else as the whole job says it
    const { history: _h, ...rest } = res.body as Record<string, unknown>
    const light = await request(t.app.server).get(`/v1/training-jobs/${created.body.id}?history=none`)
    expect(light.status).toBe(200)
    expect(light.body).toEqual(rest)
    const bad = await request(t.app.server).get(`/v1/training-jobs/${created.body.id}?history=some`)
    expect(bad.status).toBe(400)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    expect(bad.body.detail).toContain('history')
  })

  it('fine-tunes from a model: starts from its weights and keeps its normalisation', async () => {
    const first = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 5 }))
    const done = await waitFor(first.body.id, ['succeeded', 'failed'])
    expect(done.body.status).toBe('succeeded')
    const tuned = await request(t.app.server).post('/v1/training-jobs').send({ ...job({ epochs: 1, optimizer: { type: 'sgd', learningRate: 1e-9 } }), network: undefined, initialModelId: done.body.modelId })
    expect(tuned.status).toBe(202)
    const res = await waitFor(tuned.body.id, ['succeeded', 'failed'])
    expect(res.body.status).toBe('succeeded')
    const [parent, child] = await Promise.all([t.app.models.getWeights(done.body.modelId), t.app.models.getWeights(res.body.modelId)])
    expect(child!.meta.parentModelId).toBe(done.body.modelId)
    expect(child!.meta.normalization).toEqual(parent!.meta.normalization)
    // a learning rate of 1e-9 barely moves the weights: they must be the parent's, not a fresh initialisation
    const maxDiff = Math.max(...child!.params.map((v, i) => Math.abs(v - parent!.params[i])))
    expect(maxDiff).toBeLessThan(1e-6)
    // the job and the model say the scaling it kept; asking for another is refused, not recorded while the model's is applied
    expect(res.body.training.normalize).toBe('standard')
    const other = await request(t.app.server).post('/v1/training-jobs').send({ ...job({ epochs: 1, normalize: 'minmax' }), network: undefined, initialModelId: done.body.modelId })
    expect([other.status, other.body.field]).toEqual([400, 'training.normalize'])
    expect(other.body.detail).toBe("training.normalize: a fine-tune keeps the scaling its model was trained with ('standard', fitted on that model's training rows), which its weights expect; leave training.normalize out, or set it to 'standard'")
  })

  it('fine-tunes an imported model without normalisation on raw inputs, as it predicts, not on freshly standardised ones', async () => {
    const params = Float32Array.from({ length: 4 * 8 + 8 + 8 * 3 + 3 }, (_, i) => 0.3 * Math.sin(1.3 * i))
    const saved = await t.app.models.save({ spec: irisNet as NetworkSpec, params, meta: { name: 'raw-import', classes: ['setosa', 'versicolor', 'virginica'] } })
    const tuned = await request(t.app.server).post('/v1/training-jobs').send({ ...job({ epochs: 1, optimizer: { type: 'sgd', learningRate: 1e-9 } }), network: undefined, initialModelId: saved.id })
    expect(tuned.status, JSON.stringify(tuned.body)).toBe(202)
    const res = await waitFor(tuned.body.id, ['succeeded', 'failed'])
    expect(res.body.status, JSON.stringify(res.body)).toBe('succeeded')
    expect(res.body.training.normalize).toBe('none')
    const rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    const predict = async (id: string) => (await request(t.app.server).post(`/v1/models/${id}/predict`).send({ inputs: rows })).body.outputs as number[][]
    const [before, after] = [await predict(saved.id), await predict(res.body.modelId as string)]
    for (let r = 0; r < rows.length; r++) for (let k = 0; k < 3; k++) expect(after[r][k]).toBeCloseTo(before[r][k], 5)
  })
})

describe('class weights', () => {
  it('weigh each training row\'s loss by its class, and leave the validation loss as it was', async () => {
    // one full-batch epoch at a learning rate too small to move a float32 weight: the epoch's loss is the
    // initial weights', so doubling every class's weight doubles it exactly, and the validation loss is the same
    const still = { epochs: 1, batchSize: 120, optimizer: { type: 'sgd', learningRate: 1e-30 } }
    const plain = await request(t.app.server).post('/v1/training-jobs').send(job(still))
    const doubled = await request(t.app.server).post('/v1/training-jobs').send(job({ ...still, classWeight: { setosa: 2, versicolor: 2, virginica: 2 } }))
    const [a, b] = [await waitFor(plain.body.id, ['succeeded', 'failed']), await waitFor(doubled.body.id, ['succeeded', 'failed'])]
    expect([a.body.status, b.body.status]).toEqual(['succeeded', 'succeeded'])
    expect(b.body.history[0].loss).toBe(2 * a.body.history[0].loss)
    expect(b.body.history[0].valLoss).toBe(a.body.history[0].valLoss)
    expect(b.body.training.classWeight).toEqual({ setosa: 2, versicolor: 2, virginica: 2 })
    // one class weighted: between the two
    const one = await request(t.app.server).post('/v1/training-jobs').send(job({ ...still, classWeight: { setosa: 2 } }))
    const c = await waitFor(one.body.id, ['succeeded'])
    expect(c.body.history[0].loss).toBeGreaterThan(a.body.history[0].loss)
    expect(c.body.history[0].loss).toBeLessThan(b.body.history[0].loss)
    // balanced on iris's 40 training rows a class: every weight 1, the plain loss
    const balanced = await request(t.app.server).post('/v1/training-jobs').send(job({ ...still, classWeight: 'balanced' }))
    expect((await waitFor(balanced.body.id, ['succeeded'])).body.history[0].loss).toBe(a.body.history[0].loss)
  })

  it('are refused where they cannot apply, saying why', async () => {
    const typo = await request(t.app.server).post('/v1/training-jobs').send(job({ classWeight: { setosa: 2, virginca: 3 } }))
    expect([typo.status, typo.body.field]).toEqual([400, 'training.classWeight.virginca'])
    expect(typo.body.detail).toMatch(/"virginca" is not a class of the dataset \(did you mean "virginica"\?\)/)
    const sigmoid = await request(t.app.server).post('/v1/training-jobs').send({ ...job({ classWeight: 'balanced' }), network: { ...irisNet, output: { units: 3, activation: 'sigmoid' } } })
    expect(sigmoid.status).toBe(400)
    expect(sigmoid.body.detail).toMatch(/class weights weigh one sigmoid unit's two classes, or a softmax's; this output has 3 sigmoid units/)
  })

  it('weigh one sigmoid unit\'s two classes too (BCEWithLogitsLoss weighted per row): the loss scales, and the weighted class is predicted more', async () => {
    // iris's sepals alone, versicolor or not: 50 against 100 rows that overlap, so no weights fit them all
    const lines = iris.trim().split(/\r?\n/)
    const sepals = lines.slice(1).map((l) => l.split(','))
    const binary = ['sepal_length,sepal_width,species', ...sepals.map((c) => `${c[0]},${c[1]},${c[4].includes('versicolor') ? 'yes' : 'no'}`)].join('\n')
    const ds = await request(t.app.server).post('/v1/datasets?target=species').set('content-type', 'text/csv').send(binary)
    expect(ds.status, JSON.stringify(ds.body)).toBe(201)
    const net = { inputs: 2, layers: [{ units: 8, activation: 'tanh' }], output: { units: 1, activation: 'sigmoid' } }
    const run = async (training: Record<string, unknown>) => {
      const created = await request(t.app.server).post('/v1/training-jobs').send({ datasetId: ds.body.id, network: net, training: { seed: 3, ...training } })
      expect(created.status, JSON.stringify(created.body)).toBe(202)
      return (await waitFor(created.body.id, ['succeeded', 'failed'])).body
    }
    const still = { epochs: 1, batchSize: 120, optimizer: { type: 'sgd', learningRate: 1e-30 } }
    const [plain, doubled] = [await run(still), await run({ ...still, classWeight: { no: 2, yes: 2 } })]
    expect([plain.status, doubled.status]).toEqual(['succeeded', 'succeeded'])
    expect(doubled.history[0].loss).toBeCloseTo(2 * plain.history[0].loss, 6)
    expect(doubled.history[0].valLoss).toBe(plain.history[0].valLoss)
    // trained: weighing "yes" 10 times pulls the rows' probability of it up
    const learn = { epochs: 60, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: false }
    const [even, leaning] = [await run(learn), await run({ ...learn, classWeight: { yes: 10 } })]
    expect([even.status, leaning.status]).toEqual(['succeeded', 'succeeded'])
    const meanYes = async (modelId: string): Promise<number> => {
      const rows = sepals.map((c) => [Number(c[0]), Number(c[1])])
      const outputs = (await request(t.app.server).post(`/v1/models/${modelId}/predict`).send({ inputs: rows })).body.outputs as number[][]
      return outputs.reduce((sum, [p]) => sum + p, 0) / outputs.length
    }
    const [evenYes, leaningYes] = [await meanYes(even.modelId), await meanYes(leaning.modelId)]
    expect(leaningYes, `${evenYes} → ${leaningYes}`).toBeGreaterThan(evenYes + 0.15)
  })
})

describe('failures and cancellation', () => {
  it('fails a diverging job without retrying, saying why', async () => {
    const created = await request(t.app.server).post('/v1/training-jobs')
      .send({ ...job({ epochs: 50, optimizer: { type: 'sgd', learningRate: 1e4 }, validationSplit: 0, normalize: 'none' }), network: { ...irisNet, output: { units: 3, activation: 'identity' } } })
    const res = await waitFor(created.body.id, ['succeeded', 'failed'])
    expect(res.body.status).toBe('failed')
    expect(res.body.error).toMatch(/loss became (NaN|Infinity).*lower the learning rate/)
    const bull = await queue.queue.getJob(created.body.id)
    expect(bull?.attemptsMade).toBe(1)
  })

  it('cancels a running job within a minibatch, and the worker takes the next job', async () => {
    const long = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 4000, batchSize: 4, validationSplit: 0 }))
    const next = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 3 }))
    const running = await waitFor(long.body.id, ['running'])
    expect(running.body.status).toBe('running')
    // a few epochs in, so that there is a best epoch to report
    for (let i = 0; i < 400 && (await request(t.app.server).get(`/v1/training-jobs/${long.body.id}`)).body.progress.epoch < 2; i++) await new Promise((r) => setTimeout(r, 25))
    // a running job says when its worker last reported, and the clock moves with the epochs
    const first = (await request(t.app.server).get(`/v1/training-jobs/${long.body.id}?history=none`)).body.progress
    expect(Date.now() - Date.parse(first.updatedAt)).toBeLessThan(5000)
    for (let i = 0; i < 400 && (await request(t.app.server).get(`/v1/training-jobs/${long.body.id}?history=none`)).body.progress.updatedAt === first.updatedAt; i++) await new Promise((r) => setTimeout(r, 25))
    expect((await request(t.app.server).get(`/v1/training-jobs/${long.body.id}?history=none`)).body.progress.updatedAt > first.updatedAt).toBe(true)
    // ?history=none as GET takes it: the answer stays small however many epochs ran
    const cancel = await request(t.app.server).post(`/v1/training-jobs/${long.body.id}/cancel?history=none`)
    expect(cancel.status).toBe(202)
    expect(cancel.body).toMatchObject({ id: long.body.id, status: 'running' })
    // the answer says the cancel is on its way, and when it was asked for
    expect(Date.parse(cancel.body.cancelRequestedAt)).toBeGreaterThan(Date.parse(cancel.body.startedAt))
    expect(cancel.body.history).toBeUndefined()
    const cancelled = await waitFor(long.body.id, ['cancelled', 'failed', 'succeeded'], 5000)
    expect(cancelled.body.status).toBe('cancelled')
    expect(cancelled.body.cancelRequestedAt).toBe(cancel.body.cancelRequestedAt)
    expect(cancelled.body.error).toBe('cancelled by request')
    expect(cancelled.body.stopReason).toBe('cancelled')
    expect(cancelled.body.progress.epoch).toBeLessThan(4000)
    // how far it got, as a finished job reports it: the last whole epoch and the best of those
    const history = cancelled.body.history as Array<{ epoch: number, loss: number }>
    expect(history.length).toBeGreaterThanOrEqual(2)
    const best = history.reduce((b, h) => (h.loss < b.loss ? h : b))
    expect(cancelled.body).toMatchObject({ stoppedEpoch: history.length, bestEpoch: best.epoch, warnings: [] })
    expect(cancelled.body.weightsEpoch).toBeUndefined() // a cancel keeps no weights
    // the worker says so, once, and /metrics counts it apart from failures
    for (let i = 0; i < 100 && !workerLog.some((l) => l.jobId === long.body.id && l.msg === 'job cancelled'); i++) await new Promise((r) => setTimeout(r, 20))
    expect(workerLog.filter((l) => l.jobId === long.body.id && /^job (cancelled|failed)$/.test(l.msg)).map((l) => l.msg)).toEqual(['job cancelled'])
    expect((await request(t.app.server).get('/metrics')).text).toMatch(/^backprop_training_jobs\{state="cancelled"\} [1-9]/m)
    expect((await waitFor(next.body.id, ['succeeded', 'failed'])).body.status).toBe('succeeded')
    const again = await request(t.app.server).post(`/v1/training-jobs/${long.body.id}/cancel`)
    expect(again.status).toBe(409)
    expect(again.body.detail).toMatch(/already been cancelled/)
  })

  it('stops a running job after its epoch and keeps its model (stopReason stopped); a queued job, a finished one and a repeat are 409s', async () => {
    const long = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 4000, batchSize: 4, validationSplit: 0.2, earlyStopping: { patience: 4000 } }, { modelName: 'stopped-early' }))
    const queued = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 3 }))
    await waitFor(long.body.id, ['running'])
    for (let i = 0; i < 400 && (await request(t.app.server).get(`/v1/training-jobs/${long.body.id}?history=none`)).body.progress.epoch < 3; i++) await new Promise((r) => setTimeout(r, 25))
    // a job no worker has started has nothing to keep
    const early = await request(t.app.server).post(`/v1/training-jobs/${queued.body.id}/stop`)
    expect(early.status).toBe(409)
    expect(early.body.detail).toBe(`training job '${queued.body.id}' has not started: it has no epochs to keep; cancel it (POST /v1/training-jobs/${queued.body.id}/cancel) not to run it`)

    const stop = await request(t.app.server).post(`/v1/training-jobs/${long.body.id}/stop?history=none`)
    expect(stop.status, stop.text).toBe(202)
    expect(stop.body).toMatchObject({ id: long.body.id, status: 'running', links: { stop: `/v1/training-jobs/${long.body.id}/stop` } })
    expect(Date.parse(stop.body.stopRequestedAt)).toBeGreaterThan(Date.parse(stop.body.startedAt))
    const stopped = await waitFor(long.body.id, ['succeeded', 'failed', 'cancelled'], 10_000)
    expect(stopped.body).toMatchObject({ status: 'succeeded', stopReason: 'stopped', stopRequestedAt: stop.body.stopRequestedAt })
    const history = stopped.body.history as Array<{ epoch: number, valLoss: number }>
    expect(history.length).toBeLessThan(4000)
    expect(stopped.body.stoppedEpoch).toBe(history.length)
    // early stopping watched the validation loss: the model holds its best epoch's weights, as a finished run's would
    const best = history.reduce((b, h) => (h.valLoss < b.valLoss ? h : b))
    expect(stopped.body.bestEpoch).toBe(best.epoch)
    const model = await request(t.app.server).get(`/v1/models/${stopped.body.modelId as string}`)
    expect(model.status).toBe(200)
    expect(model.body).toMatchObject({ name: 'stopped-early', stopReason: 'stopped', stoppedEpoch: history.length, bestEpoch: best.epoch, weightsEpoch: best.epoch })
    expect(stopped.body.weightsEpoch).toBe(best.epoch)
    const predicted = await request(t.app.server).post(`/v1/models/${stopped.body.modelId as string}/predict`).send({ inputs: [[5.1, 3.5, 1.4, 0.2]] })
    expect(predicted.status).toBe(200)
    expect(predicted.body.outputs[0].every(Number.isFinite)).toBe(true)
    for (let i = 0; i < 100 && !workerLog.some((l) => l.jobId === long.body.id && l.msg === 'stopping running job after its epoch; its model is kept'); i++) await new Promise((r) => setTimeout(r, 20))
    expect(workerLog.filter((l) => l.jobId === long.body.id && l.msg === 'stopping running job after its epoch; its model is kept')).toHaveLength(1)

    const again = await request(t.app.server).post(`/v1/training-jobs/${long.body.id}/stop`)
    expect(again.status).toBe(409)
    expect(again.body.detail).toBe(`training job '${long.body.id}' has already succeeded; there is nothing to stop`)
    expect((await request(t.app.server).post('/v1/training-jobs/job_00000000000000000000000000000000/stop')).status).toBe(404)
    expect((await waitFor(queued.body.id, ['succeeded', 'failed'])).body.status).toBe('succeeded')
  })

  it('cancels a queued job before it starts', async () => {
    // MAX_EPOCHS admits it; the worker is busy with the first job while we cancel the second
    const busy = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 4000, batchSize: 4, validationSplit: 0 }))
    const queued = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 3 }))
    await waitFor(busy.body.id, ['running'])
    // as a browser's fetch(url, { method: 'POST', body: '' }) sends it: an empty body labelled text/plain, on a route that takes none
    const cancel = await request(t.app.server).post(`/v1/training-jobs/${queued.body.id}/cancel`).set('content-type', 'text/plain;charset=UTF-8').send('')
    expect(cancel.status, cancel.text).toBe(202)
    expect(cancel.body.status).toBe('cancelled')
    expect(cancel.body.history).toEqual([]) // the default answer is the whole job, as GET's
    // final at once, so finished at once: when its cancel was asked for
    expect(cancel.body.finishedAt).toBe(cancel.body.cancelRequestedAt)
    await request(t.app.server).post(`/v1/training-jobs/${busy.body.id}/cancel`)
    for (let i = 0; i < 200 && (await queue.queue.getJobState(queued.body.id)) !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await queue.queue.getJobState(queued.body.id)).toBe('failed')
    const res = await request(t.app.server).get(`/v1/training-jobs/${queued.body.id}`)
    expect(res.body.status).toBe('cancelled')
    expect(res.body.history).toEqual([])
    expect(res.body).toMatchObject({ stopReason: 'cancelled', stoppedEpoch: 0, bestEpoch: null, warnings: [] })
  })

  it('deletes a finished job and what is kept for it, but not its model; an unfinished one is a 409', async () => {
    const running = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 4000, batchSize: 4, validationSplit: 0 }))
    await waitFor(running.body.id, ['running'])
    const refused = await request(t.app.server).delete(`/v1/training-jobs/${running.body.id}`)
    expect([refused.status, refused.body.detail]).toEqual([409, `training job '${running.body.id}' is running; cancel it first (POST /v1/training-jobs/${running.body.id}/cancel), then delete it`])
    await request(t.app.server).post(`/v1/training-jobs/${running.body.id}/cancel`)
    await waitFor(running.body.id, ['cancelled'])

    const created = await request(t.app.server).post('/v1/training-jobs').send(job({ epochs: 3 }))
    const done = await waitFor(created.body.id, ['succeeded'])
    expect(done.body.status).toBe('succeeded')
    const id = created.body.id as string
    const before = (await request(t.app.server).get('/v1/training-jobs?limit=1000')).body
    expect(await t.redis.llen(`${t.config.REDIS_PREFIX}:job:${id}:history`)).toBe(3)
    for (const target of [id, running.body.id as string]) expect((await request(t.app.server).delete(`/v1/training-jobs/${target}`)).status).toBe(204)
    expect((await request(t.app.server).get(`/v1/training-jobs/${id}`)).status).toBe(404)
    expect((await request(t.app.server).delete(`/v1/training-jobs/${id}`)).status).toBe(404)
    expect(await t.redis.exists(`${t.config.REDIS_PREFIX}:job:${id}:history`)).toBe(0)
    expect(await queue.queue.getJob(id)).toBeUndefined()
    const after = (await request(t.app.server).get('/v1/training-jobs?limit=1000')).body
    expect(after.total).toBe(before.total - 2)
    expect(after.items.map((j: { id: string }) => j.id)).not.toContain(id)
    // the model it stored stays, and still names its job
    const model = await request(t.app.server).get(`/v1/models/${done.body.modelId as string}`)
    expect([model.status, model.body.jobId]).toEqual([200, id])
  })
})

describe('admission', () => {
  const post = (body: unknown) => request(t.app.server).post('/v1/training-jobs').send(body as object)

  it('rejects an unknown dataset, network or model with 404', async () => {
    expect((await post({ ...job(), datasetId: 'ds_nope' })).status).toBe(404)
    expect((await post({ ...job(), network: undefined, networkId: 'net_nope' })).status).toBe(404)
    expect((await post({ ...job(), network: undefined, initialModelId: 'mdl_nope' })).status).toBe(404)
  })

  it('needs exactly one of network, networkId and initialModelId', async () => {
    const none = await post({ ...job(), network: undefined })
    expect(none.status).toBe(400)
    expect(none.body.detail).toMatch(/exactly one of network, networkId or initialModelId/)
    expect((await post({ ...job(), networkId: 'net_x' })).status).toBe(400)
  })

  it('names the key a mistyped one most likely meant, and the keys accepted there', async () => {
    // a singular, a case slip and a transposition; a key like nothing known gets the list alone
    const typo = await post({ ...job(), training: { epoch: 3, BatchSize: 16, optimzier: { type: 'adam', learningRate: 0.01 }, colour: 'red' } })
    expect(typo.status).toBe(400)
    // one issue per key, at the key's own path, so that a client can mark it
    const keysHere = 'the keys here are epochs, batchSize, optimizer, schedule, validationSplit, earlyStopping, classWeight, shuffle, seed, normalize'
    expect(typo.body.errors).toEqual([
      { field: 'training.epoch', in: 'body', message: `unknown key "epoch" (did you mean "epochs"?); ${keysHere}` },
      { field: 'training.BatchSize', in: 'body', message: `unknown key "BatchSize" (did you mean "batchSize"?); ${keysHere}` },
      { field: 'training.optimzier', in: 'body', message: `unknown key "optimzier" (did you mean "optimizer"?); ${keysHere}` },
      { field: 'training.colour', in: 'body', message: `unknown key "colour"; ${keysHere}` }
    ])
    // the top-level field, as every problem has it: the first issue's
    expect(typo.body.field).toBe('training.epoch')
    // the detail says the accepted keys once, after the last of them
    expect(typo.body.detail).toBe('invalid body: training.epoch: unknown key "epoch" (did you mean "epochs"?); training.BatchSize: unknown key "BatchSize" ' +
      `(did you mean "batchSize"?); training.optimzier: unknown key "optimzier" (did you mean "optimizer"?); training.colour: unknown key "colour"; ${keysHere}`)
    const net = await post({ ...job(), network: { ...irisNet, layer: [{ units: 3, activation: 'relu' }] } })
    expect(net.status).toBe(400)
    expect(net.body.detail).toMatch(/"layer" \(did you mean "layers"\?\)/)
  })

  it('says the tightest bound once, and where a key of another optimizer belongs', async () => {
    // an integer with a bound of its own also fails zod's safe-integer bound: only the tighter is said
    const seed = await post(job({ seed: 1e300 }))
    expect(seed.status).toBe(400)
    expect(seed.body.errors).toEqual([{ field: 'training.seed', in: 'body', message: 'must be ≤ 4294967295, got 1e+300' }])
    // PyTorch's SGD(momentum=…) is an optimizer of its own here
    const momentum = await post(job({ optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } }))
    expect(momentum.status).toBe(400)
    expect(momentum.body.detail).toMatch(/unknown key "momentum" \(momentum is its own optimizer here, \{"type": "momentum", "momentum": 0\.9\} or "nesterov"/)
    // weight decay under its own and PyTorch's name, in an optimizer that does not take it or beside the epochs:
    // PyTorch's weight_decay is the L2 penalty (the network's l2), AdamW's is decoupled; AdamW takes it by its own name
    const decay = 'PyTorch\'s weight_decay on SGD and Adam is an L2 penalty, here the network\'s "l2" (on weights, not biases), for any optimizer; ' +
      'decoupled weight decay is AdamW\'s: send training.optimizer as {"type": "adamw", "weightDecay": 0.01}'
    for (const key of ['weightDecay', 'weight_decay']) {
      for (const [where, training] of [['training.optimizer', { optimizer: { type: 'adam', learningRate: 0.1, [key]: 0.01 } }], ['training', { [key]: 0.01 }]] as const) {
        const res = await post(job(training))
        expect(res.status).toBe(400)
        expect(res.body.errors).toEqual([expect.objectContaining({ field: `${where}.${key}`, message: expect.stringContaining(`unknown key "${key}" (${decay})`) })])
      }
    }
    const adamw = await post(job({ optimizer: { type: 'adamw', learningRate: 0.1, weight_decay: 0.01 } }))
    expect(adamw.body.errors).toEqual([expect.objectContaining({ field: 'training.optimizer.weight_decay', message: expect.stringMatching(/^unknown key "weight_decay" \(PyTorch's name; here it is "weightDecay"\)/) })])
    // the learning rate beside the epochs (Keras' and scikit-learn's place for it) is pointed into the optimizer
    const lr = await post(job({ lr: 0.01 }))
    expect(lr.body.errors).toEqual([expect.objectContaining({ field: 'training.lr', message: expect.stringMatching(/^unknown key "lr" \(lr is the optimizer's: send it in training\.optimizer, as \{"type": "adam", "learningRate": 0\.001\}\)/) })])
    // PyTorch's, scikit-learn's and Keras' names of options held here under another: the name to send
    const named = await post(job({ max_iter: 50, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 } }))
    expect(named.status).toBe(400)
    expect(named.body.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'training.max_iter', message: expect.stringMatching(/^unknown key "max_iter" \(scikit-learn's name; here it is "epochs"\)/) }),
      expect.objectContaining({ field: 'training.batch_size', message: expect.stringMatching(/^unknown key "batch_size" \(PyTorch's, Keras' and scikit-learn's name; here it is "batchSize"\)/) }),
      expect.objectContaining({ field: 'training.optimizer.lr', message: expect.stringMatching(/^unknown key "lr" \(PyTorch's name; here it is "learningRate"\)/) })
    ]))
    // scikit-learn's alpha, beside the epochs or in the network: the network's l2, and how the two scale
    const alpha = await post(job({ alpha: 1e-4 }))
    expect(alpha.body.errors).toEqual([expect.objectContaining({ field: 'training.alpha', message: expect.stringMatching(/^unknown key "alpha" \(alpha is the network's: send "l2" in network, .*scikit-learn's alpha is l2 × batchSize\)/) })])
    const inNetwork = await post({ ...job({}), network: { ...(job({}).network as object), alpha: 1e-4 } })
    expect(inNetwork.body.errors).toEqual([expect.objectContaining({ field: 'network.alpha', message: expect.stringMatching(/^unknown key "alpha" \(send "l2" in network/) })])
  })

  it('names the limit and its value: MAX_EPOCHS, MAX_JOB_WORK', async () => {
    const epochs = await post(job({ epochs: 5001 }))
    expect(epochs.status).toBe(422)
    expect(epochs.body.detail).toBe('training.epochs is 5001; the limit is 5000 (MAX_EPOCHS)')
    const work = await post({ ...job({ epochs: 5000 }), network: { ...irisNet, layers: [{ units: 400, activation: 'relu' }] } })
    expect(work.status).toBe(422)
    expect(work.body.detail).toMatch(/5,000 epochs × 150 rows × 3,203 parameters = 2.4e9; the limit is 1e9 \(MAX_JOB_WORK\)/)
  })

  it('checks the network against the dataset and refuses a step layer', async () => {
    const wide = await post({ ...job(), network: { ...irisNet, inputs: 5 } })
    expect(wide.status).toBe(400)
    expect(wide.body.detail).toMatch(/takes 5 inputs; dataset .* has 4 feature columns/)
    const regression = await post({ ...job(), network: { ...irisNet, output: { units: 3, activation: 'identity' } } })
    expect(regression.status).toBe(202) // one-hot targets may be regressed on
    const step = await post({ ...job(), network: { ...irisNet, layers: [{ units: 3, activation: 'step' }] } })
    expect(step.status).toBe(400)
    expect(step.body.detail).toMatch(/'step'.*cannot be trained/)
    await queue.cancel(regression.body.id)
  })

  it('answers unknown ids with 404 on GET, events and cancel', async () => {
    expect((await request(t.app.server).get('/v1/training-jobs/job_nope')).status).toBe(404)
    expect((await request(t.app.server).get('/v1/training-jobs/job_nope/events')).status).toBe(404)
    expect((await request(t.app.server).post('/v1/training-jobs/job_nope/cancel')).status).toBe(404)
  })
})

describe('GET /v1/training-jobs?status=', () => {
  it('lists only the jobs of the statuses asked for, newest first, with their count', async () => {
    // the file's earlier jobs settled first: one that ends between the two listings below would be in one and not the other
    for (const deadline = Date.now() + 60_000; ;) {
      const busy = (await request(t.app.server).get('/v1/training-jobs?status=queued,running')).body.total as number
      if (busy === 0) break
      if (Date.now() > deadline) throw new Error(`${busy} jobs still queued or running after 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const all = (await request(t.app.server).get('/v1/training-jobs?limit=1000')).body.items as Array<{ id: string, status: string }>
    const of = (...statuses: string[]) => all.filter((j) => statuses.includes(j.status)).map((j) => j.id)
    expect(of('succeeded').length).toBeGreaterThan(2)
    expect(of('cancelled').length).toBeGreaterThan(0)
    const succeeded = await request(t.app.server).get('/v1/training-jobs?status=succeeded&limit=1000')
    expect(succeeded.status).toBe(200)
    expect(succeeded.body.items.map((j: { id: string }) => j.id)).toEqual(of('succeeded'))
    expect(succeeded.body.total).toBe(of('succeeded').length)
    const ended = await request(t.app.server).get('/v1/training-jobs?status=cancelled,failed&limit=1000')
    expect(ended.body.items.map((j: { id: string }) => j.id)).toEqual(of('cancelled', 'failed'))
    // a page of them
    const page = await request(t.app.server).get('/v1/training-jobs?status=succeeded&offset=1&limit=2')
    expect(page.body).toMatchObject({ offset: 1, limit: 2, total: of('succeeded').length })
    expect(page.body.items.map((j: { id: string }) => j.id)).toEqual(of('succeeded').slice(1, 3))
    const wrong = await request(t.app.server).get('/v1/training-jobs?status=done')
    expect([wrong.status, wrong.body.field]).toEqual([400, 'status'])
    expect(wrong.body.detail).toMatch(/"done" is not a status; send one or more of queued, running, succeeded, failed, cancelled/)
  })
})

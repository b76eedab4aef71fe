// /v1/sweeps end to end: the app (inject) and two real worker processes (src/bin/worker.ts) on the test
// Redis under one prefix. A 2×2 grid × 3 folds on iris: 12 children spread over both workers, ranked
// as built, the best retrained and predicting; a worker SIGKILLed mid-sweep changes no result; cancel
// reaches every child; another tenant's dataset is a 404.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'
import type { SweepResponseBody } from '../../src/schemas/sweep.js'
import { createKeys } from '../../src/store/keys.js'
import { decodeCheckpoint } from '../../src/queue/checkpoint.js'
import { trialSetId, trialsOfId } from '../../src/api/routes/sweeps.js'
import { killWorkers, logLines, spawnWorker, until, type WorkerProcess } from '../support/worker-process.js'

const A = 'key-sweeps-a-0123456789'
const B = 'key-sweeps-b-0123456789'
const iris = readFileSync('test/fixtures/iris.csv', 'utf8')

let t: TestApp
let irisId: string
let workers: WorkerProcess[] = []

const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, key = A) =>
  await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload }), headers: { authorization: `Bearer ${key}` } } as InjectOptions)

const startWorker = async (): Promise<WorkerProcess> => await spawnWorker({
  REDIS_URL: process.env.REDIS_URL,
  REDIS_PREFIX: t.config.REDIS_PREFIX,
  TRAIN_THREADS: '1',
  CHECKPOINT_EVERY_EPOCHS: '2',
  // a killed worker's child is taken over within about 4 s; longer than worker-faults' 1 s, so that a
  // worker slowed by the machine's load (others' tests) does not lose a healthy child's lock
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000'
})

beforeAll(async () => {
  t = await buildTestApp('sweeps', { API_KEYS: `${A}:tenant-a:read,predict,train;${B}:tenant-b:read,predict,train`, RATE_LIMIT_PER_MINUTE: '0' })
  workers = await Promise.all([startWorker(), startWorker()])
  const res = await t.app.inject({ method: 'POST', url: '/v1/datasets?target=species&name=iris', payload: iris, headers: { authorization: `Bearer ${A}`, 'content-type': 'text/csv' } })
  expect(res.statusCode, res.body).toBe(201)
  irisId = res.json().id
}, 60_000)

afterAll(async () => {
  killWorkers()
  await t?.close()
})

/**
 * Built so the ranking is known: the same initial weights (one seed) trained 2 or 120 epochs at a
 * learning rate of 1e-4 or 0.05. The held-out log loss falls with the steps taken and their size:
 * (120, 0.05) < (2, 0.05) < (120, 1e-4) < (2, 1e-4).
 */
const sweep = (extra: Record<string, unknown> = {}) => ({
  datasetId: irisId,
  network: { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } },
  training: { batchSize: 16, validationSplit: 0, earlyStopping: false, seed: 5, optimizer: { type: 'adam' } },
  searchSpace: {
    'training.epochs': { type: 'grid', values: [2, 120] },
    'training.optimizer.learningRate': { type: 'grid', values: [1e-4, 0.05] }
  },
  metric: 'log_loss',
  folds: 3,
  seed: 1,
  modelName: 'iris-best',
  ...extra
})

async function finalView (id: string, timeoutMs = 120_000): Promise<SweepResponseBody> {
  let view = {} as SweepResponseBody
  await until(`sweep ${id} finished`, async () => {
    view = (await call('GET', `/v1/sweeps/${id}`)).json()
    return ['succeeded', 'failed', 'cancelled'].includes(view.status)
  }, timeoutMs)
  return view
}

const scoresOf = (view: SweepResponseBody) => view.results.map((r) => r.folds.map((f) => f.scores))
const viewOf = async (id: string): Promise<SweepResponseBody> => (await call('GET', `/v1/sweeps/${id}`)).json()

describe('sweeps over two worker processes', () => {
  it('a 2×2 grid with 3 folds runs 12 children on both workers, ranks as built, and the retrained best predicts', async () => {
    const created = await call('POST', '/v1/sweeps', sweep())
    expect(created.statusCode, created.body).toBe(202)
    expect(created.json()).toMatchObject({ status: 'queued', trials: 4, jobs: 12 })
    const id = created.json().id as string
    const view = await finalView(id)
    expect(view.status, JSON.stringify(view)).toBe('succeeded')
    expect(view.progress).toEqual({ trialsDone: 4, trials: 4, jobsDone: 12, jobsCancelled: 0, jobs: 12 })
    const jobIds = view.results.flatMap((r) => r.folds.map((f) => f.jobId))
    expect(new Set(jobIds).size).toBe(12)
    for (const r of view.results) {
      expect(r.status).toBe('succeeded')
      expect(r.folds.map((f) => f.fold)).toEqual([0, 1, 2])
      // held-out folds of 150 rows: 50 each; mean and std are those of the three fold scores
      const s = r.folds.map((f) => f.score!)
      const mean = s.reduce((a, b) => a + b, 0) / 3
      expect(r.mean).toBeCloseTo(mean, 12)
      expect(r.std).toBeCloseTo(Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / 3), 12)
    }
    // trials in grid order: (2, 1e-4), (2, 0.05), (120, 1e-4), (120, 0.05)
    const byRank = [...view.results].sort((a, b) => a.rank! - b.rank!).map((r) => r.params)
    expect(byRank).toEqual([
      { 'training.epochs': 120, 'training.optimizer.learningRate': 0.05 },
      { 'training.epochs': 2, 'training.optimizer.learningRate': 0.05 },
      { 'training.epochs': 120, 'training.optimizer.learningRate': 1e-4 },
      { 'training.epochs': 2, 'training.optimizer.learningRate': 1e-4 }
    ])
    expect(view.best).toMatchObject({ trial: 3, params: byRank[0] })
    expect(view.results[3].folds.every((f) => f.scores!.accuracy > 0.85)).toBe(true)

    // the children spread over both workers: each scored some of this sweep's trials
    const scoredBy = workers.map((w) => logLines(w.logs).filter((l) => l.msg === 'trial scored' && l.sweepId === id).length)
    expect(scoredBy.reduce((a, b) => a + b, 0)).toBe(12)
    expect(scoredBy.every((n) => n > 0), `trials per worker: ${scoredBy.join(', ')}`).toBe(true)

    // a child is a training job of its own, visible to its tenant
    const child = (await call('GET', `/v1/training-jobs/${jobIds[0] as string}`)).json()
    expect(child.status).toBe('succeeded')
    // and says whose it is: its sweep, trial (0-based, as the results number them) and fold
    const placed = view.results.find((r) => r.folds.some((f) => f.jobId === jobIds[0]))!
    expect(child.sweep).toEqual({ id, trial: placed.trial, fold: { k: 3, index: placed.folds.findIndex((f) => f.jobId === jobIds[0]) } })
    // its results are the sweep's: it cannot be deleted on its own
    const kept = await call('DELETE', `/v1/training-jobs/${jobIds[0] as string}`)
    expect([kept.statusCode, kept.json().detail]).toEqual([409, `training job '${jobIds[0] as string}' is a trial of sweep '${id}', whose results name it; it stays while the sweep does (DELETE /v1/sweeps/${id} deletes both)`])
    const retrained = await call('DELETE', `/v1/training-jobs/${view.retrainJobId as string}`)
    expect([retrained.statusCode, retrained.json().detail]).toEqual([409, `training job '${view.retrainJobId as string}' is the retraining of sweep '${id}', whose results name it; it stays while the sweep does (DELETE /v1/sweeps/${id} deletes both)`])
    // the best configuration, retrained on every row, stored under modelName, predicts
    expect(view.modelId).toMatch(/^mdl_/)
    const model = (await call('GET', `/v1/models/${view.modelId as string}`)).json()
    expect(model).toMatchObject({ name: 'iris-best', datasetId: irisId, jobId: view.retrainJobId, metrics: { epochs: 120 } })
    const retrain = (await call('GET', `/v1/training-jobs/${view.retrainJobId as string}`)).json()
    expect(retrain).toMatchObject({ status: 'succeeded', modelId: view.modelId, progress: { epochs: 120 } })
    const predicted = await call('POST', '/v1/models/iris-best@latest/predict', { inputs: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] })
    expect(predicted.statusCode, predicted.body).toBe(200)
    expect(predicted.json().labels).toEqual(['setosa', 'virginica'])

    const list = (await call('GET', '/v1/sweeps')).json() as { items: Array<{ id: string }> }
    expect(list.items.map((s) => s.id)).toContain(id)
    expect((await call('GET', '/v1/sweeps', undefined, B)).json().items).toEqual([])

    // deleted: the sweep, its children and the retraining go, with what is kept for each; the model stays
    expect((await call('DELETE', `/v1/sweeps/${id}`, undefined, B)).statusCode).toBe(404) // another tenant's
    const deleted = await call('DELETE', `/v1/sweeps/${id}`)
    expect(deleted.statusCode, deleted.body).toBe(204)
    expect((await call('GET', `/v1/sweeps/${id}`)).statusCode).toBe(404)
    expect(((await call('GET', '/v1/sweeps')).json() as { items: Array<{ id: string }> }).items.map((s) => s.id)).not.toContain(id)
    const keys = createKeys(t.config.REDIS_PREFIX)
    for (const jobId of [...jobIds as string[], view.retrainJobId as string]) {
      expect((await call('GET', `/v1/training-jobs/${jobId}`)).statusCode, jobId).toBe(404)
      expect(await t.redis.exists(keys.jobHistory(jobId), keys.jobModel(jobId), keys.jobCheckpoint(jobId)), jobId).toBe(0)
    }
    const jobsListed = ((await call('GET', '/v1/training-jobs?limit=1000')).json() as { items: Array<{ id: string }> }).items.map((j) => j.id)
    expect(jobsListed.filter((j) => jobIds.includes(j) || j === view.retrainJobId)).toEqual([])
    expect(await t.redis.exists(keys.sweep(id))).toBe(0)
    expect((await call('POST', '/v1/models/iris-best@latest/predict', { inputs: [[5.1, 3.5, 1.4, 0.2]] })).statusCode).toBe(200)
    expect((await call('DELETE', `/v1/sweeps/${id}`)).statusCode).toBe(404)
  }, 180_000)

  it('SIGKILL of a worker mid-sweep: the sweep completes with the results of an uninterrupted run', async () => {
    // Children long enough (3,000 epochs, about a second each here) that the kill lands mid-run on any
    // machine: the grid's 120-epoch children last 30–50 ms, shorter than one pass of the poll below.
    const long = sweep({
      searchSpace: { 'training.epochs': { type: 'grid', values: [3000] }, 'training.optimizer.learningRate': { type: 'grid', values: [0.01, 0.03] } },
      folds: 2,
      modelName: 'iris-long'
    })
    const keys = createKeys(t.config.REDIS_PREFIX)
    const created = await call('POST', '/v1/sweeps', long)
    expect(created.statusCode, created.body).toBe(202)
    const id = created.json().id as string
    const childIds: string[] = (await viewOf(id)).results.flatMap((r) => r.folds.map((f) => f.jobId))
    // kill once some child has a checkpoint and an epoch past it (so that epoch is run again elsewhere)
    let victim: WorkerProcess | undefined
    await until('a child past its checkpoint', async () => {
      for (const jobId of childIds) {
        const bytes = await t.redis.getBuffer(keys.jobCheckpoint(jobId))
        const done = await t.redis.llen(keys.jobHistory(jobId))
        if (bytes === null || done <= decodeCheckpoint(bytes).epoch) continue
        // still running, and far enough from its end that it cannot finish before the kill lands (a child
        // that finished first left nothing to resume, and the check below read that as a failure)
        const job = await t.app.trainingQueue.queue.getJob(jobId)
        if (!job || (await job.getState()) !== 'active' || done > 2000) continue
        // the worker running it (BullMQ's processedBy is the worker's host:pid)
        const by = job.processedBy ?? ''
        victim = workers.find((w) => by.endsWith(`:${w.child.pid}`))
        if (victim) return true
      }
      return false
    }, 60_000)
    victim!.child.kill('SIGKILL')
    expect((await victim!.exited).signal).toBe('SIGKILL')
    workers = [workers.find((w) => w !== victim)!, await startWorker()]
    const view = await finalView(id)
    expect(view.status, JSON.stringify(view)).toBe('succeeded')
    expect(workers.some((w) => w.logs.some((l) => l.includes('"resuming from checkpoint"')))).toBe(true)

    // the same sweep again, with no kill: bit-identical scores fold by fold, hence the same ranking and best
    const again = await call('POST', '/v1/sweeps', long)
    const uninterrupted = await finalView(again.json().id as string)
    expect(uninterrupted.status).toBe('succeeded')
    expect(scoresOf(view)).toEqual(scoresOf(uninterrupted))
    expect(view.results.map((r) => r.rank)).toEqual(uninterrupted.results.map((r) => r.rank))
    expect(view.best).toEqual(uninterrupted.best)
  }, 180_000)

  it('cancel reaches every child: running ones stop within a minibatch, queued ones never train; the sweep ends cancelled', async () => {
    const created = await call('POST', '/v1/sweeps', sweep({
      training: { batchSize: 16, validationSplit: 0, earlyStopping: false, epochs: 20_000, seed: 5, optimizer: { type: 'adam' } },
      searchSpace: { 'training.optimizer.learningRate': { type: 'grid', values: [1e-3, 1e-2] } }
    }))
    expect(created.statusCode, created.body).toBe(202)
    const id = created.json().id as string
    const historyKey = createKeys(t.config.REDIS_PREFIX).jobHistory
    let before: SweepResponseBody['results'][number]['folds'] = []
    await until('two children training (an epoch done)', async () => {
      before = (await viewOf(id)).results.flatMap((r) => r.folds)
      const running = before.filter((f) => f.status === 'running')
      return running.length >= 2 && (await Promise.all(running.map(async (f) => await t.redis.llen(historyKey(f.jobId))))).every((n) => n > 0)
    }, 60_000)
    // a running child is the sweep's, and says so rather than to cancel it alone
    const child = before.find((f) => f.status === 'running')!.jobId
    expect((await call('DELETE', `/v1/training-jobs/${child}`)).json().detail).toMatch(new RegExp(`^training job '${child}' is a trial of sweep '${id}'`))
    // a running sweep cannot be deleted: the answer says to cancel it first
    const early = await call('DELETE', `/v1/sweeps/${id}`)
    expect([early.statusCode, early.json().detail]).toEqual([409, `sweep '${id}' is running; cancel it first (POST /v1/sweeps/${id}/cancel), then delete it`])
    const cancelled = await call('POST', `/v1/sweeps/${id}/cancel`)
    expect(cancelled.statusCode, cancelled.body).toBe(202)
    // the answer says the cancel is on its way, and a repeated cancel keeps the first one's time
    const requestedAt = cancelled.json().cancelRequestedAt as string
    expect(Date.parse(requestedAt)).toBeGreaterThan(Date.parse(cancelled.json().createdAt))
    const view = await finalView(id, 60_000)
    expect(view.status).toBe('cancelled')
    expect((await call('GET', `/v1/sweeps/${id}`)).json().cancelRequestedAt).toBe(requestedAt)
    const folds = view.results.flatMap((r) => r.folds)
    expect(folds).toHaveLength(6)
    expect(folds.every((f) => f.status === 'cancelled')).toBe(true)
    // a cancelled sweep does not read as complete: nothing ran to its end, and the cancelled children are counted apart
    expect(view.progress).toEqual({ trialsDone: 0, trials: view.progress.trials, jobsDone: 0, jobsCancelled: 6, jobs: 6 })
    for (const f of folds) {
      const job = (await call('GET', `/v1/training-jobs/${f.jobId}`)).json()
      expect(job.status).toBe('cancelled')
      // each worker runs one child at a time: the two running stopped mid-run (stopReason cancelled), the four queued never trained
      if (before.find((b) => b.jobId === f.jobId)?.status === 'running') {
        expect(job.stopReason).toBe('cancelled')
        expect(job.history.length).toBeGreaterThan(0)
        expect(job.history.length).toBeLessThan(20_000)
      } else {
        expect(job.history).toEqual([])
      }
    }
    // nothing of it is still training anywhere: no child's history grows any more
    const lengths = async (): Promise<number[]> => await Promise.all(folds.map(async (f) => await t.redis.llen(historyKey(f.jobId))))
    const settled = await lengths()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await lengths()).toEqual(settled)
    expect(view.modelId).toBeUndefined()
    expect((await call('POST', `/v1/sweeps/${id}/cancel`)).statusCode).toBe(409)
    // once cancelled, it can be deleted, children and all
    expect((await call('DELETE', `/v1/sweeps/${id}`)).statusCode).toBe(204)
    for (const f of folds) expect((await call('GET', `/v1/training-jobs/${f.jobId}`)).statusCode).toBe(404)
  }, 120_000)

  it('server-sent events announce each finished trial once, then end with the best trial and model', async () => {
    const created = await call('POST', '/v1/sweeps', sweep({
      folds: 2,
      searchSpace: { 'training.optimizer.learningRate': { type: 'choice', values: [0.01, 0.05] }, 'training.epochs': { type: 'randint', low: 5, high: 20 } },
      trials: 3
    }))
    expect(created.statusCode, created.body).toBe(202)
    const id = created.json().id as string
    // over real HTTP (an event stream needs a socket); the request resolves once the stream ends, after `end`
    const res = await request(t.app.server).get(`/v1/sweeps/${id}/events`).set('authorization', `Bearer ${A}`).buffer(true)
      .parse((r, cb) => { let text = ''; r.setEncoding('utf8'); r.on('data', (c: string) => { text += c }); r.on('end', () => cb(null, text)) })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
    const eventsOf = (body: string) => body.split('\n\n').filter((b) => b.startsWith('event:')).map((block) => {
      const [event, eventId, data] = block.split('\n')
      return { event: event.slice(7), id: eventId.slice(4), data: JSON.parse(data.slice(6)) as Record<string, unknown> }
    })
    const events = eventsOf(res.body as string)
    expect(events.map((e) => e.event)).toEqual(['trial', 'trial', 'trial', 'end'])
    // a reconnect after the first two trials (EventSource sends the last id it saw) gets the third and `end`, nothing twice
    const resumed = await request(t.app.server).get(`/v1/sweeps/${id}/events`).set('authorization', `Bearer ${A}`).set('last-event-id', events[1].id).buffer(true)
      .parse((r, cb) => { let text = ''; r.setEncoding('utf8'); r.on('data', (c: string) => { text += c }); r.on('end', () => cb(null, text)) })
    const rest = eventsOf(resumed.body as string)
    expect(rest.map((e) => e.event)).toEqual(['trial', 'end'])
    expect(rest[0].data).toEqual(events[2].data)
    expect(rest[1].data).toEqual(events[3].data)
    expect(rest[1].id).toBe(events[3].id) // the same three trials sent
    expect(trialsOfId(events[3].id)).toEqual(new Set([0, 1, 2]))
    expect([trialSetId(new Set([0, 5, 9])), [...trialsOfId('122')]]).toEqual(['122', [0, 5, 9]])
    expect(events.slice(0, 3).map((e) => e.data.trial).sort()).toEqual([0, 1, 2])
    for (const e of events.slice(0, 3)) expect(e.data).toMatchObject({ status: 'succeeded', folds: [{ fold: 0 }, { fold: 1 }] })
    // a rank sent with a trial would be of the trials finished so far: only `end` ranks, once all are in
    for (const e of events.slice(0, 3)) expect(e.data.rank).toBeUndefined()
    const view = await viewOf(id)
    const ranking = [...view.results].sort((a, b) => a.rank! - b.rank!).map((r) => r.trial)
    expect(events[3].data).toEqual({ status: 'succeeded', progress: view.progress, ranking, best: view.best, modelId: view.modelId })
    expect(ranking[0]).toBe(view.best!.trial)
    // the draws come from the seed: three trials, each an allowed learning rate and an epoch count in [5, 20)
    for (const r of view.results) {
      expect([0.01, 0.05]).toContain(r.params['training.optimizer.learningRate'])
      expect(r.params['training.epochs']).toBeGreaterThanOrEqual(5)
      expect(r.params['training.epochs']).toBeLessThan(20)
    }
  }, 60_000)

  it('refit false ranks the trials and stores no model: cross-validation alone, as cross_val_score', async () => {
    const created = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'training.epochs': { type: 'grid', values: [2, 40] } }, modelName: undefined, refit: false, training: { batchSize: 16, validationSplit: 0, earlyStopping: false, seed: 5, optimizer: { type: 'adam', learningRate: 0.05 } } }))
    expect(created.statusCode, created.body).toBe(202)
    const view = await finalView(created.json().id as string)
    expect(view).toMatchObject({ status: 'succeeded', refit: false, progress: { trials: 2, jobs: 6, jobsDone: 6 } })
    expect(view.modelName).toBeUndefined()
    expect(view.modelId).toBeUndefined()
    expect(view.retrainJobId).toBeUndefined()
    expect(view.best?.trial).toBe(1) // 40 epochs at 0.05 beat 2
    expect(view.results.map((r) => r.rank)).toEqual([2, 1])
    const listed = (await call('GET', '/v1/sweeps')).json() as { items: Array<{ id: string, refit: boolean }> }
    expect(listed.items.find((i) => i.id === view.id)?.refit).toBe(false)
  }, 60_000)

  it('a child that fails does not sink the sweep: its trial shows failed with the reason, the others are ranked (regression, r2)', async () => {
    // y = 2·x₁ − x₂ + 1 on a 6×5 grid; plain SGD at a learning rate of 10 diverges, at 0.05 it fits
    const features = Array.from({ length: 30 }, (_, i) => [i % 6, Math.floor(i / 6)])
    const upload = await call('POST', '/v1/datasets', { features, targets: features.map(([a, b]) => [2 * a - b + 1]) })
    expect(upload.statusCode, upload.body).toBe(201)
    const created = await call('POST', '/v1/sweeps', {
      datasetId: upload.json().id,
      network: { layers: [], output: { activation: 'identity' } },
      training: { epochs: 60, batchSize: 5, validationSplit: 0.2, earlyStopping: false, optimizer: { type: 'sgd' } },
      searchSpace: { 'training.optimizer.learningRate': { type: 'grid', values: [0.05, 10] } },
      metric: 'r2',
      modelName: 'plane'
    })
    expect(created.statusCode, created.body).toBe(202)
    const view = await finalView(created.json().id as string)
    expect(view.status, JSON.stringify(view)).toBe('succeeded')
    expect(view.results[1]).toMatchObject({ status: 'failed', folds: [{ fold: null, status: 'failed' }] })
    expect(view.results[1].error).toMatch(/diverged|not finite|learning rate/i)
    expect(view.results[1].rank).toBeUndefined()
    expect(view.results[0]).toMatchObject({ status: 'succeeded', rank: 1, std: 0 })
    expect(view.results[0].mean).toBeGreaterThan(0.99)
    expect(view.best?.trial).toBe(0)
    expect(view.modelId).toMatch(/^mdl_/)
  }, 60_000)

  it('another tenant\'s dataset, or sweep, is a 404; bad search spaces are 4xx problems that say what to fix', async () => {
    const other = await call('POST', '/v1/sweeps', sweep(), B)
    expect(other.statusCode).toBe(404)
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(other.json().code).toBe('NN_ERR_DATASET_NOT_FOUND')
    const mine = ((await call('GET', '/v1/sweeps')).json() as { items: Array<{ id: string }> }).items[0].id
    expect((await call('GET', `/v1/sweeps/${mine}`, undefined, B)).statusCode).toBe(404)
    expect((await call('POST', `/v1/sweeps/${mine}/cancel`, undefined, B)).statusCode).toBe(404)

    const regression = await call('POST', '/v1/sweeps', sweep({ metric: 'r2' }))
    expect(regression.statusCode).toBe(422)
    expect(regression.json().detail).toMatch(/^the metric 'r2' is for regression; a softmax output is scored by accuracy, balanced_accuracy, f1_macro, f1_weighted, roc_auc, roc_auc_ovr, log_loss$/) // the sweep's own fault: no trial is blamed
    // scikit-learn's negated scorers: the name to send; roc_auc is for two classes (iris has three)
    const negated = await call('POST', '/v1/sweeps', sweep({ metric: 'neg_log_loss' }))
    expect([negated.statusCode, negated.json().field, negated.json().detail]).toEqual([400, 'metric', 'invalid body: metric: "neg_log_loss" is scikit-learn\'s negated scorer; send "log_loss": lower is better, which greaterIsBetter (default false for it) already says'])
    const auc = await call('POST', '/v1/sweeps', sweep({ metric: 'roc_auc' }))
    expect([auc.statusCode, auc.json().detail]).toEqual([422, 'the metric roc_auc is for two classes, and this network has 3: use roc_auc_ovr (the unweighted mean of each class\'s one-vs-rest area, scikit-learn\'s multi_class=\'ovr\')'])
    // class codes (numbers a softmax reads as classes) are stratified as labels are: a class of 2 rows cannot fill 5 folds
    const codes = await call('POST', '/v1/datasets', { features: Array.from({ length: 42 }, (_, i) => [i, i % 7]), targets: Array.from({ length: 42 }, (_, i) => (i < 2 ? 2 : i % 2)) })
    expect(codes.statusCode, codes.body).toBe(201)
    const thinCodes = await call('POST', '/v1/sweeps', sweep({ datasetId: codes.json().id, folds: 5 }))
    expect([thinCodes.statusCode, thinCodes.json().field, thinCodes.json().detail]).toEqual([422, 'folds', "5 stratified folds need every class in every fold, and class 2 (a value of 'y0') has 2 rows: use at most 2 folds"])
    // R² of one row is undefined (scikit-learn's NaN): 3 rows in 2 folds leave one fold a single row
    const three = await call('POST', '/v1/datasets', { features: [[0.1], [0.5], [0.9]], targets: [1, 2, 4] })
    const r2 = await call('POST', '/v1/sweeps', sweep({ datasetId: three.json().id, network: { layers: [], output: { activation: 'identity' } }, metric: 'r2', folds: 2 }))
    expect([r2.statusCode, r2.json().field, r2.json().detail]).toEqual([422, 'folds', 'r2 is undefined on fewer than 2 rows, and the smallest of 2 folds of 3 rows holds 1 row: use fewer folds, or rank by mean_squared_error'])
    // a grid value listed twice would train one configuration twice and rank it twice
    const twice = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'training.optimizer.learningRate': { type: 'grid', values: [0.01, 0.05, 0.01] } } }))
    expect([twice.statusCode, twice.json().field]).toEqual([400, 'searchSpace.training.optimizer.learningRate.values'])
    expect(twice.json().detail).toBe('searchSpace: the grid of training.optimizer.learningRate lists 0.01 twice, and a repeat trains alike, seed and all, and takes a second place in the ranking: list each value once')
    const noHoldout = await call('POST', '/v1/sweeps', sweep({ folds: undefined }))
    expect(noHoldout.statusCode).toBe(422)
    expect(noHoldout.json().detail).toMatch(/validationSplit is 0/)
    const seeds = { ...sweep().searchSpace, 'training.seed': { type: 'randint', low: 0, high: 1000 } }
    const tooMany = await call('POST', '/v1/sweeps', sweep({ searchSpace: seeds, trials: 300 }))
    expect(tooMany.statusCode).toBe(422)
    expect(tooMany.json().detail).toMatch(/1200 trials × 3 folds = 3600 training jobs; the limit is 1000 \(MAX_SWEEP_JOBS\)/)
    // draws of a search space with nothing random would repeat one configuration, seed and all, to one score
    for (const searchSpace of [sweep().searchSpace, undefined]) {
      const repeats = await call('POST', '/v1/sweeps', sweep({ searchSpace, trials: 5 }))
      expect(repeats.statusCode).toBe(400)
      expect(repeats.json()).toMatchObject({ field: 'trials', code: 'NN_ERR_VALIDATION' })
      expect(repeats.json().detail).toMatch(/^trials: 5 draws of a search space with no random field \((every field is a grid|it is empty)\) would train the same configuration, .*"training.seed": \{"type": "randint"/)
    }
    // more draws than discrete random fields hold: some would repeat (scikit-learn's ParameterSampler draws lists without replacement)
    const repeating = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'network.layers.0.activation': { type: 'choice', values: ['relu', 'tanh'] }, 'training.seed': { type: 'randint', low: 0, high: 2 } }, trials: 5 }))
    expect(repeating.statusCode).toBe(400)
    expect(repeating.json()).toMatchObject({ field: 'trials', detail: expect.stringMatching(/^trials: 5 draws of random fields that hold 4 distinct configurations \(network\.layers\.0\.activation: 2 values × training\.seed: 2 integers\) would repeat some/) })
    // a path through what every object inherits: `training.__proto__.x` had set x on every object of the process, and every
    // later request of every tenant was refused until it died (a hostile trial)
    for (const path of ['training.__proto__.x', 'training.constructor.prototype.x', 'network.__proto__', 'missing.prototype.strategy']) {
      const polluting = await call('POST', '/v1/sweeps', sweep({ searchSpace: { [path]: { type: 'grid', values: [1] } } }))
      expect([polluting.statusCode, polluting.json().code], path).toEqual([400, 'NN_ERR_VALIDATION'])
      expect(polluting.json().detail, path).toMatch(/a field path such as training\.optimizer\.learningRate/)
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    expect((await call('GET', '/v1/sweeps')).statusCode).toBe(200)
    const nested = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'training.optimizer': { type: 'grid', values: [{ type: 'adam' }, { type: 'sgd' }] }, 'training.optimizer.learningRate': { type: 'grid', values: [0.1, 0.2] } } }))
    expect([nested.statusCode, nested.json().field]).toEqual([400, 'searchSpace.training.optimizer.learningRate'])
    expect(nested.json().detail).toBe('searchSpace: training.optimizer.learningRate lies inside training.optimizer, which is searched too, so one would overwrite the other: search one of them')
    const badValue = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'network.layers.0.units': { type: 'grid', values: [4, -1] } } }))
    expect(badValue.statusCode).toBe(400)
    expect(badValue.json().detail).toMatch(/trial 1 \(\{"network.layers.0.units":-1\}\): network.layers.0.units/)
    expect(badValue.json().field).toBe('searchSpace.network.layers.0.units') // the search space's value, where it was given
    // a searched key the job does not have: at its own path in the search space, not its parent's
    const unknownKey = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'training.lr': { type: 'grid', values: [0.01, 0.05] } } }))
    expect(unknownKey.statusCode).toBe(400)
    expect(unknownKey.json().field).toBe('searchSpace.training.lr')
    expect(unknownKey.json().detail).toMatch(/unknown key "lr" \(lr is the optimizer's: send it in training\.optimizer/)
    // two grid values that are one configuration once defaults are filled in (adam's default learning rate written out)
    const alike = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'training.optimizer': { type: 'grid', values: [{ type: 'adam' }, { type: 'adam', learningRate: 0.001 }] } } }))
    expect([alike.statusCode, alike.json().field]).toEqual([400, 'searchSpace'])
    expect(alike.json().detail).toBe('trial 1 ({"training.optimizer":{"type":"adam","learningRate":0.001}}) trains what trial 0 trains: their values are the same once defaults are filled in, ' +
      'so it would train alike, seed and all, and take a second place in the ranking: list each configuration once')
    // the options a step fills in count too (a retrial: adam's beta1 written out as its default)
    const betas = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'training.optimizer': { type: 'grid', values: [{ type: 'adam', learningRate: 0.01 }, { type: 'adam', learningRate: 0.01, beta1: 0.9 }] } } }))
    expect([betas.statusCode, betas.json().detail]).toEqual([400, expect.stringMatching(/^trial 1 \(.*\) trains what trial 0 trains/)])
    // a ROC AUC without folds needs every class among the held-out rows: a class of one row stays in training
    const rare = await call('POST', '/v1/datasets', { features: Array.from({ length: 30 }, (_, i) => [i, i % 3]), targets: Array.from({ length: 30 }, (_, i) => (i === 0 ? 'rare' : i % 2 === 0 ? 'a' : 'b')) })
    const auc1 = await call('POST', '/v1/sweeps', sweep({ datasetId: rare.json().id, metric: 'roc_auc_ovr', folds: undefined, training: { batchSize: 16, validationSplit: 0.2, seed: 5, optimizer: { type: 'adam' } } }))
    expect([auc1.statusCode, auc1.json().field]).toEqual([422, 'metric'])
    expect(auc1.json().detail).toMatch(/^roc_auc_ovr needs every class among the held-out rows, and class 'rare' has 1 row, which the stratified holdout leaves in the rows trained on/)
    // and no number of folds holds a class of one row: not "use at most 1 fold", which is no fold count
    const oneRow = await call('POST', '/v1/sweeps', sweep({ datasetId: rare.json().id, folds: 2 }))
    expect([oneRow.statusCode, oneRow.json().detail]).toEqual([422, "2 stratified folds need every class in every fold, and class 'rare' has 1 row: upload more rows of it, or leave folds out (every trial is then scored on one holdout)"])
    // refit (scikit-learn's): a model name with it, none without
    const unnamed = await call('POST', '/v1/sweeps', sweep({ modelName: undefined }))
    expect([unnamed.statusCode, unnamed.json().field]).toEqual([400, 'modelName'])
    expect(unnamed.json().detail).toMatch(/modelName: required: the best configuration is retrained and stored under it; or send "refit": false/)
    const namedNoRefit = await call('POST', '/v1/sweeps', sweep({ refit: false }))
    expect([namedNoRefit.statusCode, namedNoRefit.json().detail]).toEqual([400, 'invalid body: modelName: with "refit": false no model is stored: leave modelName out, or refit'])
    // no search space: the base job alone, cross-validated (scikit-learn's cross_val_score)
    const cv = await call('POST', '/v1/sweeps', sweep({ searchSpace: undefined }))
    expect(cv.statusCode, cv.body).toBe(202)
    const cvView = await viewOf(cv.json().id)
    expect(cvView.progress).toMatchObject({ trials: 1, jobs: 3 })
    expect(cvView.results[0].params).toEqual({})
    await call('POST', `/v1/sweeps/${cv.json().id}/cancel`)
    const thin = await call('POST', '/v1/sweeps', sweep({ folds: 51 }))
    expect(thin.statusCode).toBe(422)
    expect(thin.json().detail).toBe("51 stratified folds need every class in every fold, and class 'setosa' has 50 rows: use at most 50 folds")
    const badPath = await call('POST', '/v1/sweeps', sweep({ searchSpace: { 'network.layers.2.units': { type: 'grid', values: [4] } } }))
    expect(badPath.statusCode).toBe(400)
    expect(badPath.json().detail).toMatch(/network.layers has 1 entry/)
  }, 60_000)
})

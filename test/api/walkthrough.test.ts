// Replays the README's curl walkthrough over real HTTP (bin/api.ts startApi) with a real worker process
// (src/bin/worker.ts), then the same path for digits and a regression set. Every fifth row is held out
// of the upload and used as the test set, so accuracy is measured on rows the model never saw.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { startApi, type RunningApi } from '../../src/bin/api.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const prefix = `{test-walkthrough-${randomUUID().slice(0, 8)}}`
let api: RunningApi
let worker: ChildProcess

beforeAll(async () => {
  const env = { REDIS_URL: process.env.REDIS_URL!, REDIS_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'silent', TRAIN_THREADS: '2' }
  const config = loadConfig(env)
  api = await startApi(config, createLogger(config))
  worker = spawn(process.execPath, ['--import', 'tsx', 'src/bin/worker.ts'], { env: { ...process.env, ...env }, stdio: 'inherit' })
})

afterAll(async () => {
  if (worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    worker.kill('SIGTERM')
    await exited
  }
  const stream = api.redis.scanStream({ match: `${prefix}*`, count: 500 })
  for await (const batch of stream) if ((batch as string[]).length > 0) await api.redis.del(...(batch as string[]))
  await api.close()
})

async function call<T = Record<string, unknown>> (method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number, json: T }> {
  const res = await fetch(api.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  })
  return { status: res.status, json: await res.json() as T }
}

/** CSV split: every fifth data row is the test set. */
function split (file: string): { header: string, trainCsv: string, test: string[][] } {
  const [header, ...rows] = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8').trim().split(/\r?\n/)
  const train = rows.filter((_, i) => i % 5 !== 0)
  return { header, trainCsv: [header, ...train].join('\n') + '\n', test: rows.filter((_, i) => i % 5 === 0).map((r) => r.split(',')) }
}

/** Upload (CSV), train, poll until done; returns the model id. */
async function train (csv: string, query: string, job: Record<string, unknown>): Promise<string> {
  const dataset = await call('POST', `/v1/datasets?${query}`, csv, 'text/csv')
  expect(dataset.status).toBe(201)
  const created = await call('POST', '/v1/training-jobs', { ...job, datasetId: dataset.json.id })
  expect(created.status, JSON.stringify(created.json)).toBe(202)
  const deadline = Date.now() + 240_000
  for (;;) {
    const { json } = await call<{ status: string, modelId?: string, error?: string, history: unknown[] }>('GET', `/v1/training-jobs/${String(created.json.id)}`)
    if (json.status === 'succeeded') {
      expect(json.history.length).toBeGreaterThan(0)
      return json.modelId!
    }
    if (json.status === 'failed' || json.status === 'cancelled') throw new Error(`job ${json.status}: ${json.error}`)
    if (Date.now() > deadline) throw new Error(`job still ${json.status} after 240 s`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The training request exactly as the README shows it, with the dataset id left to the caller. */
function readmeJob (): Record<string, unknown> {
  const m = /training-jobs" -H 'content-type: application\/json' -d '(\{[\s\S]*?\})' \| jq/.exec(README)
  if (!m) throw new Error('README: the POST /v1/training-jobs curl command was not found')
  return JSON.parse(m[1].replace('"\'"$DATASET"\'"', '"placeholder"')) as Record<string, unknown>
}

describe('the README walkthrough, replayed', () => {
  it('iris: CSV upload (?target=species), train, predict the held-out rows with species names (≥ 0.93), score them as a dataset (evaluate, CSV predictions), export → import', async () => {
    expect(README).toContain('npm ci && npm start')
    expect(README).toContain('npm ci && npm test')
    expect(README).toContain("--data-binary @test/fixtures/iris.csv")
    const { header, trainCsv, test } = split('iris.csv')
    const modelId = await train(trainCsv, 'target=species&name=iris', readmeJob())

    const model = await call('GET', `/v1/models/${modelId}`)
    expect(model.json).toMatchObject({ name: 'iris', classes: ['setosa', 'versicolor', 'virginica'] })
    const inputs = test.map((r) => r.slice(0, 4).map(Number))
    const pred = await call<{ outputs: number[][], labels: string[] }>('POST', `/v1/models/${modelId}/predict`, { inputs })
    expect(pred.status).toBe(200)
    const accuracy = pred.json.labels.filter((label, i) => label === test[i][4]).length / test.length
    expect(accuracy).toBeGreaterThanOrEqual(0.93)

    // Scoring a model (steps 6 and 7), on the held-out rows uploaded as a dataset of their own
    const heldOut = await call('POST', '/v1/datasets?target=species&name=iris-test', [header, ...test.map((r) => r.join(','))].join('\n') + '\n', 'text/csv')
    expect(heldOut.status).toBe(201)
    const evaluated = await call<{ rows: number, task: string, metrics: { accuracy: number, confusionMatrix: number[][] } }>('POST', '/v1/models/iris@latest/evaluate', { datasetId: heldOut.json.id })
    expect(evaluated.status, JSON.stringify(evaluated.json)).toBe(200)
    expect(evaluated.json).toMatchObject({ rows: test.length, task: 'classification', metrics: { accuracy } })
    expect(evaluated.json.metrics.confusionMatrix.flat().reduce((a, b) => a + b)).toBe(test.length)
    const streamed = await fetch(`${api.url}/v1/models/iris@latest/predictions`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/csv' }, body: JSON.stringify({ datasetId: heldOut.json.id })
    })
    const [csvHeader, ...lines] = (await streamed.text()).trim().split('\n')
    expect(csvHeader).toBe('row,setosa,versicolor,virginica,label')
    expect(README).toContain(`# → ${csvHeader}`)
    expect(lines.map((l) => l.split(',').at(-1))).toEqual(pred.json.labels)

    const exported = await call('GET', `/v1/models/${modelId}/export`)
    const imported = await call('POST', '/v1/models', exported.json)
    expect(imported.status).toBe(201)
    const again = await call('POST', `/v1/models/${String(imported.json.id)}/predict`, { inputs })
    expect(again.json).toEqual(pred.json)
  })

  it('digits: test accuracy ≥ 0.95 with the digit names as labels', async () => {
    const { trainCsv, test } = split('digits.csv')
    const modelId = await train(trainCsv, 'target=digit&categorical=true&name=digits', {
      network: { inputs: 64, layers: [{ units: 64, activation: 'relu' }], output: { units: 10, activation: 'softmax' } },
      training: { epochs: 40, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.005 }, seed: 3 }
    })
    const inputs = test.map((r) => r.slice(0, 64).map(Number))
    const pred = await call<{ labels: string[] }>('POST', `/v1/models/${modelId}/predict`, { inputs })
    const accuracy = pred.json.labels.filter((label, i) => label === test[i][64]).length / test.length
    expect(accuracy).toBeGreaterThanOrEqual(0.95)
  })

  it('diabetes (regression): real-valued outputs in the target\'s units, better than predicting the mean', async () => {
    const { trainCsv, test } = split('diabetes.csv')
    const modelId = await train(trainCsv, 'target=progression&name=diabetes', {
      network: { inputs: 10, layers: [{ units: 16, activation: 'tanh' }], output: { units: 1, activation: 'identity' } },
      training: { epochs: 100, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, seed: 5 }
    })
    const inputs = test.map((r) => r.slice(0, 10).map(Number))
    const truth = test.map((r) => Number(r[10]))
    const pred = await call<{ outputs: number[][], labels?: string[] }>('POST', `/v1/models/${modelId}/predict`, { inputs })
    expect(pred.json.labels).toBeUndefined()
    const y = pred.json.outputs.map((o) => o[0])
    expect(y.some((v) => !Number.isInteger(v))).toBe(true)
    const mean = truth.reduce((s, v) => s + v, 0) / truth.length
    expect(Math.abs(y.reduce((s, v) => s + v, 0) / y.length - mean)).toBeLessThan(40) // target units (~25–346), not z-scores
    const mae = y.reduce((s, v, i) => s + Math.abs(v - truth[i]), 0) / y.length
    const baseline = truth.reduce((s, v) => s + Math.abs(v - mean), 0) / truth.length
    expect(mae).toBeLessThan(0.85 * baseline)
  })
})

/**
 * npm run bench:sweeps -- [--workers 1,2] [--repeat 2]
 * Wall time of one 16-trial sweep (digits, 64-128-10, 40 epochs, learning rate drawn log-uniform) from
 * POST /v1/sweeps to its retrained model, with 1 and then 2 worker processes (one training thread each)
 * on a private redis-server. Rounds alternate 1, 2, 1, 2… so a change of load hits both. Speed is
 * measured here, never in a test.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { buildApp } from '../src/api/app.js'
import { loadConfig } from '../src/config.js'
import { createRedis } from '../src/store/redis.js'
import { startRedisServer } from '../test/support/redis-server.js'
import { killWorkers, spawnWorker, until, type WorkerProcess } from '../test/support/worker-process.js'

const { values } = parseArgs({ options: { workers: { type: 'string', default: '1,2' }, repeat: { type: 'string', default: '2' } } })
const counts = values.workers.split(',').map(Number)
const server = await startRedisServer()
const redis = createRedis(server.url)
const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' })
const app = await buildApp({ config, redis })
await app.ready()

const csv = readFileSync('test/fixtures/digits.csv', 'utf8')
const upload = await app.inject({ method: 'POST', url: '/v1/datasets?name=digits', payload: csv, headers: { 'content-type': 'text/csv' } })
const datasetId = upload.json().id as string

async function timeSweep (workers: number): Promise<number> {
  const procs: WorkerProcess[] = await Promise.all(Array.from({ length: workers }, async () => await spawnWorker({ REDIS_URL: server.url, TRAIN_THREADS: '1' })))
  const started = performance.now()
  const created = await app.inject({
    method: 'POST',
    url: '/v1/sweeps',
    payload: {
      datasetId,
      network: { layers: [{ units: 128, activation: 'relu' }], output: { activation: 'softmax' } },
      training: { epochs: 40, batchSize: 32, validationSplit: 0.2, earlyStopping: false, seed: 3 },
      searchSpace: { 'training.optimizer.learningRate': { type: 'loguniform', low: 1e-4, high: 1e-1 } },
      trials: 16,
      metric: 'accuracy',
      seed: 7,
      modelName: 'digits-sweep'
    }
  })
  if (created.statusCode !== 202) throw new Error(created.body)
  let status = ''
  await until('the sweep finished', async () => {
    status = (await app.inject({ method: 'GET', url: `/v1/sweeps/${created.json().id as string}` })).json().status as string
    return ['succeeded', 'failed', 'cancelled'].includes(status)
  }, 1_800_000)
  const seconds = (performance.now() - started) / 1000
  for (const p of procs) p.child.kill('SIGTERM')
  await Promise.all(procs.map(async (p) => await p.exited))
  if (status !== 'succeeded') throw new Error(`sweep ${status}`)
  return seconds
}

try {
  for (let round = 0; round < Number(values.repeat); round++) {
    for (const n of counts) process.stdout.write(`round ${round + 1}: ${n} worker process(es): ${(await timeSweep(n)).toFixed(1)} s\n`)
  }
} finally {
  killWorkers()
  await app.close()
  redis.disconnect()
  await server.stop()
}

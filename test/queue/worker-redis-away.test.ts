// A worker process (node --import tsx src/bin/worker.ts) whose Redis goes away under a running job (a
// private redis-server, stopped and started on the same port and files). An operator's trial found that
// the job trained on through the outage and was thrown away when Redis returned, and that a SIGTERM during
// the outage hung for the 60 s deadline and exited 1. Here: the attempt stops once Redis has been away for
// the lock's duration; a SIGTERM exits 0 within CLOSE_WAIT_FOR_REDIS_MS; either way the job ends once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedis, type Redis } from '../../src/store/redis.js'
import { createTrainingQueue, type TrainJobData, type TrainingQueue } from '../../src/queue/training-queue.js'
import { CLOSE_WAIT_FOR_REDIS_MS } from '../../src/queue/worker-runner.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { storeDigits } from '../support/digits-dataset.js'
import { killWorkers, logLines, spawnWorker, until, type WorkerProcess } from '../support/worker-process.js'

const LOCK_MS = 1500
/** Long enough (several seconds) that the job is still training when Redis goes away and when the lock expires. */
const EPOCHS = 3000
const prefix = '{away}'
let server: RedisServer
let redis: Redis
let queue: TrainingQueue
let data: TrainJobData

const worker = async (): Promise<WorkerProcess> => await spawnWorker({
  REDIS_URL: server.url, REDIS_PREFIX: prefix, TRAIN_THREADS: '1', CHECKPOINT_EVERY_EPOCHS: '5',
  WORKER_LOCK_DURATION_MS: String(LOCK_MS), WORKER_STALLED_INTERVAL_MS: '500'
})
const said = (w: WorkerProcess, msg: string): Array<Record<string, unknown>> => logLines(w.logs).filter((l) => l.msg === msg)
const epochsDone = async (jobId: string): Promise<number> => (await queue.get(jobId))?.history.length ?? 0

beforeAll(async () => {
  server = await startRedisServer({ appendOnly: true })
  redis = createRedis(server.url)
  queue = createTrainingQueue(redis, prefix)
  data = {
    datasetId: await storeDigits(redis, prefix),
    network: { inputs: 64, layers: [{ units: 32, activation: 'relu' }], output: { units: 10, activation: 'softmax' } },
    training: { epochs: EPOCHS, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.005 }, validationSplit: 0.2, earlyStopping: false, seed: 3, normalize: 'standard' }
  }
}, 30_000)

afterAll(async () => {
  killWorkers()
  await queue?.close()
  redis?.disconnect()
  await server?.stop()
})

describe('a worker whose Redis goes away mid-job', () => {
  it('stops the attempt once Redis has been away for the lock\'s duration, and the job resumes from its checkpoint and ends once', async () => {
    const w = await worker()
    const jobId = await queue.enqueue(data)
    await until('ten epochs', async () => (await epochsDone(jobId)) >= 10, 30_000)
    await server.halt()
    const halted = Date.now()
    const line = 'redis away longer than the job lock (WORKER_LOCK_DURATION_MS): stopping this attempt; the job resumes from its last checkpoint'
    try {
      // once the lock has expired, not when Redis comes back
      await until('the attempt is told to stop', async () => said(w, line).length > 0, LOCK_MS + 5_000)
      expect(Date.now() - halted).toBeLessThan(LOCK_MS + 4_000)
      const [stopped] = said(w, line)
      expect(stopped).toMatchObject({ jobId, level: 'warn' })
      expect(Number(stopped.awayMs)).toBeGreaterThanOrEqual(LOCK_MS)
    } finally {
      await server.resume()
    }
    await until('the job completed', async () => (await queue.get(jobId))?.status === 'succeeded', 60_000)
    // the stopped attempt ended as aborted (its epochs since the checkpoint are not kept), and the job went on from the checkpoint
    const lines = logLines(w.logs).map((l) => l.msg)
    expect(logLines(w.logs).find((l) => l.msg === 'training stopped')).toMatchObject({ stopReason: 'aborted' })
    expect(lines.indexOf('resuming from checkpoint')).toBeGreaterThan(lines.indexOf('training stopped'))
    expect((await queue.get(jobId))?.history.length).toBe(EPOCHS)
    // nothing at error level: the recovery (a stopped attempt's result refused by BullMQ) is said at warn
    expect(logLines(w.logs).filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([])
    w.child.kill('SIGTERM')
    expect((await w.exited).code).toBe(0)
  }, 120_000)

  it('a SIGTERM while Redis is away exits 0 within CLOSE_WAIT_FOR_REDIS_MS, saying the job was not handed back; another worker finishes it', async () => {
    const w = await worker()
    const jobId = await queue.enqueue({ ...data, training: { ...data.training, seed: 4 } })
    await until('ten epochs', async () => (await epochsDone(jobId)) >= 10, 30_000)
    await server.halt()
    const signalled = Date.now()
    w.child.kill('SIGTERM')
    const exit = await w.exited
    const ms = Date.now() - signalled
    await server.resume()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(ms).toBeLessThan(CLOSE_WAIT_FOR_REDIS_MS + 3_000)
    expect(said(w, 'redis unavailable while closing: exiting without handing running jobs back; each is taken over from its last checkpoint ' +
      'once its lock expires (WORKER_LOCK_DURATION_MS)')[0]).toMatchObject({ level: 'warn', jobs: [jobId] })
    expect(said(w, 'shutdown overran its deadline; exiting')).toEqual([])
    const next = await worker()
    await until('the job completed', async () => (await queue.get(jobId))?.status === 'succeeded', 60_000)
    expect((await queue.get(jobId))?.history.length).toBe(EPOCHS)
    next.child.kill('SIGTERM')
    expect((await next.exited).code).toBe(0)
  }, 120_000)
})

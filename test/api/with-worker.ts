// The built app (helper.ts) with a training worker started in-process on the same Redis and prefix,
// and the wait for a job's model: for tests that train through HTTP end to end.
import request from 'supertest'
import { pino } from 'pino'
import { buildTestApp, type TestApp } from './helper.js'
import { startWorker } from '../../src/queue/worker-runner.js'

export async function buildAppWithWorker (label: string, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await buildTestApp(label, { MAX_EPOCHS: '5000', MAX_JOB_WORK: '1e12', TRAIN_THREADS: '1', ...env })
  const worker = await startWorker(t.config, pino({ level: 'silent' }))
  return { ...t, async close () { await worker.close(); await t.close() } }
}

/** Polls a job until it succeeds and returns its model as GET /v1/models/:id shows it; a failed job throws with its error. */
export async function waitForModel (t: TestApp, jobId: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await request(t.app.server).get(`/v1/training-jobs/${jobId}`)
    if (res.body.status === 'succeeded') return (await request(t.app.server).get(`/v1/models/${String(res.body.modelId)}`)).body
    if (res.body.status === 'failed' || Date.now() > deadline) throw new Error(`job ${String(res.body.status)}: ${String(res.body.error)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

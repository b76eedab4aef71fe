// Shared by the API tests that train through a real in-process worker: upload, submit, wait.
import request from 'supertest'
import { afterAll, beforeAll, expect } from 'vitest'
import { pino } from 'pino'
import { buildTestApp, type TestApp } from '../api/helper.js'
import { startWorker, type RunningWorker } from '../../src/queue/worker-runner.js'

/** The app and an in-process worker (one training thread) for the file's tests; closed after them. */
export function appWithWorker (label: string): { readonly t: TestApp } {
  let t: TestApp | undefined
  let worker: RunningWorker | undefined
  beforeAll(async () => {
    t = await buildTestApp(label, { TRAIN_THREADS: '1' })
    worker = await startWorker(t.config, pino({ level: 'silent' }))
  })
  afterAll(async () => {
    await worker?.close()
    await t?.close()
  })
  return { get t () { return t! } }
}

export async function uploadJson (t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await request(t.app.server).post('/v1/datasets').send(body)
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as string
}

/** Submits a job and polls it until it is final (or the deadline passes); returns the job's last view. */
export async function trainToEnd (t: TestApp, body: Record<string, unknown>, timeoutMs = 30_000): Promise<request.Response> {
  const created = await request(t.app.server).post('/v1/training-jobs').send(body)
  expect(created.status, JSON.stringify(created.body)).toBe(202)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await request(t.app.server).get(`/v1/training-jobs/${created.body.id as string}`)
    if (['succeeded', 'failed', 'cancelled'].includes(res.body.status) || Date.now() > deadline) return res
    await new Promise((r) => setTimeout(r, 50))
  }
}

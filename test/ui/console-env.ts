// What the console tests run against: the UI built from ui/ (Vite, ~2 s, so `npm test` needs no
// `npm run build` first), a real API listening on a port, a real worker process on the same Redis
// prefix, and Debian's chromium through playwright-core. Every page records the URLs it requests,
// so a test can check that nothing left the origin. Screenshots go to test-artifacts/console/.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildTestApp, type TestApp } from '../api/helper.js'

export const CHROMIUM = '/usr/bin/chromium'
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url))


export interface Server { readonly t: TestApp, readonly base: string, close (): Promise<void> }

/** The app on a real port; with `worker`, a worker process (src/bin/worker.ts) consuming its queue. */
export async function startServer (label: string, env: Record<string, string> = {}, worker = false, workerEnv: Record<string, string> = {}): Promise<Server> {
  const t = await buildTestApp(label, env)
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' })
  let child: ChildProcess | undefined
  if (worker) {
    const own = { REDIS_URL: process.env.REDIS_URL!, REDIS_PREFIX: t.config.REDIS_PREFIX, LOG_LEVEL: 'silent', TRAIN_THREADS: '1' }
    child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/worker.ts'], { env: { ...process.env, ...own, ...workerEnv }, stdio: 'inherit' })
  }
  return {
    t,
    base,
    async close () {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await t.close()
    }
  }
}

export async function launchBrowser (): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true })
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run']
  })
}

/**
 * A describe block's server and browser: started in beforeAll, closed in afterAll. `workerEnv`
 * (even empty) adds a worker process; without it jobs stay queued.
 */
export function withConsole (label: string, env: Record<string, string>, workerEnv?: Record<string, string>): { readonly server: Server, readonly browser: Browser } {
  const held: { server?: Server, browser?: Browser } = {}
  beforeAll(async () => {
    held.server = await startServer(label, env, workerEnv !== undefined, workerEnv)
    held.browser = await launchBrowser()
  }, 120_000)
  afterAll(async () => {
    await held.browser?.close()
    await held.server?.close()
  })
  return { get server () { return held.server! }, get browser () { return held.browser! } }
}

export interface Watched { readonly page: Page, readonly requests: string[], readonly errors: string[] }

/** A fresh page (own session storage) that records every request URL and every page error. */
export async function openPage (browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Watched> {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  const requests: string[] = []
  const errors: string[] = []
  page.on('request', (req) => requests.push(req.url()))
  page.on('pageerror', (err) => errors.push(err.message))
  return { page, requests, errors }
}

/** The requests that went anywhere but `base` (data: and blob: URLs are not requests on the network). */
export const offOrigin = (requests: readonly string[], base: string): string[] =>
  requests.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith('data:') && !url.startsWith(`blob:${base}/`))

export const shot = async (page: Page, name: string): Promise<void> => {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true })
}

/** The little of the DOM pointsWhileRunning reads (test/ is compiled without the DOM library). */
interface PageDocument { querySelector (selector: string): { getAttribute (name: string): string | null, textContent: string | null } | null }

/**
 * Runs in the page (page.waitForFunction): the epochs the first chart holds while the job's badge still
 * says running, else false. One synchronous read, so "points before the end" cannot be a race of two reads.
 */
export function pointsWhileRunning (): number | false {
  const doc = (globalThis as unknown as { document: PageDocument }).document
  const points = Number(doc.querySelector('.chart')?.getAttribute('data-points'))
  const status = doc.querySelector('#job-state .badge')?.textContent
  return points > 0 && status === 'running' ? points : false
}

/** One API call over HTTP: a string body is sent as CSV, anything else as JSON; throws on a non-2xx answer. */
export async function api<T> (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(base + path, {
    method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
  })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return await res.json() as T
}

/** A finished job as GET /v1/training-jobs/:id reports it (the fields the console tests read). */
export interface FinishedJob { status: string, error?: string, modelId: string, stopReason?: string, history: Array<{ epoch: number }> }

/** Waits until a job has ended and returns it; throws unless it succeeded. */
export async function finished (base: string, id: string, ms = 60_000): Promise<FinishedJob> {
  for (let i = 0; i < ms / 100; i++) {
    const job = await api<FinishedJob>(base, 'GET', `/v1/training-jobs/${id}`)
    if (job.status === 'succeeded') return job
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`job ${id} ${job.status}: ${job.error}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`job ${id} did not finish within ${ms / 1000} s`)
}

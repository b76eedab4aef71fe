// Swagger UI at /docs, rendered by a real browser (Debian's chromium through playwright-core): the page's
// scripts load, fetch the OpenAPI document and list the operations. Skipped, saying why, without chromium.
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { pino } from 'pino'
import { buildTestApp, type TestApp } from './helper.js'
import { startWorker, type RunningWorker } from '../../src/queue/worker-runner.js'

const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`

describe.skipIf(!available)(`Swagger UI in a browser${why}`, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let worker: RunningWorker

  beforeAll(async () => {
    t = await buildTestApp('swagger-ui', { TRAIN_THREADS: '1' })
    worker = await startWorker(t.config, pino({ level: 'silent' }))
    base = await t.app.listen({ port: 0, host: '127.0.0.1' })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run']
    })
  })

  afterAll(async () => {
    await browser?.close()
    await worker?.close()
    await t?.close()
  })

  it('loads /docs and lists the operations of every resource, with no page errors', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    page.on('requestfailed', (req) => errors.push(`${req.url()} ${req.failure()?.errorText ?? ''}`))
    const response = await page.goto(`${base}/docs`)
    expect(response?.status()).toBe(200)
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 })

    const summaries = await page.locator('.opblock-summary').allInnerTexts()
    const operations = summaries.map((s) => s.replace(/\s+/g, ' ').trim())
    const has = (method: string, path: string): boolean =>
      operations.some((o) => o.startsWith(method) && o.includes(path))
    expect(has('POST', '/v1/datasets')).toBe(true)
    expect(has('POST', '/v1/networks')).toBe(true)
    expect(has('POST', '/v1/models/{id}/predict')).toBe(true)
    expect(has('GET', '/v1/models/{id}/export')).toBe(true)
    expect(has('GET', '/metrics')).toBe(true)
    expect(operations.length).toBeGreaterThanOrEqual(20)
    expect(await page.locator('.info .title').innerText()).toContain('backprop')
    expect(errors).toEqual([])
  })

  it('"Try it out" on the main flow succeeds as pre-filled: upload the example CSV, train, predict, score', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${base}/docs`)
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 })

    /** Opens an operation, optionally picks the request media type, presses Execute; returns the status and body shown. */
    const execute = async (method: string, path: string, mediaType?: string): Promise<{ status: number, body: string }> => {
      const op = page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
      await op.locator('.opblock-summary').first().click()
      if (mediaType) await op.locator('.body-param-content-type select').selectOption(mediaType)
      await op.locator('button.execute').click()
      const status = op.locator('.live-responses-table tr.response .response-col_status').first()
      await status.waitFor({ timeout: 30_000 })
      const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText()
      const result = { status: Number(/\d{3}/.exec(await status.innerText())?.[0]), body }
      await op.locator('.opblock-summary').first().click() // close it again
      return result
    }

    // unedited: the media type Swagger UI shows first (JSON) with its own example; the CSV one is tried just after
    const asJson = await execute('post', '/v1/datasets')
    expect(asJson.status, asJson.body).toBe(201)
    const upload = await execute('post', '/v1/datasets', 'text/csv')
    expect(upload.status, upload.body).toBe(201)
    const datasetId = JSON.parse(upload.body).id as string
    expect(datasetId).toMatch(/^ds_/)
    expect(JSON.parse(upload.body).rows).toBe(45)

    const train = await execute('post', '/v1/training-jobs')
    expect(train.status, train.body).toBe(202)
    const jobId = JSON.parse(train.body).id as string
    // the job ran on the dataset just uploaded: the page put its id in place of the example's placeholder
    let job: { status: string, datasetId: string } = { status: 'queued', datasetId: '' }
    for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(job.status); i++) {
      job = (await t.app.inject({ method: 'GET', url: `/v1/training-jobs/${jobId}` })).json()
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(job).toMatchObject({ status: 'succeeded', datasetId })

    const predict = await execute('post', '/v1/models/{id}/predict')
    expect(predict.status, predict.body).toBe(200)
    expect(JSON.parse(predict.body).labels).toEqual(['setosa', 'virginica'])

    const evaluate = await execute('post', '/v1/models/{id}/evaluate')
    expect(evaluate.status, evaluate.body).toBe(200)
    expect(JSON.parse(evaluate.body)).toMatchObject({ datasetId, rows: 45, task: 'classification' })
    expect(errors).toEqual([])

    // a fresh tab knows no ids of its own: its placeholders stand for the newest stored, so the examples still run
    const fresh = await browser.newPage()
    await fresh.goto(`${base}/docs`)
    await fresh.locator('.opblock').first().waitFor({ timeout: 30_000 })
    const op = fresh.locator('.opblock-post').filter({ has: fresh.locator('.opblock-summary-path[data-path="/v1/models/{id}/evaluate"]') })
    await op.locator('.opblock-summary').first().click()
    await op.locator('button.execute').click()
    const status = op.locator('.live-responses-table tr.response .response-col_status').first()
    await status.waitFor({ timeout: 30_000 })
    expect(await status.innerText()).toContain('200')
    expect(JSON.parse(await op.locator('.live-responses-table .response-col_description pre').first().innerText())).toMatchObject({ datasetId, rows: 45 })
    // the page says what the placeholders are
    expect(await fresh.locator('.info .description').innerText()).toMatch(/last-dataset.*newest one stored.*name iris-example/s)
  }, 120_000)
})

// Swagger UI at /docs, rendered by a real browser (Debian's chromium through playwright-core): the page's
// scripts load, fetch the OpenAPI document and list the operations. Skipped, saying why, without chromium.
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { buildTestApp, type TestApp } from './helper.js'

const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
const why = available ? '' : ` (SKIPPED: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`)`

describe.skipIf(!available)(`Swagger UI in a browser${why}`, () => {
  let t: TestApp
  let browser: Browser
  let base: string

  beforeAll(async () => {
    t = await buildTestApp('swagger-ui')
    base = await t.app.listen({ port: 0, host: '127.0.0.1' })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run']
    })
  })

  afterAll(async () => {
    await browser?.close()
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
})

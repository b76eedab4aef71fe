// The /ui route on its own: static files with a same-origin Content-Security-Policy and cache rules,
// /ui → /ui/, public even with API keys, and a 503 that says how to build the console when dist/ui is missing.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import consoleRoutes, { CONSOLE_CSP } from '../../src/api/routes/console.js'
import { setErrorHandling } from '../../src/api/error-handler.js'
import { scopeOf } from '../../src/api/route-scopes.js'

async function appWith (root: string): Promise<FastifyInstance> {
  const app = Fastify()
  setErrorHandling(app, 1 << 20)
  await app.register(consoleRoutes, { root })
  await app.ready()
  return app
}

describe('GET /ui', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-'))
  let built: FastifyInstance
  let missing: FastifyInstance

  beforeAll(async () => {
    mkdirSync(join(dir, 'built', 'assets'), { recursive: true })
    writeFileSync(join(dir, 'built', 'index.html'), '<!doctype html><title>console</title>')
    writeFileSync(join(dir, 'built', 'assets', 'index-abc123.js'), 'console.log(1)')
    built = await appWith(join(dir, 'built'))
    missing = await appWith(join(dir, 'nothing-here'))
  })

  afterAll(async () => {
    await built.close()
    await missing.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves index.html at /ui/ (and redirects /ui there) under a same-origin CSP, not cached', async () => {
    const redirect = await built.inject({ url: '/ui' })
    expect(redirect.statusCode).toBe(301)
    expect(redirect.headers.location).toBe('/ui/')
    // the service's own address, opened in a browser, is the console
    const root = await built.inject({ url: '/' })
    expect(root.statusCode).toBe(302)
    expect(root.headers.location).toBe('/ui/')
    const res = await built.inject({ url: '/ui/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toContain('<title>console</title>')
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP)
    expect(CONSOLE_CSP).toContain("default-src 'self'")
    expect(CONSOLE_CSP).toContain("connect-src 'self'")
    expect(res.headers['cache-control']).toBe('no-cache')
  })

  it('serves hashed assets as immutable, and answers 404 for files that are not there', async () => {
    const asset = await built.inject({ url: '/ui/assets/index-abc123.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    expect((await built.inject({ url: '/ui/assets/nope.js' })).statusCode).toBe(404)
  })

  it('answers 503 problem+json saying how to build the console when dist/ui is missing', async () => {
    for (const url of ['/ui', '/ui/', '/ui/assets/x.js']) {
      const res = await missing.inject({ url })
      expect(res.statusCode).toBe(503)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({ code: 'NN_ERR_CONSOLE_NOT_BUILT', detail: expect.stringContaining('npm run build') })
    }
  })

  it('is public: the pages hold no data, and the API behind them checks keys', () => {
    expect(scopeOf('GET', '/ui')).toBe('public')
    expect(scopeOf('GET', '/ui/*')).toBe('public')
    expect(scopeOf('GET', '/uix')).toBe('admin')
  })
})

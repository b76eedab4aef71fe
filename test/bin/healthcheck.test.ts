// The image's health check (src/bin/healthcheck.ts) run as Docker runs it, a process whose exit code is the
// answer: a worker is healthy while its Redis answers PING, the API while /healthz answers; PID 1's command
// line says which (a worker started with `docker run … node dist/bin/worker.js` was reported unhealthy).
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roleOf } from '../../src/bin/process-role.js'
import { buildTestApp, type TestApp } from '../api/helper.js'
import { freePort } from '../support/redis-server.js'

const check = async (role: string, env: Record<string, string>): Promise<number | null> => await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/healthcheck.ts', role], { env: { ...process.env, ...env }, stdio: 'ignore' })
  child.once('exit', (code) => resolve(code))
})

let t: TestApp
let apiPort: number
beforeAll(async () => {
  t = await buildTestApp('healthcheck')
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  apiPort = (t.app.server.address() as { port: number }).port
})
afterAll(async () => { await t.close() })

describe('the image\'s health check', () => {
  it('reads the role from PID 1\'s command line: a worker by its entry file, anything else the API', () => {
    expect(roleOf('node\0dist/bin/worker.js\0')).toBe('worker')
    expect(roleOf('/usr/local/bin/node\0/app/dist/bin/worker.js')).toBe('worker')
    expect(roleOf('node\0dist/bin/api.js\0')).toBe('api')
    expect(roleOf('node\0dist/bin/worker.json\0')).toBe('api')
  })

  it('a worker is healthy while its Redis answers, the API while /healthz does', async () => {
    const nothing = String(await freePort())
    expect(await check('worker', { REDIS_URL: process.env.REDIS_URL! })).toBe(0)
    expect(await check('worker', { REDIS_URL: `redis://127.0.0.1:${nothing}` })).toBe(1)
    expect(await check('api', { PORT: String(apiPort) })).toBe(0)
    expect(await check('api', { PORT: nothing })).toBe(1)
  }, 30_000)
})

// The image's health check (src/bin/healthcheck.ts) run as Docker runs it, a process whose exit code is the
// answer: the API is healthy while /healthz answers; a worker while its heartbeat file is fresh and says its Redis
// connection is ready (a real worker process, stopped and continued, and its Redis halted and resumed). PID 1's
// command line says which (a worker started with `docker run … node dist/bin/worker.js` was reported unhealthy).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roleOf } from '../../src/bin/process-role.js'
import { buildTestApp, type TestApp } from '../api/helper.js'
import { freePort, startRedisServer } from '../support/redis-server.js'
import { killWorkers, spawnWorker, until } from '../support/worker-process.js'

const checkIn = async (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, said: string }> => await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/healthcheck.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] })
  let said = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { said += chunk })
  child.once('exit', (code) => resolve({ code, said: said.trim() }))
})

let t: TestApp
let apiPort: number
beforeAll(async () => {
  t = await buildTestApp('healthcheck')
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  apiPort = (t.app.server.address() as { port: number }).port
})
afterAll(async () => {
  killWorkers()
  await t.close()
})

describe('the image\'s health check', () => {
  it('reads the role from PID 1\'s command line: a worker by its entry file, anything else the API', () => {
    expect(roleOf('node\0dist/bin/worker.js\0')).toBe('worker')
    expect(roleOf('/usr/local/bin/node\0/app/dist/bin/worker.js')).toBe('worker')
    expect(roleOf('node\0dist/bin/api.js\0')).toBe('api')
    expect(roleOf('node\0dist/bin/worker.json\0')).toBe('api')
  })

  it('the API is healthy while /healthz answers', async () => {
    expect(await checkIn(['api'], { PORT: String(apiPort) })).toEqual({ code: 0, said: 'api healthy' })
    const nothing = await checkIn(['api'], { PORT: String(await freePort()) })
    expect(nothing.code).toBe(1)
    expect(nothing.said).toMatch(/^api unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz did not answer/)
  }, 30_000)

  it('a worker is healthy while its heartbeat is fresh and its Redis connection ready; not once its loop stops, its Redis goes, or it closes', async () => {
    const redis = await startRedisServer()
    // a temporary directory of its own (TMPDIR): the heartbeat files of other tests' workers are not this test's
    const tmp = mkdtempSync(join(tmpdir(), 'heartbeat-'))
    const check = (args: string[]) => checkIn(args, { TMPDIR: tmp })
    try {
      const w = await spawnWorker({ REDIS_URL: redis.url, WORKER_HEARTBEAT_MS: '200', TMPDIR: tmp })
      const pid = String(w.child.pid)
      const healthy = async (): Promise<boolean> => (await check(['worker', pid])).code === 0
      await until('the first heartbeat', async () => await healthy())
      expect(await check(['worker', pid])).toEqual({ code: 0, said: 'worker healthy' })

      // a process that no longer runs its event loop (hung, or frozen) stops beating
      w.child.kill('SIGSTOP')
      await new Promise((resolve) => setTimeout(resolve, 900))
      const frozen = await check(['worker', pid])
      w.child.kill('SIGCONT')
      expect(frozen.code).toBe(1)
      expect(frozen.said).toMatch(/^worker unhealthy: its last heartbeat is \d+ s old \(it beats every 0\.2 s\): its event loop is stuck/)
      await until('a fresh heartbeat after SIGCONT', async () => await healthy())

      // Redis away: the worker is alive, but can neither take nor report a job
      await redis.halt()
      await until('the heartbeat to say Redis is not ready', async () => !(await healthy()))
      expect((await check(['worker', pid])).said).toMatch(/^worker unhealthy: its Redis connection is (connecting|reconnecting|close|end), not ready/)
      await redis.resume()
      await until('healthy once Redis is back', async () => await healthy())

      // no PID named: the worker that beats here, whatever its PID (in a container under --init or tini it is not 1)
      expect(await check(['worker'])).toEqual({ code: 0, said: 'worker healthy' })

      // a worker that closes removes its heartbeat: not read as healthy from its last beat
      w.child.kill('SIGTERM')
      expect((await w.exited).code).toBe(0)
      expect(existsSync(join(tmp, `backprop-worker-${pid}.heartbeat.json`))).toBe(false)
      const gone = await check(['worker', pid])
      expect(gone).toEqual({ code: 1, said: `worker unhealthy: process ${pid} is not running` })
      expect(await check(['worker'])).toEqual({ code: 1, said: `worker unhealthy: no running worker has a heartbeat in ${tmp}: the worker has not started, has closed, or cannot write there (its log says so)` })
      // a file an hour old whose PID a live process has (this one: a PID reused after its worker went) is no worker's
      writeFileSync(join(tmp, `backprop-worker-${process.pid}.heartbeat.json`), JSON.stringify({ pid: process.pid, at: Date.now() - 3_600_000, everyMs: 5000, redis: 'ready', running: true, jobs: [] }))
      expect((await check(['worker'])).said).toMatch(/^worker unhealthy: no running worker has a heartbeat in /)

      // one killed outright leaves its file: unhealthy at once, not for the three beats the file still looks fresh,
      // and the next worker to start removes the file
      const killed = await spawnWorker({ REDIS_URL: redis.url, WORKER_HEARTBEAT_MS: '5000', TMPDIR: tmp })
      const killedPid = killed.child.pid!
      await until('its first heartbeat', async () => existsSync(join(tmp, `backprop-worker-${killedPid}.heartbeat.json`)))
      killed.child.kill('SIGKILL')
      await killed.exited
      expect(await check(['worker', String(killedPid)])).toEqual({ code: 1, said: `worker unhealthy: process ${killedPid} is not running` })
      expect((await check(['worker'])).code).toBe(1)
      const next = await spawnWorker({ REDIS_URL: redis.url, WORKER_HEARTBEAT_MS: '200', TMPDIR: tmp })
      await until('the stale files removed', async () => !existsSync(join(tmp, `backprop-worker-${killedPid}.heartbeat.json`)) && !existsSync(join(tmp, `backprop-worker-${process.pid}.heartbeat.json`)))
      expect(await check(['worker'])).toEqual({ code: 0, said: 'worker healthy' })
      next.child.kill('SIGTERM')
      await next.exited
    } finally {
      await redis.stop()
      rmSync(tmp, { recursive: true, force: true })
    }
  }, 90_000)

  it('refuses a PID that is not one', async () => {
    expect(await checkIn(['worker', 'abc'])).toEqual({ code: 1, said: 'usage: healthcheck.js [api|worker [PID]]; PID must be a process id, got abc' })
  }, 30_000)
})

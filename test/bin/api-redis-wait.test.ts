// The API started while its Redis does not answer (src/bin/api.ts startApi, real HTTP, a private
// redis-server stopped first): it listens, says it waits, answers /readyz 503, and logs "API joined redis"
// only once Redis answers. An operator's trial read "API joined redis" from an API whose Redis was down.
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { startApi, type RunningApi } from '../../src/bin/api.js'
import { loadConfig } from '../../src/config.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { until } from '../support/worker-process.js'

let server: RedisServer | undefined
let api: RunningApi | undefined
afterAll(async () => {
  await api?.close()
  await server?.stop()
})

describe('an API whose Redis answers at start', () => {
  it('says it joined, and never that Redis does not answer (its connection was still being made as it listened)', async () => {
    const live = await startRedisServer()
    const lines: Array<Record<string, unknown>> = []
    const sink = new Writable({ write (chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>); done() } })
    const started = await startApi(loadConfig({ REDIS_URL: live.url, REDIS_PREFIX: '{live}', PORT: '0', LOG_LEVEL: 'info' }), pino({ level: 'info' }, sink))
    try {
      const msgs = lines.map((l) => String(l.msg))
      expect(msgs).toContain('API joined redis')
      expect(msgs.filter((m) => m.includes('does not answer'))).toEqual([])
    } finally {
      await started.close()
      await live.stop()
    }
  }, 60_000)
})

describe('API keys at start', () => {
  it('warns when a key belongs to tenant local, the owner of whatever the API made while open', async () => {
    const live = await startRedisServer()
    const lines: Array<Record<string, unknown>> = []
    const sink = new Writable({ write (chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>); done() } })
    const started = await startApi(loadConfig({ REDIS_URL: live.url, REDIS_PREFIX: '{keys}', PORT: '0', LOG_LEVEL: 'info', API_KEYS: 'key-of-local-0123456:local:read;key-of-other-0123456:acme:admin' }), pino({ level: 'info' }, sink))
    try {
      expect(lines.find((l) => String(l.msg).startsWith('API_KEYS gives keys to tenant local'))).toMatchObject({ level: 40 })
      expect(JSON.stringify(lines)).not.toContain('key-of-local-0123456')
    } finally {
      await started.close()
      await live.stop()
    }
  }, 60_000)
})

describe('an API whose Redis does not answer at start', () => {
  it('listens and says it waits, then says it joined once Redis answers', async () => {
    server = await startRedisServer()
    await server.halt()
    const lines: Array<Record<string, unknown>> = []
    const sink = new Writable({ write (chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>); done() } })
    const config = loadConfig({ REDIS_URL: server.url, REDIS_PREFIX: '{wait}', PORT: '0', LOG_LEVEL: 'info' })
    api = await startApi(config, pino({ level: 'info' }, sink))
    const msgs = (): unknown[] => lines.map((l) => l.msg)
    expect(msgs()).not.toContain('API joined redis')
    expect(lines.find((l) => String(l.msg).startsWith('API listening; redis does not answer yet'))).toMatchObject({ level: 40, redis: server.url, prefix: '{wait}' })
    expect((await fetch(`${api.url}/readyz`)).status).toBe(503)
    await server.resume()
    await until('the API joined redis', async () => msgs().includes('API joined redis'), 30_000)
    await until('ready', async () => (await fetch(`${api!.url}/readyz`)).status === 200, 30_000)
    expect(msgs().filter((m) => m === 'API joined redis')).toHaveLength(1)
  }, 60_000)
})

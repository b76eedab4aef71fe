// A Redis that refuses the API's credentials: whatever the API logs about it, the password stays out of
// the log. ioredis puts the failed command on its errors, and a refused AUTH's arguments are the user and
// the password (an operator's trial found it in the line "subscribing to model events failed").
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { buildApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { createApiRedis } from '../../src/store/redis.js'
import { loggerOptions } from '../../src/logger.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

const PASSWORD = 's3cret-not-for-logs'
let server: RedisServer
beforeAll(async () => { server = await startRedisServer({ args: ['--requirepass', 'the-right-one'] }) })
afterAll(async () => { await server?.stop() })

describe('a Redis that refuses the credentials', () => {
  it('is logged by command name, never with its arguments', async () => {
    const lines: string[] = []
    const logger = pino(loggerOptions({ LOG_LEVEL: 'info' }, false), new Writable({ write (c: Buffer, _e, done) { lines.push(c.toString()); done() } }))
    const url = `redis://default:${PASSWORD}@127.0.0.1:${server.port}`
    const redis = createApiRedis(url)
    redis.on('error', () => undefined)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: url }), redis, logger })
    await app.ready()
    try {
      const deadline = Date.now() + 5000
      while (!lines.some((l) => l.includes('subscribing to model events failed')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      const failed = lines.map((l) => JSON.parse(l) as { msg: string, err?: { message?: string, command?: { name: string, args: unknown } } })
        .find((l) => l.msg === 'subscribing to model events failed')
      expect(failed?.err?.message).toMatch(/WRONGPASS/)
      expect(failed?.err?.command).toEqual({ name: 'auth', args: '[2 not shown]' })
      expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([])
    } finally {
      await app.close()
      redis.disconnect()
    }
  })
})

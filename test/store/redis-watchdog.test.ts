// The API's Redis watchdog (store/redis-watchdog.ts) with a real redis-server of its own: a frozen server
// (SIGSTOP) reads as unresponsive within a second or so, and answers again at once; this process's own event
// loop held by a long synchronous task does not read as a silent Redis (it had answered every tenant 503
// while Redis was fine: a hostile retrial).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedis, type Redis } from '../../src/store/redis.js'
import { watchResponsiveness } from '../../src/store/redis-watchdog.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

let server: RedisServer
let redis: Redis
beforeAll(async () => {
  server = await startRedisServer()
  redis = createRedis(server.url)
  await redis.ping()
})
afterAll(async () => {
  server.thaw()
  redis.disconnect()
  await server.stop()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const lines = (): { said: string[], log: { warn: (f: object, m: string) => void, info: (f: object, m: string) => void } } => {
  const said: string[] = []
  return { said, log: { warn: (_f, m) => said.push(m), info: (_f, m) => said.push(m) } }
}

describe('the Redis watchdog', () => {
  it('a held event loop is not a silent Redis: 1.6 s of synchronous work, and nothing is declared', async () => {
    const { said, log } = lines()
    const watchdog = watchResponsiveness(redis, log)
    try {
      await sleep(600) // PINGs going
      // a PING in flight when the loop is held: Redis holds its answer 600 ms (CLIENT PAUSE), and the PONG arrives while
      // the loop is held, unread until it is free, after the watchdog's next tick
      await redis.call('CLIENT', 'PAUSE', '600', 'ALL')
      await sleep(300)
      const until = Date.now() + 1600
      while (Date.now() < until) { /* a request's long synchronous work */ }
      await sleep(100)
      expect(watchdog.unresponsive()).toBe(false)
      await sleep(800)
      expect(watchdog.unresponsive()).toBe(false)
      expect(said).toEqual([])
    } finally {
      watchdog.close()
    }
  })

  it('a frozen Redis is declared within about a second and answering again once it thaws', async () => {
    const { said, log } = lines()
    const watchdog = watchResponsiveness(redis, log)
    try {
      await sleep(500)
      server.freeze()
      const frozenAt = Date.now()
      while (!watchdog.unresponsive() && Date.now() - frozenAt < 5000) await sleep(50)
      expect(watchdog.unresponsive()).toBe(true)
      expect(Date.now() - frozenAt).toBeLessThan(2500)
      server.thaw()
      const thawedAt = Date.now()
      while (watchdog.unresponsive() && Date.now() - thawedAt < 5000) await sleep(50)
      expect(watchdog.unresponsive()).toBe(false)
      expect(said).toEqual(['redis not answering; failing requests fast until it does', 'redis answering again'])
    } finally {
      server.thaw()
      watchdog.close()
    }
  })
})

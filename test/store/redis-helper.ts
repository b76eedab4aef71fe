// A Redis connection and a key prefix of their own for one test file; afterAll removes every key under it.
import { randomUUID } from 'node:crypto'
import { createRedis, type Redis } from '../../src/store/redis.js'

export function testRedis (label: string): { redis: Redis, prefix: string, cleanup: () => Promise<void> } {
  const url = process.env.REDIS_URL
  if (!url) throw new Error('REDIS_URL is not set: test/global-setup.ts should have started a redis-server')
  const redis = createRedis(url)
  const prefix = `{test-${label}-${randomUUID().slice(0, 8)}}`
  const cleanup = async (): Promise<void> => {
    const stream = redis.scanStream({ match: `${prefix}*`, count: 500 })
    for await (const batch of stream) if ((batch as string[]).length > 0) await redis.del(...(batch as string[]))
    await redis.quit()
  }
  return { redis, prefix, cleanup }
}

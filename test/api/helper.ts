// Builds the app exactly as bin/api.ts does, against the test Redis with a key prefix of its own;
// close() shuts the app, deletes every key under the prefix and quits the connection.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/api/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createRedis, type Redis } from '../../src/store/redis.js'

export interface TestApp {
  readonly app: FastifyInstance
  readonly redis: Redis
  readonly config: Config
  close (): Promise<void>
}

export async function buildTestApp (label: string, env: Record<string, string> = {}): Promise<TestApp> {
  const url = process.env.REDIS_URL
  if (!url) throw new Error('REDIS_URL is not set: test/global-setup.ts should have started a redis-server')
  const config = loadConfig({ REDIS_URL: url, REDIS_PREFIX: `{test-api-${label}-${randomUUID().slice(0, 8)}}`, LOG_LEVEL: 'silent', ...env })
  const redis = createRedis(url)
  const app = await buildApp({ config, redis })
  await app.ready()
  return {
    app,
    redis,
    config,
    async close () {
      await app.close()
      const stream = redis.scanStream({ match: `${config.REDIS_PREFIX}*`, count: 500 })
      for await (const batch of stream) if ((batch as string[]).length > 0) await redis.del(...(batch as string[]))
      await redis.quit()
    }
  }
}

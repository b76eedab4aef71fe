// Tests use REDIS_URL when given; otherwise they start a private redis-server on a free port
// (no persistence, data in a temp dir) and stop it when the run ends.
import { startRedisServer, type RedisServer } from './support/redis-server.js'

let server: RedisServer | undefined

export async function setup (): Promise<void> {
  if (process.env.REDIS_URL) return
  server = await startRedisServer({ appendOnly: false })
  process.env.REDIS_URL = server.url
}

export async function teardown (): Promise<void> {
  await server?.stop()
}

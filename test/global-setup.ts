// Tests use REDIS_URL when given; otherwise they start a private redis-server on a free port
// (no persistence, data in a temp dir) and stop it when the run ends. The console (ui/) is built
// into dist/ui here, once per run, before any test file starts: the browser tests serve it, and a
// build per file (Vite empties dist/ui first) could pull files from under another file's pages.
import { startRedisServer, type RedisServer } from './support/redis-server.js'
import { buildConsole } from './support/console-build.js'

let server: RedisServer | undefined

export async function setup (): Promise<void> {
  await buildConsole()
  if (process.env.REDIS_URL) return
  server = await startRedisServer({ appendOnly: false })
  process.env.REDIS_URL = server.url
}

export async function teardown (): Promise<void> {
  await server?.stop()
}

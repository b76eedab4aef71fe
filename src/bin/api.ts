/**
 * The API process: config → logger → Redis → buildApp → listen, and close-with-grace (finish
 * in-flight requests, then quit Redis). The only file that calls listen(); start.ts reuses startApi.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../api/app.js'
import { loadConfigOrExit, withoutPassword, type Config } from '../config.js'
import { createLogger, logUncaught, type Logger } from '../logger.js'
import { createApiRedis, trackReadiness, type Redis } from '../store/redis.js'
import { refusedSettings, settingsRefusedMessage } from '../store/redis-settings.js'
import { LOCAL_TENANT } from '../security/tenancy.js'
import { watchRedis } from '../store/redis-health.js'
import { onShutdown } from './shutdown.js'
import { withEmbeddedRedis } from './redis-owner.js'
import { stopWhenNpmExits } from './npm-parent.js'
import { portError, PortUnavailableError } from './port-check.js'

export interface RunningApi {
  readonly app: FastifyInstance
  readonly redis: Redis
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string
  /** Stops accepting connections, waits for in-flight requests, then quits Redis. Idempotent. */
  close (): Promise<void>
}

export const REDIS_URL_MISSING = 'REDIS_URL is not set: point it at your Redis (e.g. redis://127.0.0.1:6379), ' +
  'or run `npm start`, which starts an embedded redis-server'

/** How long a starting API waits for its Redis connection before it says Redis does not answer. */
const REDIS_JOIN_GRACE_MS = 1000

/** Resolves once the client is ready or `ms` have passed, whichever is first. */
function readyWithin (redis: { once (event: 'ready', listener: () => void): unknown, off (event: 'ready', listener: () => void): unknown }, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); redis.off('ready', done); resolve() }
    const timer = setTimeout(done, ms)
    redis.once('ready', done)
  })
}

export async function startApi (config: Config, logger: Logger): Promise<RunningApi> {
  if (!config.REDIS_URL) throw new Error(REDIS_URL_MISSING)
  const refused = await refusedSettings(config.REDIS_URL)
  if (refused !== undefined) throw new Error(settingsRefusedMessage(config.REDIS_URL, refused))
  const redis = createApiRedis(config.REDIS_URL)
  watchRedis(redis, logger, 'api')
  trackReadiness(redis)
  let app: FastifyInstance
  let shuttingDown = false
  try {
    app = await buildApp({ config, redis, logger })
    app.addHook('onSend', async (_request, reply) => { if (shuttingDown) void reply.header('connection', 'close') })
    await app.listen({ port: config.PORT, host: config.HOST })
  } catch (err) {
    redis.disconnect()
    // taken since start.ts checked it (or `npm run start:api`): the same one-line refusal
    throw portError(err, config.HOST, config.PORT)
  }
  // which Redis and prefix it joined, once it has: with Redis away at start this line came all the same (an operator's trial)
  const where = { redis: withoutPassword(config.REDIS_URL), prefix: config.REDIS_PREFIX }
  const joined = (): void => { logger.info(where, 'API joined redis') }
  // a connection still being made as the API starts listening is not an outage: one beside a running
  // `npm start` warned that Redis did not answer and joined 7 ms later (a new user's trial)
  if (redis.status !== 'ready') await readyWithin(redis, REDIS_JOIN_GRACE_MS)
  if (redis.status === 'ready') joined()
  else {
    logger.warn(where, 'API listening; redis does not answer yet: /readyz answers 503 and requests that need it 503 until it does')
    redis.once('ready', joined)
  }
  if (config.API_KEYS.length === 0) {
    logger.warn('no API_KEYS: the API is open (every caller is tenant local); set API_KEYS before exposing it beyond this machine')
  } else {
    logger.info({ keys: config.API_KEYS.length, tenants: [...new Set(config.API_KEYS.map((k) => k.tenant))] }, 'API keys loaded')
    // records made while the API ran open, or before tenancy, belong to `local` (security/tenancy.ts ownerOf)
    if (config.API_KEYS.some((k) => k.tenant === LOCAL_TENANT)) {
      logger.warn(`API_KEYS gives keys to tenant ${LOCAL_TENANT}, which owns every record made while the API ran without API_KEYS: those keys read, and may delete, all of them; name the tenant otherwise unless that is meant`)
    }
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.PORT
  let closing: Promise<void> | undefined
  return {
    app,
    redis,
    url: `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`,
    close () {
      closing ??= (async () => {
        // keep-alive sockets must not hold the process: responses from now on close theirs, and
        // sockets that are (or become, as their last request ends) idle are closed until the server is
        shuttingDown = true
        app.server.closeIdleConnections()
        const reaper = setInterval(() => app.server.closeIdleConnections(), 100)
        try {
          await app.close()
        } finally {
          clearInterval(reaper)
          await redis.quit().catch(() => redis.disconnect())
        }
      })()
      return closing
    }
  }
}

async function main (): Promise<void> {
  // without REDIS_URL, join the embedded Redis of an `npm start` running on this DATA_DIR
  const config = withEmbeddedRedis(loadConfigOrExit())
  const logger = createLogger(config)
  logUncaught(logger)
  let api: RunningApi | undefined
  const shutdown = onShutdown(logger, async () => { await api?.close() })
  stopWhenNpmExits((reason) => { void shutdown(reason) })
  try {
    api = await startApi(config, logger)
  } catch (err) {
    if (err instanceof PortUnavailableError) logger.fatal(err.message)
    else logger.fatal({ err }, 'api failed to start')
    await shutdown('start failed', 1)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()

/**
 * `npm start`: everything on one machine in one process group. When REDIS_URL is unset it starts
 * an embedded redis-server (append-only file under DATA_DIR/redis), then the API and a worker.
 * SIGTERM/SIGINT/SIGHUP stop them in order: API (in-flight requests finish), worker (jobs checkpointed), Redis.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, loadConfigOrExit } from '../config.js'
import { createLogger, logUncaught } from '../logger.js'
import { startWorker, type RunningWorker } from '../queue/worker-runner.js'
import { startApi, type RunningApi } from './api.js'
import { RedisNotInstalledError, startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js'
import { onShutdown } from './shutdown.js'
import { RedisInUseError } from './redis-owner.js'
import { stopWhenNpmExits } from './npm-parent.js'
import { checkPortFree, PortUnavailableError } from './port-check.js'

async function main (): Promise<void> {
  let config = loadConfigOrExit()
  const logger = createLogger(config)
  logUncaught(logger)
  let redis: EmbeddedRedis | undefined
  let api: RunningApi | undefined
  let worker: RunningWorker | undefined
  let closing = false

  const shutdown = onShutdown(logger, async () => {
    closing = true
    // new requests stop first; the worker then hands its job back; Redis, which both use, goes last
    await api?.close()
    await worker?.close()
    await redis?.stop()
  }, { timeoutMs: 60_000 })
  // npm dies of SIGHUP without passing it on: its exit is our signal (the embedded Redis must not outlive us)
  stopWhenNpmExits((reason) => { void shutdown(reason) })

  try {
    // before anything starts: a taken port is the commonest refusal, and the cheapest to check
    await checkPortFree(config.HOST, config.PORT)
    if (!config.REDIS_URL) {
      redis = await startEmbeddedRedis(config.DATA_DIR, logger.child({ component: 'redis' }))
      config = loadConfig({ ...process.env, REDIS_URL: redis.url })
      void redis.exited.then((code) => {
        if (closing) return
        logger.error({ code }, 'embedded redis exited unexpectedly')
        void shutdown('redis exited', 1)
      })
    }
    worker = await startWorker(config, logger)
    api = await startApi(config, logger.child({ component: 'api' }))
    logger.info({
      url: api.url, docs: `${api.url}/docs`, console: `${api.url}/ui`, redis: redis ? 'embedded' : 'REDIS_URL',
      // the embedded one's address only: a REDIS_URL may hold a password
      ...(redis ? { redisUrl: redis.url } : {}),
      // more workers: from another terminal here (the embedded Redis is found without REDIS_URL), or from any machine with REDIS_URL
      moreWorkers: redis ? 'npm run start:worker (in another terminal, same directory)' : 'REDIS_URL=<the same> npm run start:worker'
    }, 'backprop is up')
  } catch (err) {
    const nothingStarted = redis === undefined && worker === undefined
    if (err instanceof RedisNotInstalledError || err instanceof RedisInUseError || (err instanceof PortUnavailableError && nothingStarted)) {
      // refused before anything started: the message says what to do, with no shutdown to run or log after it
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    // the port taken between the check and the API's listen: still the one line, then what started stops
    if (err instanceof PortUnavailableError) logger.fatal(err.message)
    else logger.fatal({ err }, 'start failed')
    await shutdown('start failed', 1)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()

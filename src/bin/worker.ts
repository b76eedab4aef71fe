/**
 * Entry point of a training worker process: config → logger → startWorker. SIGTERM/SIGINT hand the
 * running job back (checkpointed) and exit 0; a second signal exits at once.
 */
import { loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { startWorker, type RunningWorker } from '../queue/worker-runner.js'
import { withEmbeddedRedis } from './redis-owner.js'
import { stopWhenNpmExits } from './npm-parent.js'

// without REDIS_URL, join the embedded Redis of an `npm start` running on this DATA_DIR
const config = withEmbeddedRedis(loadConfig())
const logger = createLogger(config)
if (!config.REDIS_URL) {
  logger.fatal('REDIS_URL is not set and no `npm start` runs here with an embedded Redis: point REDIS_URL at the Redis the API uses ' +
    '(npm start logs it as redisUrl)')
  process.exit(1)
}
let running: RunningWorker
try {
  running = await startWorker(config, logger)
} catch (err) {
  logger.fatal({ err }, 'worker failed to start')
  process.exit(1)
}

let stopping = false
const stop = (signal: NodeJS.Signals | string): void => {
  if (stopping) {
    logger.warn({ signal }, 'second signal: exiting now')
    process.exit(1)
  }
  stopping = true
  logger.info({ signal }, 'shutting down')
  running.close().then(() => process.exit(0), (err: unknown) => {
    logger.error({ err }, 'shutdown failed')
    process.exit(1)
  })
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.on('SIGHUP', stop) // the terminal closed: hand the job back as for SIGTERM
// npm dies of SIGHUP without passing it on: its exit is our signal
stopWhenNpmExits((reason) => { if (!stopping) stop(reason) })

/**
 * Entry point of a training worker process: config → logger → startWorker. SIGTERM/SIGINT/SIGHUP hand
 * the running job back (checkpointed) and exit 0; a second signal exits at once (bin/shutdown.ts).
 */
import { loadConfigOrExit } from '../config.js'
import { createLogger, logUncaught } from '../logger.js'
import { startWorker, type RunningWorker } from '../queue/worker-runner.js'
import { withEmbeddedRedis } from './redis-owner.js'
import { stopWhenNpmExits } from './npm-parent.js'
import { onShutdown } from './shutdown.js'

// without REDIS_URL, join the embedded Redis of an `npm start` running on this DATA_DIR
const config = withEmbeddedRedis(loadConfigOrExit())
const logger = createLogger(config)
logUncaught(logger)
if (!config.REDIS_URL) {
  logger.fatal('REDIS_URL is not set and no `npm start` runs here with an embedded Redis: point REDIS_URL at the Redis the API uses ' +
    '(npm start logs it as redisUrl)')
  process.exit(1)
}
let running: RunningWorker | undefined
// the same close-with-grace as the API's and npm start's: a second signal, or a close past the
// deadline (the job's checkpoint is written within a minibatch of the signal), exits at once
const shutdown = onShutdown(logger, async () => { await running?.close() }, { timeoutMs: 60_000 })
// npm dies of SIGHUP without passing it on: its exit is our signal
stopWhenNpmExits((reason) => { void shutdown(reason) })
try {
  running = await startWorker(config, logger)
} catch (err) {
  logger.fatal({ err }, 'worker failed to start')
  await shutdown('start failed', 1)
}

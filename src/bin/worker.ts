/**
 * Entry point of a training worker process: config → logger → startWorker. SIGTERM/SIGINT hand the
 * running job back (checkpointed) and exit 0; a second signal exits at once.
 */
import { loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { startWorker } from '../queue/worker-runner.js'

const config = loadConfig()
const logger = createLogger(config)
const running = await startWorker(config, logger)

let stopping = false
const stop = (signal: NodeJS.Signals): void => {
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

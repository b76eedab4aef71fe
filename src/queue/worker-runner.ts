/**
 * One training worker: Redis → TrainingEngine → BullMQ Worker on the `training` queue, the cancel
 * listener, and an idempotent close() that checkpoints and hands back running jobs. bin/worker.ts
 * calls startWorker; so may a launcher that runs the API and a worker together. It reads no env.
 */
import { hostname } from 'node:os'
import { Worker } from 'bullmq'
import { withoutPassword, type Config } from '../config.js'
import { TrainingEngine } from '../engine/engine.js'
import type { Logger } from '../logger.js'
import { createRedis, type Redis } from '../store/redis.js'
import { refusedSettings, settingsRefusedMessage } from '../store/redis-settings.js'
import { awayFor, awaySince, isConnectionError, rateLimitedLog, watchRedis } from '../store/redis-health.js'
import { createTrainingProcessor } from './training-processor.js'
import { CANCELLED_MESSAGE, LOCK_LOST, TRAINING_QUEUE, cancelChannel, publishFinished, stopChannel, type TrainJobData, type TrainJobResult } from './training-queue.js'
import { createKeys } from '../store/keys.js'
import { chooseKernels, logKernels } from '../kernels/index.js'
import { startSweepWorker } from './sweeps/sweep-worker.js'
import { createCheckpointStore } from './checkpoint.js'
import { RunningAttempts } from './running-attempts.js'
import { startHeartbeat } from './worker-heartbeat.js'

/**
 * How long a closing worker waits for an unavailable Redis before it exits without handing its jobs back
 * (their checkpoints and the hand-back are Redis writes): a Redis restart fits in it, an outage does not.
 */
export const CLOSE_WAIT_FOR_REDIS_MS = 5_000

/** BullMQ's messages for a finishing command whose job lock another attempt now holds, or that expired: the recovery path, not a fault. */
const LOCK_TAKEN = /^(Lock mismatch|Missing lock) for job /

/** BullMQ's reason for a job failed when a worker takes it after more than maxStalledCount stalls. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit'

export type WorkerConfig = Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX' | 'TRAIN_THREADS' | 'WORKER_CONCURRENCY' | 'KERNELS' |
  'CHECKPOINT_EVERY_EPOCHS' | 'CHECKPOINT_EVERY_SECONDS' | 'WORKER_LOCK_DURATION_MS' | 'WORKER_STALLED_INTERVAL_MS' | 'WORKER_MAX_STALLED_COUNT' |
  'WORKER_HEARTBEAT_MS'>

export interface RunningWorker {
  readonly worker: Worker<TrainJobData, TrainJobResult>
  /** Stops taking jobs, checkpoints and hands back the running ones, then closes worker, engine and Redis. */
  close (): Promise<void>
}

export async function startWorker (config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is not set: a worker needs the Redis that the API uses')
  const refused = await refusedSettings(config.REDIS_URL)
  if (refused !== undefined) throw new Error(settingsRefusedMessage(config.REDIS_URL, refused))
  const log = logger.child({ component: 'worker' })
  const prefix = config.REDIS_PREFIX
  const keys = createKeys(prefix)
  const redis: Redis = createRedis(config.REDIS_URL)
  const subscriber: Redis = createRedis(config.REDIS_URL)
  watchRedis(redis, log, 'worker')
  watchRedis(subscriber, log, 'worker-cancel-listener')
  const engine = new TrainingEngine({ threads: config.TRAIN_THREADS })
  logKernels(log, chooseKernels(config.KERNELS))
  const shutdown = new AbortController()

  const attempts = new RunningAttempts()
  const processor = createTrainingProcessor({
    redis, prefix, engine, logger: log, shutdown: shutdown.signal, kernels: config.KERNELS, attempts,
    checkpoint: { everyEpochs: config.CHECKPOINT_EVERY_EPOCHS, everySeconds: config.CHECKPOINT_EVERY_SECONDS }
  })
  const worker = new Worker<TrainJobData, TrainJobResult>(TRAINING_QUEUE, processor, {
    connection: redis,
    prefix: keys.bullPrefix(),
    concurrency: config.WORKER_CONCURRENCY,
    // a job's processedBy names the process that runs it (host:pid): where a sweep's children went
    name: `${hostname()}:${process.pid}`,
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: config.WORKER_MAX_STALLED_COUNT
  })
  // during a Redis outage BullMQ reports each failed command: one line per 10 s says it (watchRedis says when it ends)
  const limited = rateLimitedLog(10_000)
  worker.on('error', (err) => {
    if (isConnectionError(err) || redis.status !== 'ready') limited((suppressed) => log.warn({ err: { message: err.message }, suppressed }, 'worker waiting for redis'))
    // an attempt stopped for a lost lock finishes after another took the job (a Redis outage's usual end): said at warn, without
    // a stack, as the other outage lines are; it paged as an error after every Redis restart (an operator's trial)
    else if (LOCK_TAKEN.test(err.message)) log.warn({ err: { message: err.message } }, 'a stopped attempt\'s job is another attempt\'s now; its result is dropped')
    // said once per job by 'lockRenewalFailed' below; BullMQ repeats it at every renewal until the attempt stops
    else if (!err.message.startsWith('could not renew lock for job')) log.error({ err }, 'worker error')
  })
  // a stalled job (its worker stopped renewing the lock: it died, or Redis was away) goes back to the queue;
  // past WORKER_MAX_STALLED_COUNT stalls BullMQ marks it there to fail when a worker next takes it ('failed' below)
  // counted for /metrics (backprop_training_jobs_stalled_total): BullMQ moves each stalled job once, so one worker counts it
  const count = (key: string): void => { redis.incr(key).catch(() => undefined) } // a count lost to an outage is no one's error
  worker.on('stalled', (jobId) => {
    log.warn({ jobId }, 'job stalled; back in the queue')
    count(keys.stalledJobs())
  })
  // another worker may take a job whose lock this one could not renew: stop it within one minibatch,
  // so that the job never trains twice at once (its save is idempotent too, store/model-write.ts)
  // BullMQ reports the failed renewal again each renewal interval until the attempt has stopped: one line per attempt
  const lockLost = new Set<string>()
  worker.on('active', (job) => { if (job.id) lockLost.delete(job.id) })
  const stopAttempt = (jobId: string, line: string, fields: Record<string, unknown> = {}): void => {
    if (worker.cancelJob(jobId, LOCK_LOST) && !lockLost.has(jobId)) {
      lockLost.add(jobId)
      log.warn({ jobId, ...fields }, line)
    }
  }
  worker.on('lockRenewalFailed', (jobIds) => { for (const jobId of jobIds) stopAttempt(jobId, 'job lock lost; stopping this attempt') })
  // BullMQ hears of a failed renewal only once Redis answers again, so an attempt trained on through an outage and was thrown
  // away when Redis came back (an operator's trial: 430 epochs). A lock is gone once Redis has been away for its whole duration
  // (its expiry is Redis's own clock, kept across a restart): stop then, within a minibatch, as for a lost renewal
  const away = awaySince(redis)
  let lockWatch: NodeJS.Timeout | undefined
  redis.on('close', () => {
    if (lockWatch !== undefined || redis.status === 'end') return
    lockWatch = setTimeout(() => {
      lockWatch = undefined
      const since = away()
      if (since === null || Date.now() - since < config.WORKER_LOCK_DURATION_MS) return
      for (const jobId of attempts.jobIds()) {
        stopAttempt(jobId, 'redis away longer than the job lock (WORKER_LOCK_DURATION_MS): stopping this attempt; the job resumes from its last checkpoint', { awayMs: Date.now() - since })
      }
    }, config.WORKER_LOCK_DURATION_MS + 100)
    lockWatch.unref()
  })
  redis.on('ready', () => { clearTimeout(lockWatch); lockWatch = undefined })
  // 'completed' and 'failed' fire after BullMQ has recorded the outcome, so followers read a final state
  const finished = (jobId: string | undefined): void => {
    if (jobId) publishFinished(redis, prefix, jobId).catch((err: Error) => log.warn({ err, jobId }, 'publishing the end of a job failed'))
  }
  // a sweep's child also tells its sweep (queue/sweeps/), whose event stream announces finished trials
  worker.on('completed', (job) => { finished(job.id); finished(job.data.sweep?.id) })
  const checkpoints = createCheckpointStore(redis, prefix)
  worker.on('failed', (job, err) => {
    if (err.message === CANCELLED_MESSAGE) log.info({ jobId: job?.id }, 'job cancelled')
    else if (err.message === STALLED_TOO_OFTEN && job?.id !== undefined) {
      // no attempt of it will read its checkpoint again
      log.warn({ jobId: job.id, maxStalledCount: config.WORKER_MAX_STALLED_COUNT }, 'job stalled too often (WORKER_MAX_STALLED_COUNT); failed')
      checkpoints.remove(job.id).catch((e: Error) => log.warn({ err: e, jobId: job.id }, 'removing the checkpoint of a failed job failed'))
    } else log.warn({ jobId: job?.id, reason: err.message }, 'job failed')
    if (err.message !== CANCELLED_MESSAGE) count(keys.failedJobs())
    finished(job?.id)
    finished(job?.data.sweep?.id)
  })
  const sweeps = startSweepWorker(redis, prefix, log, {
    lockDuration: config.WORKER_LOCK_DURATION_MS, stalledInterval: config.WORKER_STALLED_INTERVAL_MS, maxStalledCount: config.WORKER_MAX_STALLED_COUNT
  })

  const stopping = stopChannel(prefix)
  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel === stopping) {
      if (attempts.stop(jobId)) log.info({ jobId }, 'stopping running job after its epoch; its model is kept')
    } else if (worker.cancelJob(jobId, 'cancel')) log.info({ jobId }, 'cancelling running job')
  })
  await subscriber.subscribe(cancelChannel(prefix), stopping)
  await worker.waitUntilReady()
  // which Redis and prefix it joined: workers of another prefix never see this API's jobs
  log.info({ threads: engine.pool.size, concurrency: config.WORKER_CONCURRENCY, redis: withoutPassword(config.REDIS_URL), prefix }, 'worker started')
  // for the image's HEALTHCHECK: written from this event loop, so a loop that hangs stops it
  const heartbeatLog = rateLimitedLog(60_000)
  const heartbeat = startHeartbeat(config.WORKER_HEARTBEAT_MS,
    () => ({ redis: redis.status, running: worker.isRunning(), jobs: attempts.jobIds() }),
    (err) => { heartbeatLog((suppressed) => log.warn({ err, suppressed }, 'writing the heartbeat file failed; the health check will read this worker as unhealthy')) })

  let closing: Promise<void> | undefined
  return {
    worker,
    close () {
      closing ??= (async () => {
        log.info('worker closing')
        await heartbeat.stop().catch(() => undefined)
        // the jobs it runs now: a hand-back that fails for want of Redis ends them here ('failed'), though Redis never hears of it
        const runningAtClose = attempts.jobIds()
        shutdown.abort('shutdown')
        clearTimeout(lockWatch)
        const graceful = (async () => {
          await worker.close().catch((err: Error) => log.error({ err }, 'closing the BullMQ worker failed'))
          await sweeps.close().catch((err: Error) => log.error({ err }, 'closing the sweep worker failed'))
          await subscriber.quit().catch(() => undefined)
          await engine.close()
          await redis.quit().catch(() => undefined)
        })()
        // with Redis away, nothing can be handed back, and waiting for it held the exit until the 60 s deadline (exit 1)
        const closed = new AbortController()
        const gaveUp = await Promise.race([graceful.then(() => false), awayFor(away, CLOSE_WAIT_FOR_REDIS_MS, closed.signal)])
        closed.abort()
        if (gaveUp) {
          log.warn({ awayMs: Date.now() - (away() ?? Date.now()), jobs: runningAtClose }, 'redis unavailable while closing: exiting without handing ' +
            'running jobs back; each is taken over from its last checkpoint once its lock expires (WORKER_LOCK_DURATION_MS)')
          graceful.catch(() => undefined)
          // not awaited: a disconnect waits on the connections it closes; the process exits once close() resolves (bin/shutdown.ts)
          for (const connection of [redis, subscriber]) connection.disconnect()
          worker.disconnect().catch(() => undefined)
        }
        log.info('worker closed')
      })()
      return closing
    }
  }
}

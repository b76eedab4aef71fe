/**
 * The BullMQ processor of the `training` queue: validate the job, load and normalise the dataset,
 * train with the engine (off the event loop, so locks keep renewing), record every epoch,
 * checkpoint, resume, and store the model. Not the worker's lifecycle (worker-runner.ts).
 */
import { UnrecoverableError, WaitingError } from 'bullmq'
import type { Redis } from 'ioredis'
import type { EngineResult, TrainingEngine } from '../engine/engine.js'
import type { KernelName } from '../kernels/index.js'
import type { Logger } from '../logger.js'
import type { EpochStats, TrainOptions, TrainState } from '../nn/train.js'
import { parameterCount, type NetworkSpec } from '../nn/spec.js'
import type { Dataset } from '../nn/dataset.js'
import { TrainJobDataSchema, type TrainJobData } from '../schemas/training.js'
import { createDatasetRepository, type DatasetMeta } from '../store/datasets.js'
import { createKeys } from '../store/keys.js'
import { CancelledBeforeStore, createModelRepository, type ModelInfo, type StoredModel } from '../store/models.js'
import { createCheckpointStore } from './checkpoint.js'
import { finiteScores, prepareData, trainingMetrics, withClassWeights, type PreparedData } from './training-data.js'
import { codesWarning, headTargets, labelsWarning, targetsForHead, type HeadTargets } from '../data/class-heads.js'
import { datasetColumns } from '../data/dataset-columns.js'
import { reportOf } from './run-report.js'
import { effectiveTraining } from './train-options.js'
import { createProgressWriter } from './progress-writer.js'
import { RunningAttempts } from './running-attempts.js'
import { CANCELLED_MESSAGE, LOCK_LOST, isCancelMarked, isStopMarked, readEpochs, recordEpochs, type TrainingJob, type TrainJobResult } from './training-queue.js'
import { validationOutputs } from './job-scoring.js'
import { fenceOf, LockLostError, updateProgressFenced, type AttemptFence } from './attempt-fence.js'
import { tagStarted } from './fair-share.js'
import { ownerOf } from '../security/tenancy.js'
import { scoreHeldOut, trialPlan, type TrialRows } from './sweeps/trial-rows.js'

export interface ProcessorDeps {
  readonly redis: Redis
  readonly prefix: string
  readonly engine: TrainingEngine
  readonly logger: Logger
  readonly checkpoint: { everyEpochs: number, everySeconds: number }
  /** aborted when the worker shuts down: the running job is checkpointed and handed back */
  readonly shutdown: AbortSignal
  readonly threads?: number | 'auto'
  readonly kernels?: KernelName
  /** the attempts running here, where the worker's stop listener finds each one's stop signal (a new set when absent: nothing stops them) */
  readonly attempts?: RunningAttempts
}

/** What a job trains on, loaded and checked: its dataset, network, fine-tuning parent, targets per head, rows and their preparation. */
interface Inputs {
  readonly stored: { readonly meta: DatasetMeta, readonly dataset: Dataset }
  readonly spec: NetworkSpec
  readonly parent: StoredModel | null
  readonly how: HeadTargets
  readonly rows: TrialRows & { readonly options: TrainOptions }
  readonly prepared: PreparedData
}

/**
 * What each progress report of an attempt says of it: its batch size as resolved (shownBatchSize), the engine
 * threads it trains on, and its number and resumed epoch when it is not the first (attemptReport).
 */
interface RunFacts { batchSize: number, threads: number, attempt?: number, resumedFromEpoch?: number }

/**
 * What a job's progress says of the attempt that runs it, when it is not the first: its number (BullMQ's
 * attemptsStarted: a worker crashed, was stopped, or lost Redis, and another took the job over) and the
 * epoch it resumed from (its checkpoint's; 0: it started over). Written with every progress report of the
 * attempt, so the job's record says it went through a restart, not only the worker's log (an operator's trial).
 */
export function attemptReport (attemptsStarted: number, resumedFrom: TrainState | null): { attempt?: number, resumedFromEpoch?: number } {
  return attemptsStarted > 1 ? { attempt: attemptsStarted, resumedFromEpoch: resumedFrom?.epoch ?? 0 } : {}
}

/**
 * The batch size a job reports as resolved: scikit-learn's min(200, n) counts the rows it trains on, after its
 * validation split (MLPClassifier clips to them), where the options resolve it on the rows handed to training.
 * The run is the same either way (a minibatch never holds more than every training row); only the number shown
 * differed: iris's 150 for 135 training rows (a console trial).
 */
const shownBatchSize = (batchSize: number, trainRows: number): number => Math.min(batchSize, Math.max(1, trainRows))

/** A batch size given beyond the rows trained on: each epoch is one minibatch of them all. */
function clippedBatchWarning (batchSize: number | undefined, trainRows: number): string | null {
  if (batchSize === undefined || batchSize <= trainRows) return null
  return `batchSize ${batchSize} is more than the ${trainRows} training rows: each epoch was one minibatch of all ${trainRows}`
}

export type TrainingProcessor = (job: TrainingJob, token: string | undefined, signal: AbortSignal | undefined) => Promise<TrainJobResult>

function parseJob (data: unknown): TrainJobData {
  const parsed = TrainJobDataSchema.safeParse(data)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ')
    throw new UnrecoverableError(`invalid training job: ${detail}`)
  }
  return parsed.data
}

export function createTrainingProcessor (deps: ProcessorDeps): TrainingProcessor {
  const { redis, prefix, engine } = deps
  const keys = createKeys(prefix)
  const datasets = createDatasetRepository(redis, prefix)
  const models = createModelRepository(redis, prefix)
  const checkpoints = createCheckpointStore(redis, prefix)

  /** The job's rows, targets and options as the engine trains on them; UnrecoverableError when they cannot be (retrying cannot help). */
  async function loadInputs (data: TrainJobData): Promise<Inputs> {
    // defence in depth: the job reads only its own tenant's records, as admission did
    const stored = await datasets.getMatrices(data.datasetId, data.tenant)
    if (!stored) throw new UnrecoverableError(`dataset '${data.datasetId}' no longer exists; upload it again and submit a new job`)
    const spec = data.network
    let parent: StoredModel | null = null
    if (data.initialModelId !== undefined) {
      parent = await models.getWeights(data.initialModelId, data.tenant)
      if (!parent) throw new UnrecoverableError(`model '${data.initialModelId}' to fine-tune from no longer exists`)
      if (parent.params.length !== parameterCount(spec)) {
        throw new UnrecoverableError(`model '${data.initialModelId}' has ${parent.params.length} parameters; the network to train has ${parameterCount(spec)}`)
      }
    }
    // class codes become one-hot classes, two classes for one sigmoid unit one 0/1 column (data/class-heads.ts)
    const how = headTargets(spec, stored.meta)
    if ('error' in how) throw new UnrecoverableError(how.error)
    // a sweep's child trains on the rows outside its fold and is scored on the rest, with the options
    // (batch size) resolved on the rows it trains on (sweeps/trial-rows.ts)
    const rows = trialPlan(spec, targetsForHead(how, stored.dataset), data.sweep, data.training)
    try {
      const fitted = prepareData(spec, rows.train, rows.options, data.training.normalize ?? 'standard', parent?.meta, { columns: datasetColumns(stored.meta), missing: data.missing })
      const prepared = withClassWeights(fitted, data.training.classWeight, 'classes' in how ? how.classes : undefined)
      return { stored, spec, parent, how, rows, prepared }
    } catch (err) {
      throw new UnrecoverableError(`cannot prepare the dataset: ${(err as Error).message}`)
    }
  }

  /**
   * The job's checkpoint, with its epochs put back, when an earlier attempt got this far (the epochs
   * after it are run again, bit-identically); else null, and the job's recorded epochs cleared.
   */
  async function resumeState (jobId: string, log: Logger): Promise<TrainState | null> {
    const resume = await checkpoints.load(jobId)
    if (!resume) {
      await redis.del(keys.jobHistory(jobId))
      return null
    }
    await redis.ltrim(keys.jobHistory(jobId), 0, resume.epoch - 1)
    // checkpoints carry no history (engine.ts onCheckpoint): the job's list has every epoch up to
    // one, written before it (progress-writer.ts); older checkpoints carry their own
    if (resume.history.length !== resume.epoch) {
      const recorded = await readEpochs(redis, prefix, jobId) as EpochStats[] // what this processor recorded: learningRate always set
      if (recorded.length !== resume.epoch) log.warn({ epoch: resume.epoch, recorded: recorded.length }, 'the job\'s recorded epochs do not reach its checkpoint; resuming with those recorded')
      resume.history = recorded
    }
    log.info({ epoch: resume.epoch }, 'resuming from checkpoint')
    return resume
  }

  /**
   * Trains with the engine, each epoch recorded on the job and each checkpoint stored as it comes,
   * through one coalescing writer (the engine's callbacks are synchronous). A RangeError from the core's
   * boundary checks becomes an UnrecoverableError: the job itself is wrong, retrying cannot help.
   */
  async function trainRecorded (fence: AttemptFence, log: Logger, spec: NetworkSpec, prepared: PreparedData, options: TrainOptions,
    { resume, initialParams, signal, lost, finish, run, report }: { resume: TrainState | null, initialParams: Float32Array | undefined, signal: AbortSignal | undefined, lost: AbortController, finish: AbortSignal, run: RunFacts, report: (progress: object) => Promise<void> }): Promise<EngineResult> {
    const { jobId } = fence
    let writeError: Error | undefined
    const progress = createProgressWriter({
      epochs: async (epochs) => {
        await recordEpochs(redis, prefix, fence, epochs, prepared.trainRows)
        await report({ epoch: epochs[epochs.length - 1].epoch, epochs: options.epochs, updatedAt: new Date().toISOString(), ...run })
      },
      checkpoint: (state) => checkpoints.save(jobId, state, fence),
      failed: (err) => {
        // another worker runs the job now (this process was paused past the lock, say): this attempt stops, writing nothing more
        if (err instanceof LockLostError) {
          if (!lost.signal.aborted) log.warn({ err }, 'this attempt lost the job\'s lock; it stops, and its writes are dropped')
          lost.abort(LOCK_LOST)
          return
        }
        writeError ??= err
        log.warn({ err }, 'recording progress failed')
      }
    })
    try {
      // the threads it reports are the threads it trains on
      return await engine.train(spec, prepared.data, { ...options, threads: run.threads, kernels: deps.kernels ?? 'auto' }, {
        signal: AbortSignal.any([deps.shutdown, lost.signal, ...(signal ? [signal] : [])]),
        finish,
        resume: resume ?? undefined,
        initialParams,
        checkpoint: deps.checkpoint,
        onEpoch: (stats) => { progress.epoch(stats) },
        onCheckpoint: (state) => { progress.checkpoint(state) }
      })
    } catch (err) {
      if (err instanceof RangeError) throw new UnrecoverableError(err.message)
      throw err
    } finally {
      await progress.flushed()
      if (writeError) log.warn({ err: writeError }, 'some epochs were not recorded')
    }
  }

  /** The trained model, stored with what it was trained on and how: its id. Rejects with CancelledBeforeStore when a cancel came first. */
  function storeModel (jobId: string, data: TrainJobData, { stored, spec, how, prepared }: Inputs, params: Float32Array, metrics: ModelInfo['metrics'], training: ModelInfo['training']): Promise<{ id: string }> {
    const { meta } = stored
    return models.save({
      spec,
      params,
      meta: {
        ...(data.modelName !== undefined ? { name: data.modelName } : {}),
        ...(data.tenant !== undefined ? { tenant: data.tenant } : {}),
        datasetId: data.datasetId,
        jobId,
        ...(data.initialModelId !== undefined ? { parentModelId: data.initialModelId } : {}),
        metrics,
        normalization: prepared.normalization,
        ...(prepared.targetNormalization ? { targetNormalization: prepared.targetNormalization } : {}),
        preprocessing: prepared.preprocessing,
        ...('classes' in how && how.classes ? { classes: how.classes } : {}),
        featureNames: meta.featureNames,
        targetNames: meta.targetNames,
        training
      }
    })
  }

  const attempts = deps.attempts ?? new RunningAttempts()
  return async function processTrainingJob (job, token, signal) {
    const jobId = job.id!
    // a Worker always passes the token it locked the job with; every write of the attempt is fenced by it
    if (token === undefined) throw new Error(`job '${jobId}' came without its lock token`)
    const finish = attempts.open(jobId)
    try {
      return await processAttempt(job, token, signal, finish)
    } finally {
      attempts.close(jobId)
    }
  }

  async function processAttempt (job: TrainingJob, token: string, signal: AbortSignal | undefined, finish: AbortSignal): Promise<TrainJobResult> {
    const jobId = job.id!
    const log = deps.logger.child({ jobId })
    const fence = fenceOf(job, token)
    const lost = new AbortController()
    /** The job's progress (BullMQ's), written only while this attempt holds the lock (attempt-fence.ts). */
    const report = async (progress: object): Promise<void> => {
      await updateProgressFenced(redis, fence, progress)
      job.progress = progress
    }
    const handBack = async (state: TrainState | null): Promise<never> => {
      if (state) await checkpoints.save(jobId, state, fence)
      await job.moveToWait(token)
      log.info({ epoch: state?.epoch ?? null }, 'job handed back on shutdown')
      throw new WaitingError()
    }
    // the worker's 'failed' handler logs 'job cancelled' (worker-runner.ts), once
    const cancelled = async (): Promise<never> => {
      await checkpoints.remove(jobId, fence)
      throw new UnrecoverableError(CANCELLED_MESSAGE)
    }

    const data = parseJob(job.data)
    // the fair-share round moves on to this job's (fair-share.ts)
    await tagStarted(redis, prefix, job.opts.priority, ownerOf(data), jobId)
    if (await isCancelMarked(redis, prefix, jobId)) return await cancelled()
    if (deps.shutdown.aborted) return await handBack(null)
    // the job's startedAt stays its first attempt's: a resumed attempt does not restart the clock
    await redis.hsetnx(keys.jobStarted(), jobId, new Date().toISOString())

    const inputs = await loadInputs(data)
    const { stored, spec, parent, how, rows, prepared } = inputs
    const { options } = rows
    const resume = await resumeState(jobId, log)
    // what every progress report of this attempt carries. Its threads are those of the minibatch it trains on, the batch
    // size clipped to the training rows (a retrial's 1,000 on 63 rows had read 2 threads for one shard)
    const batchSize = shownBatchSize(options.batchSize, prepared.trainRows)
    const attempt: RunFacts = { batchSize, threads: engine.threadsFor(spec, batchSize, deps.threads ?? 'auto'), ...attemptReport(job.attemptsStarted, resume) }
    await report({ epoch: resume?.epoch ?? 0, epochs: options.epochs, updatedAt: new Date().toISOString(), ...attempt })

    const started = Date.now()
    // which worker took the job, and when: the line an operator looks for when a job seems stuck
    log.info({ attempt: job.attemptsStarted, epochs: options.epochs, rows: prepared.data.rows, fromEpoch: resume?.epoch ?? 0 }, 'training started')
    // a stop asked for while no worker ran it (between attempts): the resumed run ends after its first epoch
    if (await isStopMarked(redis, prefix, jobId)) attempts.stop(jobId)
    const result = await trainRecorded(fence, log, spec, prepared, options, { resume, initialParams: resume ? undefined : parent?.params, signal, lost, finish, run: attempt, report })
    log.info({ stopReason: result.stopReason, epochs: result.history.length, threads: result.threads, ms: Date.now() - started }, 'training stopped')

    // a numeric target read as classes that looks like a quantity, class labels fitted by a regression head, and a batch size clipped to the
    // training rows (as scikit-learn's MLP warns; the default never is), are said next to the run's own warnings
    const said = [codesWarning(how, stored.meta, stored.dataset.rows), labelsWarning(spec, how), clippedBatchWarning(data.training.batchSize, prepared.trainRows), ...(prepared.warnings ?? [])].filter((w): w is string => w !== null)
    const split = { trainRows: prepared.trainRows, validationRows: prepared.data.rows - prepared.trainRows }
    const runReport = reportOf(said.length === 0 ? result : { ...result, warnings: [...said, ...result.warnings] }, split)
    // a stale attempt's (its lock lost while it ran) throws here: it neither reports nor stores a model
    if (result.stopReason !== 'aborted') await report({ epoch: result.stoppedEpoch, epochs: options.epochs, ...runReport, ...attempt })
    switch (result.stopReason) {
      case 'diverged':
        await checkpoints.remove(jobId, fence)
        throw new UnrecoverableError(result.message)
      case 'aborted':
        if (deps.shutdown.aborted) return await handBack(result.state)
        if (await isCancelMarked(redis, prefix, jobId)) {
          // a cancelled run reports how far it got, as a finished one does
          await report({ epoch: result.stoppedEpoch, epochs: options.epochs, ...runReport, ...attempt })
          return await cancelled()
        }
        // the job may already run elsewhere: its checkpoint is that attempt's now
        if (signal?.reason === LOCK_LOST || lost.signal.aborted) throw new Error(`attempt stopped in epoch ${result.state.epoch + 1}: its lock was lost`)
        // aborted by BullMQ for another reason: keep the checkpoint so that a retry resumes
        await checkpoints.save(jobId, result.state, fence)
        throw new Error(`training was interrupted: ${String(signal?.reason ?? 'unknown reason')}`)
      default: break
    }

    const params = result.params instanceof Float32Array ? result.params : Float32Array.from(result.params)
    const dataset = rows.train
    const scored = await validationOutputs(engine, spec, params, dataset, options, prepared, deps.kernels)
    const metrics = finiteScores('metrics', trainingMetrics(spec, params, dataset, options, prepared, result.history, result.weightsEpoch, scored))
    if (data.sweep) {
      if (!rows.heldOut) throw new UnrecoverableError('the trial holds out no rows to score it on: set training.validationSplit > 0, or folds')
      const scores = finiteScores('scores', await scoreHeldOut(engine, spec, params, rows.heldOut, prepared, deps.kernels))
      await checkpoints.remove(jobId, fence)
      log.info({ sweepId: data.sweep.id, trial: data.sweep.trial, fold: data.sweep.fold?.index ?? null, scores }, 'trial scored')
      return { trial: { scores, metrics, heldOutRows: rows.heldOut.rows } }
    }
    const save = storeModel(jobId, data, inputs, params, metrics, { ...effectiveTraining(data.training, batchSize), ...runReport, message: result.message })
    // a cancel that came before the model could be stored wins: the job ends cancelled with no model
    const record = await save.catch(async (err: unknown) => { if (err instanceof CancelledBeforeStore) return await cancelled(); throw err })
    await checkpoints.remove(jobId, fence)
    log.info({ modelId: record.id, metrics }, 'model stored')
    return { modelId: record.id }
  }
}

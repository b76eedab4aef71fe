/**
 * /v1/training-jobs: admit and enqueue a job, read and list jobs, follow one as server-sent events,
 * cancel one. HTTP mapping only: admission is queue/admission.ts, the queue is queue/training-queue.ts;
 * training happens in workers.
 */
import type { FastifyBaseLogger, FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CONFLICT, DATASET_NOT_FOUND, deleteBeforeFinished, JOB_NOT_FOUND, MODEL_NOT_FOUND, TOO_MANY_FOLLOWERS, withProblem } from '../../errors.js'
import type { JobFollowers } from '../job-followers.js'
import { coalesced } from '../coalesced.js'
import { admitTrainingJob } from '../../queue/admission.js'
import { admissionDeps } from '../admission-deps.js'
import { isFinal, type TrainingJobView, type TrainingQueue } from '../../queue/training-queue.js'
import { IdParams, listOf, NoContent, problems } from '../../schemas/common.js'
import {
  CreateTrainingJobRequest, CreatedTrainingJob, JobListQuery, TrainingJobQuery, TrainingJobResponse, TrainingJobSummary, type EpochRecord, type TrainingJobResponseBody
} from '../../schemas/training.js'

const linksOf = (id: string, modelId?: string): TrainingJobResponseBody['links'] => {
  const self = `/v1/training-jobs/${id}`
  return { self, events: `${self}/events`, cancel: `${self}/cancel`, stop: `${self}/stop`, ...(modelId ? { model: `/v1/models/${modelId}` } : {}) }
}

export const jobResponse = (view: TrainingJobView): TrainingJobResponseBody => ({ ...view, links: linksOf(view.id, view.modelId) })
/** A job without its epoch history (the list's form, and ?history=none's). */
const summaryResponse = ({ history: _h, ...view }: TrainingJobView): Omit<TrainingJobResponseBody, 'history'> => ({ ...view, links: linksOf(view.id, view.modelId) })

/** A comment line this often keeps proxies from closing a quiet stream; it costs no Redis command. */
const KEEP_ALIVE_MS = 15_000

/**
 * Streams a job: the history so far, each new epoch, then `end` with the final status. Joins the
 * job's shared follower (job-followers.ts) before reading the history, so an epoch finishing in
 * between is not lost (epochs are deduplicated). `gone` is the client's going away, watched from the
 * start of the request: a client that leaves at any moment releases its follower at once.
 */
async function streamJob (queue: TrainingQueue, followers: JobFollowers, id: string, tenant: string, reply: FastifyReply, gone: AbortSignal, resumeAfter = 0, log?: FastifyBaseLogger): Promise<void> {
  const raw = reply.raw
  // a reconnecting EventSource sends the last epoch it saw (Last-Event-ID): replay only what follows
  let last = resumeAfter
  let done = false
  const send = (event: string, data: unknown, eventId?: number): void => {
    if (done) return
    raw.write(`event: ${event}\n${eventId === undefined ? '' : `id: ${eventId}\n`}data: ${JSON.stringify(data)}\n\n`)
  }
  const sendEpochs = (history: readonly EpochRecord[]): void => {
    for (const stats of history) if (stats.epoch > last) { send('epoch', stats, stats.epoch); last = stats.epoch }
  }
  const end = (job: TrainingJobView | null): void => {
    if (job) send('end', { status: job.status, ...(job.modelId ? { modelId: job.modelId } : {}), ...(job.error ? { error: job.error } : {}) })
    finish()
  }
  // what the stored history holds past `last`: one read at a time however many live epochs ask (coalesced.ts)
  const catchUp = coalesced(async () => { if (!done) sendEpochs(await queue.history(id, last)) })
  const following = followers.add(id, tenant, (event) => {
    if (event.type === 'end') end(event.job)
    // a live epoch beyond the next one means we missed some: fill the gap from the stored history
    else if (event.type === 'epoch') {
      if (event.stats.epoch > last + 1) void catchUp().catch(() => undefined)
      else sendEpochs([event.stats])
    }
  })
  if (!following) throw new TOO_MANY_FOLLOWERS(id)
  const timer = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS)
  function finish (): void {
    if (done) return
    done = true
    clearInterval(timer)
    following!.remove()
    raw.end()
  }
  gone.addEventListener('abort', finish, { once: true })
  if (gone.aborted || raw.socket?.destroyed !== false) return finish()

  reply.hijack()
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
  raw.flushHeaders() // the client knows the stream is open now, not at its first event or keep-alive
  try {
    await following.ready
    if (done) return
    await catchUp()
    const job = await queue.get(id)
    if (!job || isFinal(job.status)) end(job)
  } catch (err) {
    // Redis went away while starting: the client reconnects (EventSource does) and resumes; said, since it may be something else
    log?.warn({ err, jobId: id }, 'event stream ended while starting: reading the job failed')
    finish()
  }
}

const trainingJobs: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['training-jobs']
  const queue = (): TrainingQueue => fastify.trainingQueue

  fastify.post('/training-jobs', {
    schema: {
      tags,
      summary: 'Queue a training job: a dataset, one of network | networkId | initialModelId, and the training options',
      body: CreateTrainingJobRequest,
      response: { 202: CreatedTrainingJob, ...problems(400, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { tenant } = request
    const data = await admitTrainingJob(request.body, admissionDeps(fastify, tenant))
    // what admission read may be deleted before the job is queued: checked again under the locks a DELETE holds
    // from its in-use check to its removal, so that one of the two requests sees the other (store/resource-lock.ts)
    const parent = data.initialModelId
    const id = await fastify.resourceLocks.holding([`dataset:${data.datasetId}`, ...(parent === undefined ? [] : [`model:${parent}` as const])], async () => {
      if ((await fastify.datasets.get(data.datasetId, tenant)) === null) throw new DATASET_NOT_FOUND(data.datasetId)
      if (parent !== undefined && (await fastify.models.get(parent, tenant)) === null) throw withProblem(new MODEL_NOT_FOUND(parent), { field: 'initialModelId' })
      return await queue().enqueue(data)
    })
    request.log.info({ jobId: id, datasetId: data.datasetId }, 'training job queued')
    return reply.code(202).header('location', `/v1/training-jobs/${id}`).send({ id, status: 'queued' as const, links: linksOf(id) })
  })

  fastify.get('/training-jobs', {
    schema: { tags, summary: 'Training jobs, newest first, a page at a time (without their epoch history); ?status=running,queued for some statuses only', querystring: JobListQuery, response: { 200: listOf(TrainingJobSummary), ...problems(400) } }
  }, async (request) => {
    const { status, ...page } = request.query
    if (status !== undefined) {
      const { views, total } = await queue().listByStatus(request.tenant, status, page)
      return { items: views.map(summaryResponse), total, ...page }
    }
    const [views, total] = await Promise.all([queue().list(undefined, request.tenant, page), queue().count(request.tenant)])
    return { items: views.map(summaryResponse), total, ...page }
  })

  fastify.get('/training-jobs/:id', {
    schema: {
      tags,
      summary: 'One training job: status, progress, epoch history (unless ?history=none), and the model once it succeeded',
      params: IdParams,
      querystring: TrainingJobQuery,
      response: { 200: z.union([TrainingJobResponse, TrainingJobSummary]), ...problems(400, 404) }
    }
  }, async (request) => {
    const withHistory = request.query.history === 'all'
    const view = await queue().get(request.params.id, request.tenant, withHistory)
    if (!view) throw new JOB_NOT_FOUND(request.params.id)
    return withHistory ? jobResponse(view) : summaryResponse(view)
  })

  fastify.get('/training-jobs/:id/events', {
    schema: {
      tags,
      summary: 'Server-sent events: `epoch` for every finished epoch (history replayed first), then one `end` with the final status',
      params: IdParams,
      response: {
        200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...problems(404, 429)
      }
    }
  }, async (request, reply) => {
    // watched before any await: a client gone before its first event still releases everything
    const gone = new AbortController()
    reply.raw.once('close', () => gone.abort())
    // it may have left during the hooks (auth, rate limit), before this listener existed
    if (request.raw.socket?.destroyed !== false) gone.abort()
    const { id } = request.params
    if (!(await queue().get(id, request.tenant))) throw new JOB_NOT_FOUND(id)
    if (gone.signal.aborted) return reply
    // an epoch count: past any job's epochs (1e21, which Redis's LRANGE refuses; 1e309 or a 5,000-digit number, which read as
    // Infinity) it is "after all of them" (MAX_EPOCHS bounds a job's)
    const lastEventId = Number(request.headers['last-event-id'])
    await streamJob(queue(), fastify.jobFollowers, id, request.tenant, reply, gone.signal,
      lastEventId > 0 && (Number.isInteger(lastEventId) || lastEventId === Infinity) ? Math.min(lastEventId, Number.MAX_SAFE_INTEGER) : 0, request.log)
    return reply
  })

  fastify.post('/training-jobs/:id/cancel', {
    schema: {
      tags,
      summary: 'Cancel a job: a queued job never starts; a running one stops within one minibatch and ends `cancelled`, storing no model (a job whose model is already stored is a 409). Answers the job as GET does (?history=none: without its epochs), with `cancelRequestedAt` (the first cancel\'s time)',
      params: IdParams,
      querystring: TrainingJobQuery,
      response: { 202: z.union([TrainingJobResponse, TrainingJobSummary]), ...problems(400, 404, 409) }
    }
  }, async (request, reply) => {
    const withHistory = request.query.history === 'all'
    const result = await queue().cancel(request.params.id, request.tenant, withHistory)
    if (!result) throw new JOB_NOT_FOUND(request.params.id)
    if (result.outcome === 'finished') throw new CONFLICT(`training job '${result.job.id}' has already ${result.job.status === 'cancelled' ? 'been cancelled' : result.job.status}; there is nothing to cancel`)
    if (result.outcome === 'stored') throw new CONFLICT(`training job '${result.job.id}' has already stored its model and ends succeeded; there is nothing to cancel`)
    return reply.code(202).send(withHistory ? jobResponse(result.job) : summaryResponse(result.job))
  })

  fastify.post('/training-jobs/:id/stop', {
    schema: {
      tags,
      summary: 'Stop a running job and keep its model: it ends after the epoch it is in, `succeeded` with stopReason `stopped`, and stores ' +
        'its model as a finished job does (the best epoch\'s weights with early stopping, else the last epoch\'s), as SageMaker\'s ' +
        'StopTrainingJob keeps a job\'s model. Cancel instead to store nothing. A job that has not started, has ended, is being cancelled ' +
        'or is a sweep\'s trial is a 409. Answers the job as GET does (?history=none: without its epochs), with `stopRequestedAt`',
      params: IdParams,
      querystring: TrainingJobQuery,
      response: { 202: z.union([TrainingJobResponse, TrainingJobSummary]), ...problems(400, 404, 409) }
    }
  }, async (request, reply) => {
    const withHistory = request.query.history === 'all'
    const result = await queue().stop(request.params.id, request.tenant, withHistory)
    if (!result) throw new JOB_NOT_FOUND(request.params.id)
    const { job } = result
    switch (result.outcome) {
      case 'finished': throw new CONFLICT(`training job '${job.id}' has already ${job.status === 'cancelled' ? 'been cancelled' : job.status}; there is nothing to stop`)
      case 'not-started': throw new CONFLICT(`training job '${job.id}' has not started: it has no epochs to keep; cancel it (POST /v1/training-jobs/${job.id}/cancel) not to run it`)
      case 'cancelling': throw new CONFLICT(`training job '${job.id}' is being cancelled (asked at ${job.cancelRequestedAt ?? '?'}): it stores no model`)
      case 'in-sweep': throw new CONFLICT(`training job '${job.id}' is ${job.sweep
        ? `a trial of sweep '${result.sweepId}', whose trials are compared at the epochs they were given`
        : `the retraining of sweep '${result.sweepId}', which trains the best trial's configuration as it was scored`}; cancel the sweep instead (POST /v1/sweeps/${result.sweepId}/cancel)`)
      default: break
    }
    request.log.info({ jobId: job.id }, 'training job stop requested')
    return reply.code(202).send(withHistory ? jobResponse(job) : summaryResponse(job))
  })

  fastify.delete('/training-jobs/:id', {
    schema: {
      tags,
      summary: 'Delete a finished job and what is kept for it (its record, epoch history and checkpoint; not the model it stored): Redis keeps every job until then. ' +
        'A queued or running job is a 409 (cancel it first), as is a sweep\'s trial (its results are the sweep\'s)',
      params: IdParams,
      response: { 204: NoContent, ...problems(404, 409) }
    }
  }, async (request, reply) => {
    const result = await queue().remove(request.params.id, request.tenant)
    if (!result) throw new JOB_NOT_FOUND(request.params.id)
    const { job } = result
    if (result.outcome === 'unfinished') throw deleteBeforeFinished(`training job '${job.id}'`, `/v1/training-jobs/${job.id}`, job)
    if (result.outcome === 'in-sweep') throw new CONFLICT(`training job '${job.id}' is ${job.sweep ? 'a trial' : 'the retraining'} of sweep '${result.sweepId}', whose results name it; it stays while the sweep does (DELETE /v1/sweeps/${result.sweepId} deletes both)`)
    request.log.info({ jobId: job.id, tenant: request.tenant }, 'training job deleted')
    return reply.code(204).send()
  })
}

export default trainingJobs

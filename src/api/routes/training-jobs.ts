/**
 * /v1/training-jobs: admit and enqueue a job, read and list jobs, follow one as server-sent events,
 * cancel one. HTTP mapping only: admission is queue/admission.ts, the queue is queue/training-queue.ts;
 * training happens in workers.
 */
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CONFLICT, JOB_NOT_FOUND } from '../../errors.js'
import { admitTrainingJob } from '../../queue/admission.js'
import { isFinal, type JobEvent, type TrainingJobView, type TrainingQueue } from '../../queue/training-queue.js'
import { IdParams, listOf, problems, PageQuery } from '../../schemas/common.js'
import {
  CreateTrainingJobRequest, CreatedTrainingJob, TrainingJobResponse, TrainingJobSummary, type EpochRecord, type TrainingJobResponseBody
} from '../../schemas/training.js'

const linksOf = (id: string, modelId?: string): TrainingJobResponseBody['links'] => {
  const self = `/v1/training-jobs/${id}`
  return { self, events: `${self}/events`, cancel: `${self}/cancel`, ...(modelId ? { model: `/v1/models/${modelId}` } : {}) }
}

export const jobResponse = (view: TrainingJobView): TrainingJobResponseBody => ({ ...view, links: linksOf(view.id, view.modelId) })

/** How often a follower re-reads the job, in case a `finished` message was missed (e.g. a worker died). */
const POLL_MS = 1000

/**
 * Streams a job: the history so far, each new epoch, then `end` with the final status. Subscribes
 * before reading the history, so an epoch finishing in between is not lost (epochs are deduplicated).
 */
async function streamJob (queue: TrainingQueue, id: string, reply: FastifyReply, resumeAfter = 0): Promise<void> {
  const raw = reply.raw
  // a reconnecting EventSource sends the last epoch it saw (Last-Event-ID): replay only what follows
  let last = resumeAfter
  let done = false
  let checking = false
  const send = (event: string, data: unknown, eventId?: number): void => {
    if (done) return
    raw.write(`event: ${event}\n${eventId === undefined ? '' : `id: ${eventId}\n`}data: ${JSON.stringify(data)}\n\n`)
  }
  const sendEpochs = (history: readonly EpochRecord[]): void => {
    for (const stats of history) if (stats.epoch > last) { send('epoch', stats, stats.epoch); last = stats.epoch }
  }
  const hold: { unfollow?: () => Promise<void>, timer?: NodeJS.Timeout } = {}
  const finish = (): void => {
    if (done) return
    done = true
    clearInterval(hold.timer)
    void hold.unfollow?.()
    raw.end()
  }
  const checkEnd = async (): Promise<void> => {
    if (checking || done) return
    checking = true
    try {
      const job = await queue.get(id)
      if (!job) return finish()
      sendEpochs(job.history)
      if (isFinal(job.status)) {
        send('end', { status: job.status, ...(job.modelId ? { modelId: job.modelId } : {}), ...(job.error ? { error: job.error } : {}) })
        finish()
      }
    } finally {
      checking = false
    }
  }

  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
  raw.on('close', finish)
  const onEvent = (event: JobEvent): void => {
    if (event.type === 'epoch') {
      // a live epoch beyond the next one means we missed some: fill the gap from the stored history
      if (event.stats.epoch > last + 1) void queue.history(id).then(sendEpochs)
      else sendEpochs([event.stats])
    } else void checkEnd()
  }
  hold.unfollow = await queue.follow(id, onEvent)
  if (done) return void hold.unfollow()
  sendEpochs(await queue.history(id))
  await checkEnd()
  if (done) return
  hold.timer = setInterval(() => { raw.write(': keep-alive\n\n'); void checkEnd().catch(() => finish()) }, POLL_MS)
}

const trainingJobs: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['training-jobs']
  const queue = (): TrainingQueue => fastify.trainingQueue

  fastify.post('/training-jobs', {
    schema: {
      tags,
      summary: 'Queue a training job: a dataset, one of network | networkId | initialModelId, and the training options',
      body: CreateTrainingJobRequest,
      response: { 202: CreatedTrainingJob, ...problems(400, 404, 422) }
    }
  }, async (request, reply) => {
    const { config } = fastify
    const data = await admitTrainingJob(request.body, {
      datasets: fastify.datasets,
      networks: fastify.networks,
      models: fastify.models,
      tenant: request.tenant,
      limits: { MAX_EPOCHS: config.MAX_EPOCHS, MAX_PARAMETERS: config.MAX_PARAMETERS, MAX_JOB_WORK: config.MAX_JOB_WORK }
    })
    const id = await queue().enqueue(data)
    request.log.info({ jobId: id, datasetId: data.datasetId }, 'training job queued')
    return reply.code(202).header('location', `/v1/training-jobs/${id}`).send({ id, status: 'queued' as const, links: linksOf(id) })
  })

  fastify.get('/training-jobs', {
    schema: { tags, summary: 'Training jobs, newest first, a page at a time (without their epoch history)', querystring: PageQuery, response: { 200: listOf(TrainingJobSummary), ...problems(400) } }
  }, async (request) => {
    const [views, total] = await Promise.all([queue().list(undefined, request.tenant, request.query), queue().count(request.tenant)])
    return { items: views.map(({ history: _h, ...view }) => ({ ...view, links: linksOf(view.id, view.modelId) })), total, ...request.query }
  })

  fastify.get('/training-jobs/:id', {
    schema: { tags, summary: 'One training job: status, progress, epoch history, and the model once it succeeded', params: IdParams, response: { 200: TrainingJobResponse, ...problems(404) } }
  }, async (request) => {
    const view = await queue().get(request.params.id, request.tenant)
    if (!view) throw new JOB_NOT_FOUND(request.params.id)
    return jobResponse(view)
  })

  fastify.get('/training-jobs/:id/events', {
    schema: {
      tags,
      summary: 'Server-sent events: `epoch` for every finished epoch (history replayed first), then one `end` with the final status',
      params: IdParams,
      response: {
        200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...problems(404)
      }
    }
  }, async (request, reply) => {
    const { id } = request.params
    if (!(await queue().get(id, request.tenant))) throw new JOB_NOT_FOUND(id)
    reply.hijack()
    const lastEventId = Number(request.headers['last-event-id'])
    await streamJob(queue(), id, reply, Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0)
    return reply
  })

  fastify.post('/training-jobs/:id/cancel', {
    schema: {
      tags,
      summary: 'Cancel a job: a queued job never starts; a running one stops within one minibatch and ends `cancelled`',
      params: IdParams,
      response: { 202: TrainingJobResponse, ...problems(404, 409) }
    }
  }, async (request, reply) => {
    const result = await queue().cancel(request.params.id, request.tenant)
    if (!result) throw new JOB_NOT_FOUND(request.params.id)
    if (result.outcome === 'finished') throw new CONFLICT(`training job '${result.job.id}' has already ${result.job.status === 'cancelled' ? 'been cancelled' : result.job.status}; there is nothing to cancel`)
    return reply.code(202).send(jobResponse(result.job))
  })
}

export default trainingJobs

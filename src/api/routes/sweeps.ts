/**
 * /v1/sweeps: admit and start a hyper-parameter sweep (a BullMQ flow of training jobs), read and list
 * sweeps, follow one as server-sent events (one `trial` event per finished trial), cancel one. HTTP
 * mapping only: admission is queue/sweeps/sweep-admission.ts, the flow queue/sweeps/sweep-queue.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CONFLICT, DATASET_NOT_FOUND, deleteBeforeFinished, SWEEP_NOT_FOUND, TOO_MANY_SWEEP_FOLLOWERS } from '../../errors.js'
import { admitSweep } from '../../queue/sweeps/sweep-admission.js'
import { admissionDeps } from '../admission-deps.js'
import type { SweepView } from '../../queue/sweeps/sweep-queue.js'
import { isFinal } from '../../queue/training-queue.js'
import { IdParams, listOf, NoContent, PageQuery, problems } from '../../schemas/common.js'
import { CreateSweepRequest, CreatedSweep, SweepResponse, SweepSummary, type SweepResponseBody } from '../../schemas/sweep.js'
import { coalesced } from '../coalesced.js'

const linksOf = (id: string, modelId?: string): SweepResponseBody['links'] => {
  const self = `/v1/sweeps/${id}`
  return { self, events: `${self}/events`, cancel: `${self}/cancel`, ...(modelId ? { model: `/v1/models/${modelId}` } : {}) }
}

const sweepResponse = (view: SweepView): SweepResponseBody => ({ ...view, links: linksOf(view.id, view.modelId) })

/** A sweep is read again this often while streamed, should a child's `finished` message have been missed (a worker died). */
const CHECK_MS = 5_000
const KEEP_ALIVE_MS = 15_000

/**
 * Streams a sweep: a `trial` event (its results row) for each trial as it finishes (those finished
 * already first), then `end` with the sweep's status, best trial and model. Subscribes before the
 * first read, so a trial finishing in between is not lost; each trial is sent once. Counts against
 * the same caps as job streams (stream-caps.ts): per sweep SSE_MAX_FOLLOWERS_PER_JOB, per tenant
 * SSE_MAX_FOLLOWERS_PER_TENANT across jobs and sweeps; over either, 429.
 */
/**
 * The trials a stream has sent, as an event id: a bitmap in hex, character j holding trials 4j…4j+3 (bit t mod 4).
 * Trials finish in any order, so a count would not say which; a sweep's at most MAX_SWEEP_JOBS trials take at most
 * a quarter as many characters.
 */
export function trialSetId (trials: ReadonlySet<number>): string {
  const nibbles: number[] = []
  for (const t of trials) {
    const j = t >> 2
    while (nibbles.length <= j) nibbles.push(0)
    nibbles[j] |= 1 << (t & 3)
  }
  return nibbles.map((n) => n.toString(16)).join('') || '0'
}

/** The trials a Last-Event-ID of trialSetId names; anything else (absent, another stream's id) names none. */
export function trialsOfId (id: string | undefined): Set<number> {
  const trials = new Set<number>()
  if (id === undefined || !/^[0-9a-f]{1,1000}$/.test(id)) return trials
  for (let j = 0; j < id.length; j++) {
    const n = parseInt(id[j], 16)
    for (let b = 0; b < 4; b++) if (n & (1 << b)) trials.add(4 * j + b)
  }
  return trials
}

async function streamSweep (fastify: FastifyInstance, id: string, tenant: string, reply: FastifyReply, gone: AbortSignal, alreadySent: ReadonlySet<number>): Promise<void> {
  const taken = fastify.streamCaps.take(`sweep:${id}`, tenant)
  if (!taken) throw new TOO_MANY_SWEEP_FOLLOWERS(id)
  const giveBack = taken
  const raw = reply.raw
  const sent = new Set<number>(alreadySent)
  let done = false
  // each event's id names every trial sent so far, so a reconnecting EventSource (Last-Event-ID) gets only the others
  const send = (event: string, data: unknown): void => { if (!done) raw.write(`event: ${event}\nid: ${trialSetId(sent)}\ndata: ${JSON.stringify(data)}\n\n`) }
  // one read at a time however many trials finish meanwhile (coalesced.ts)
  const read = coalesced(async () => {
    if (done) return
    const view = await fastify.sweepQueue.get(id)
    if (!view) return finish()
    // a trial's rank moves as later trials finish: the events carry none, and `end` gives the final ranking
    for (const { rank: _provisional, ...trial } of view.results) if (isFinal(trial.status) && !sent.has(trial.trial)) { sent.add(trial.trial); send('trial', trial) }
    if (isFinal(view.status)) {
      const { status, best, modelId, error, progress } = view
      const ranking = view.results.filter((r) => r.rank !== undefined).sort((a, b) => a.rank! - b.rank!).map((r) => r.trial)
      send('end', { status, progress, ranking, ...(best ? { best } : {}), ...(modelId ? { modelId } : {}), ...(error ? { error } : {}) })
      finish()
    }
  })
  const refresh = (): void => { read().catch(() => undefined) } // Redis away: the next message or check reads again
  let unfollow: () => Promise<void>
  try {
    unfollow = await fastify.trainingQueue.follow(id, (event) => { if (event.type === 'finished') refresh() })
  } catch (err) {
    giveBack()
    throw err
  }
  const timers = [setInterval(refresh, CHECK_MS), setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS)]
  function finish (): void {
    if (done) return
    done = true
    giveBack()
    for (const t of timers) clearInterval(t)
    void unfollow().catch(() => undefined)
    raw.end()
  }
  gone.addEventListener('abort', finish, { once: true })
  if (gone.aborted) return finish()
  reply.hijack()
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
  raw.flushHeaders()
  refresh()
}

const sweeps: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['sweeps']

  fastify.post('/sweeps', {
    schema: {
      tags,
      summary: 'Start a hyper-parameter sweep: every configuration (and fold) a training job of one BullMQ flow; the best is retrained and stored under modelName',
      body: CreateSweepRequest,
      response: { 202: CreatedSweep, ...problems(400, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { config } = fastify
    const record = await admitSweep(request.body, {
      ...admissionDeps(fastify, request.tenant),
      sweepLimits: { MAX_SWEEP_JOBS: config.MAX_SWEEP_JOBS, MAX_SWEEP_WORK: config.MAX_SWEEP_WORK }
    })
    // as a training job's POST: checked again under the dataset's lock, which its DELETE holds too (store/resource-lock.ts)
    await fastify.resourceLocks.holding([`dataset:${record.datasetId}`], async () => {
      if ((await fastify.datasets.get(record.datasetId, request.tenant)) === null) throw new DATASET_NOT_FOUND(record.datasetId)
      await fastify.sweepQueue.start(record)
    })
    const jobs = record.trials.reduce((n, t) => n + t.jobIds.length, 0)
    request.log.info({ sweepId: record.id, trials: record.trials.length, jobs }, 'sweep queued')
    return reply.code(202).header('location', `/v1/sweeps/${record.id}`)
      .send({ id: record.id, status: 'queued' as const, trials: record.trials.length, jobs, links: linksOf(record.id) })
  })

  fastify.get('/sweeps', {
    schema: { tags, summary: 'Sweeps, newest first, a page at a time (without their results tables)', querystring: PageQuery, response: { 200: listOf(SweepSummary), ...problems(400) } }
  }, async (request) => {
    const [views, total] = await Promise.all([fastify.sweepQueue.list(request.tenant, request.query), fastify.sweepQueue.count(request.tenant)])
    return { items: views.map((v) => ({ ...v, links: linksOf(v.id, v.modelId) })), total, ...request.query }
  })

  fastify.get('/sweeps/:id', {
    schema: { tags, summary: 'One sweep: status, progress, the best trial, the retrained model, and the results table (metric per fold, mean, std, rank, job ids)', params: IdParams, response: { 200: SweepResponse, ...problems(404) } }
  }, async (request) => {
    const view = await fastify.sweepQueue.get(request.params.id, request.tenant)
    if (!view) throw new SWEEP_NOT_FOUND(request.params.id)
    return sweepResponse(view)
  })

  fastify.get('/sweeps/:id/events', {
    schema: {
      tags,
      summary: 'Server-sent events: `trial` (its results row, without a rank: ranks move as trials finish) for every trial that ends (succeeded, failed, or cancelled with the sweep), ' +
        'then one `end` with the status, the ranking (trial numbers, best first), best trial and model. Each event\'s id names the trials sent so far: ' +
        'a reconnect with Last-Event-ID (as EventSource sends it) gets only the trials it has not seen, then `end`; without it, every finished trial',
      params: IdParams,
      response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } }, ...problems(404, 429) }
    }
  }, async (request, reply) => {
    const gone = new AbortController()
    reply.raw.once('close', () => gone.abort())
    if (request.raw.socket?.destroyed !== false) gone.abort()
    if (!(await fastify.sweepQueue.get(request.params.id, request.tenant))) throw new SWEEP_NOT_FOUND(request.params.id)
    const lastEventId = request.headers['last-event-id']
    await streamSweep(fastify, request.params.id, request.tenant, reply, gone.signal, trialsOfId(Array.isArray(lastEventId) ? lastEventId[0] : lastEventId))
    return reply
  })

  fastify.post('/sweeps/:id/cancel', {
    schema: {
      tags,
      summary: 'Cancel a sweep: queued children never start, running ones stop within one minibatch (as POST /v1/training-jobs/{id}/cancel); the sweep ends `cancelled`',
      params: IdParams,
      response: { 202: SweepResponse, ...problems(404, 409) }
    }
  }, async (request, reply) => {
    const result = await fastify.sweepQueue.cancel(request.params.id, request.tenant)
    if (!result) throw new SWEEP_NOT_FOUND(request.params.id)
    if (result.outcome === 'finished') throw new CONFLICT(`sweep '${result.sweep.id}' has already ${result.sweep.status === 'cancelled' ? 'been cancelled' : result.sweep.status}; there is nothing to cancel`)
    return reply.code(202).send(sweepResponse(result.sweep))
  })

  fastify.delete('/sweeps/:id', {
    schema: {
      tags,
      summary: 'Delete a finished sweep and what is kept for it: its record and results, and every trial\'s and the retraining\'s training job ' +
        '(records, epoch histories, checkpoints); not the model it stored. A queued or running sweep is a 409 (cancel it first)',
      params: IdParams,
      response: { 204: NoContent, ...problems(404, 409) }
    }
  }, async (request, reply) => {
    const result = await fastify.sweepQueue.remove(request.params.id, request.tenant)
    if (!result) throw new SWEEP_NOT_FOUND(request.params.id)
    const { sweep } = result
    if (result.outcome === 'unfinished') throw deleteBeforeFinished(`sweep '${sweep.id}'`, `/v1/sweeps/${sweep.id}`, sweep)
    request.log.info({ sweepId: sweep.id, tenant: request.tenant }, 'sweep deleted')
    return reply.code(204).send()
  })
}

export default sweeps

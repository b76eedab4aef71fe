/**
 * Follows server-sent events over fetch rather than EventSource, because EventSource cannot send the
 * API key. eventsource-parser reads the stream; a dropped connection is opened again with Last-Event-ID,
 * as EventSource would (a job's: the last epoch seen; a sweep's: the trials seen), until the stream's `end` event.
 * A training job's stream: GET /v1/training-jobs/:id/events; a sweep's: GET /v1/sweeps/:id/events.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { authHeaders } from './api.js'
import type { Epoch, JobStatus, SweepEnd, TrialResult } from './types.js'

export interface JobEnd { status: JobStatus, modelId?: string, error?: string }

export interface Follower {
  onEpoch (stats: Epoch): void
  onEnd (end: JobEnd): void
  onError (message: string): void
  /** the stream answers again after an onError: whatever that error put on the page is stale */
  onResumed (): void
}

export interface SweepFollower {
  /** a finished trial's results row, each once (a reconnect sends the id of the trials seen) */
  onTrial (trial: TrialResult): void
  onEnd (end: SweepEnd): void
  onError (message: string): void
  /** the stream answers again after an onError */
  onResumed (): void
}

const RETRY_MS = 1000

/**
 * Reads `path`'s events into `onEvent` until one is `end` or `signal` aborts; `headers` is asked at each
 * (re)connect. After an `onError`, the next connect that answers calls `onResumed`.
 */
async function follow (path: string, signal: AbortSignal, onEvent: (event: EventSourceMessage) => void,
  on: { onError (message: string): void, onResumed (): void }, headers: () => Record<string, string> = () => ({})): Promise<void> {
  let ended = false
  let failed = false
  const parser = createParser({
    onEvent (event) {
      if (event.event === 'end') ended = true
      onEvent(event)
    }
  })
  while (!ended && !signal.aborted) {
    try {
      const res = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders(), ...headers() }, signal })
      if (!res.ok || !res.body) { on.onError(`the event stream answered ${res.status}`); return }
      if (failed) { failed = false; on.onResumed() }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        parser.feed(value)
      }
      parser.reset()
    } catch (err) {
      if (signal.aborted) return
      failed = true
      on.onError(`the event stream was interrupted (${(err as Error).message}); reconnecting`)
    }
    if (!ended && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
  }
}

export async function followJob (id: string, after: number, signal: AbortSignal, on: Follower): Promise<void> {
  let last = after
  await follow(`/v1/training-jobs/${encodeURIComponent(id)}/events`, signal, (event) => {
    if (event.event === 'epoch') {
      const stats = JSON.parse(event.data) as Epoch
      if (stats.epoch > last) { last = stats.epoch; on.onEpoch(stats) }
    } else if (event.event === 'end') {
      on.onEnd(JSON.parse(event.data) as JobEnd)
    }
  }, on, (): Record<string, string> => (last > 0 ? { 'last-event-id': String(last) } : {}))
}

export async function followSweep (id: string, signal: AbortSignal, on: SweepFollower): Promise<void> {
  // each event's id names the trials sent so far: a reconnect sends it back and gets only the others
  let lastId: string | undefined
  await follow(`/v1/sweeps/${encodeURIComponent(id)}/events`, signal, (event) => {
    if (event.id !== undefined) lastId = event.id
    if (event.event === 'trial') on.onTrial(JSON.parse(event.data) as TrialResult)
    else if (event.event === 'end') on.onEnd(JSON.parse(event.data) as SweepEnd)
  }, on, (): Record<string, string> => (lastId !== undefined ? { 'last-event-id': lastId } : {}))
}

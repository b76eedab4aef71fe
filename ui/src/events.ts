/**
 * Follows a training job's server-sent events (GET /v1/training-jobs/:id/events) over fetch rather
 * than EventSource, because EventSource cannot send the API key. eventsource-parser reads the
 * stream; a dropped connection resumes with Last-Event-ID (the last epoch seen), as EventSource would.
 */
import { createParser } from 'eventsource-parser'
import { authHeaders } from './api.js'
import type { Epoch, JobStatus } from './types.js'

export interface JobEnd { status: JobStatus, modelId?: string, error?: string }

export interface Follower {
  onEpoch (stats: Epoch): void
  onEnd (end: JobEnd): void
  onError (message: string): void
}

const RETRY_MS = 1000

export async function followJob (id: string, after: number, signal: AbortSignal, on: Follower): Promise<void> {
  let last = after
  let ended = false
  const parser = createParser({
    onEvent (event) {
      if (event.event === 'epoch') {
        const stats = JSON.parse(event.data) as Epoch
        if (stats.epoch > last) { last = stats.epoch; on.onEpoch(stats) }
      } else if (event.event === 'end') {
        ended = true
        on.onEnd(JSON.parse(event.data) as JobEnd)
      }
    }
  })
  while (!ended && !signal.aborted) {
    try {
      const res = await fetch(`/v1/training-jobs/${encodeURIComponent(id)}/events`, {
        headers: { accept: 'text/event-stream', ...authHeaders(), ...(last > 0 ? { 'last-event-id': String(last) } : {}) },
        signal
      })
      if (!res.ok || !res.body) { on.onError(`the event stream answered ${res.status}`); return }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        parser.feed(value)
      }
      parser.reset()
    } catch (err) {
      if (signal.aborted) return
      on.onError(`the event stream was interrupted (${(err as Error).message}); reconnecting`)
    }
    if (!ended && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
  }
}

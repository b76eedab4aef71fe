/**
 * Builds datasets from CSV uploads. Small bodies are built inline; large ones (a 50 MiB CSV takes
 * seconds to parse) on a thread of their own, so the API's event loop keeps answering predictions
 * meanwhile. One thread, started on first use, requests in order; close() stops it.
 */
import { Worker } from 'node:worker_threads'
import type { BuiltDataset } from '../../data/build-dataset.js'
import { buildCsvDataset, type CsvJob } from './build-csv.js'
import type { CsvReply, ThreadError } from './handle.js'

export interface CsvBuilder {
  build (job: CsvJob): Promise<BuiltDataset>
  close (): Promise<void>
}

// Under tsx/vitest the API runs from .ts sources: the thread must load them the same way.
const fromSource = import.meta.url.endsWith('.ts')
const entry = new URL(fromSource ? './thread-from-source.mjs' : './thread-main.js', import.meta.url)

/** The error as thrown on the thread: same message, code, status and problem fields for the error handler. */
const revive = (e: ThreadError): Error => Object.assign(new Error(e.message), { name: e.name, code: e.code, statusCode: e.statusCode, problem: e.problem })

export function createCsvBuilder ({ inlineBelowBytes = 256 * 1024 } = {}): CsvBuilder {
  let worker: Worker | undefined
  let nextId = 0
  const waiting = new Map<number, { resolve: (b: BuiltDataset) => void, reject: (e: Error) => void }>()

  const failAll = (err: Error): void => {
    for (const w of waiting.values()) w.reject(err)
    waiting.clear()
    worker = undefined
  }
  const thread = (): Worker => {
    if (worker) return worker
    const w = new Worker(entry)
    w.on('message', (reply: CsvReply) => {
      const w8 = waiting.get(reply.id)
      if (!w8) return
      waiting.delete(reply.id)
      if ('error' in reply) w8.reject(revive(reply.error))
      else w8.resolve(reply.built)
    })
    w.on('error', (err) => failAll(new Error(`the CSV thread failed: ${err.message}`)))
    w.on('exit', () => { if (worker === w) failAll(new Error('the CSV thread stopped')) })
    w.unref() // an idle parser must not keep the process alive
    worker = w
    return w
  }

  return {
    async build (job) {
      if (job.text.length < inlineBelowBytes) return buildCsvDataset(job)
      const id = nextId++
      return await new Promise<BuiltDataset>((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        thread().postMessage({ id, ...job })
      })
    },
    async close () {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    }
  }
}

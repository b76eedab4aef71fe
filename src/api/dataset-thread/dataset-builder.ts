/**
 * Builds datasets from uploads. Small bodies are built inline; large ones (a 50 MiB CSV takes seconds
 * to parse, a 12 MB JSON body ≈0.6 s to parse and validate) on a thread of their own, so the API's
 * event loop keeps answering predictions meanwhile. One thread, started on first use, requests in
 * order; close() stops it.
 */
import { Worker } from 'node:worker_threads'
import type { BuiltDataset } from '../../data/build-dataset.js'
import { buildCsvDataset, type CsvJob } from './build-csv.js'
import type { JsonBuilt, JsonJob } from './build-json.js'
import type { DatasetReply, DatasetRequest, ThreadError } from './handle.js'

export interface DatasetBuilder {
  /** Bodies of this many bytes or more go to the thread. */
  readonly threadFromBytes: number
  buildCsv (job: CsvJob): Promise<BuiltDataset>
  /** A large JSON body on the thread; undefined when it must be parsed and validated on the event loop (build-json.ts). */
  buildJson (job: JsonJob): Promise<JsonBuilt | undefined>
  close (): Promise<void>
}

// Under tsx/vitest the API runs from .ts sources: the thread must load them the same way.
const fromSource = import.meta.url.endsWith('.ts')
const entry = new URL(fromSource ? './thread-from-source.mjs' : './thread-main.js', import.meta.url)

/** The error as thrown on the thread: same message, code, status and problem fields for the error handler. */
const revive = (e: ThreadError): Error => Object.assign(new Error(e.message), { name: e.name, code: e.code, statusCode: e.statusCode, problem: e.problem })

type Job = { readonly kind: 'csv' } & CsvJob | { readonly kind: 'json' } & JsonJob

export function createDatasetBuilder ({ threadFromBytes = 256 * 1024 } = {}): DatasetBuilder {
  let worker: Worker | undefined
  let nextId = 0
  type Result = BuiltDataset | JsonBuilt | undefined
  const waiting = new Map<number, { resolve: (b: Result) => void, reject: (e: Error) => void }>()

  const failAll = (err: Error): void => {
    for (const w of waiting.values()) w.reject(err)
    waiting.clear()
    worker = undefined
  }
  const thread = (): Worker => {
    if (worker) return worker
    const w = new Worker(entry)
    w.on('message', (reply: DatasetReply) => {
      const w8 = waiting.get(reply.id)
      if (!w8) return
      waiting.delete(reply.id)
      if ('error' in reply) w8.reject(revive(reply.error))
      else w8.resolve(reply.built)
    })
    w.on('error', (err) => failAll(new Error(`the dataset thread failed: ${err.message}`)))
    w.on('exit', () => { if (worker === w) failAll(new Error('the dataset thread stopped')) })
    w.unref() // an idle parser must not keep the process alive
    worker = w
    return w
  }
  const onThread = (job: Job): Promise<Result> => {
    const id = nextId++
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject })
      thread().postMessage({ id, ...job } satisfies DatasetRequest)
    })
  }

  return {
    threadFromBytes,
    async buildCsv (job) {
      if (job.text.length < threadFromBytes) return buildCsvDataset(job)
      return await onThread({ kind: 'csv', ...job }) as BuiltDataset
    },
    async buildJson (job) {
      return await onThread({ kind: 'json', ...job }) as JsonBuilt | undefined
    },
    async close () {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    }
  }
}

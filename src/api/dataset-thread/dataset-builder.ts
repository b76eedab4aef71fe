/**
 * Builds datasets from uploads. Small bodies are built inline; large ones (a 50 MiB CSV takes seconds
 * to parse, a 12 MB JSON body ≈0.6 s to parse and validate) on a thread of their own, so the API's
 * event loop keeps answering predictions meanwhile. One thread, started on first use, requests in
 * order; close() stops it.
 */
import type { BuiltDataset } from '../../data/build-dataset.js'
import { ThreadClient } from '../../threads/thread-client.js'
import { buildCsvDataset, type CsvJob } from './build-csv.js'
import type { JsonBuilt, JsonJob } from './build-json.js'
import type { DatasetReply, DatasetRequest } from './handle.js'

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

export function createDatasetBuilder ({ threadFromBytes = 256 * 1024 } = {}): DatasetBuilder {
  // errors come back with their code, status and problem fields, as if thrown inline
  const thread = new ThreadClient<DatasetRequest, DatasetReply>({ entry, name: 'the dataset thread' })

  return {
    threadFromBytes,
    async buildCsv (job) {
      if (job.bytes.length < threadFromBytes) return buildCsvDataset(job)
      return await thread.request({ kind: 'csv', ...job }) as BuiltDataset
    },
    async buildJson (job) {
      return await thread.request({ kind: 'json', ...job }) as JsonBuilt | undefined
    },
    close () { return thread.close() }
  }
}

/** One request on the dataset thread: the built dataset, or the error as plain fields (errors do not cross threads whole). */
import type { BuiltDataset } from '../../data/build-dataset.js'
import { buildCsvDataset, type CsvJob } from './build-csv.js'
import { buildJsonDataset, type JsonBuilt, type JsonJob } from './build-json.js'

export type DatasetRequest =
  | (CsvJob & { readonly id: number, readonly kind: 'csv' })
  | (JsonJob & { readonly id: number, readonly kind: 'json' })
export interface ThreadError { name: string, message: string, code?: string, statusCode?: number, problem?: unknown }
/** csv: the dataset; json: the dataset and its name, or undefined for the general path (build-json.ts) */
export type DatasetReply = { readonly id: number, readonly built: BuiltDataset | JsonBuilt | undefined } | { readonly id: number, readonly error: ThreadError }

export function handleDatasetRequest (req: DatasetRequest): DatasetReply {
  try {
    return { id: req.id, built: req.kind === 'csv' ? buildCsvDataset(req) : buildJsonDataset(req) }
  } catch (err) {
    const e = err as Error & { code?: string, statusCode?: number, problem?: unknown }
    return { id: req.id, error: { name: e.name, message: e.message, code: e.code, statusCode: e.statusCode, problem: e.problem } }
  }
}

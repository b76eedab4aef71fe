/** One CSV request on the thread: the built dataset, or the error as plain fields (errors do not cross threads whole). */
import type { BuiltDataset } from '../../data/build-dataset.js'
import { buildCsvDataset, type CsvJob } from './build-csv.js'

export interface CsvRequest extends CsvJob { readonly id: number }
export interface ThreadError { name: string, message: string, code?: string, statusCode?: number, problem?: unknown }
export type CsvReply = { readonly id: number, readonly built: BuiltDataset } | { readonly id: number, readonly error: ThreadError }

export function handleCsv (req: CsvRequest): CsvReply {
  try {
    return { id: req.id, built: buildCsvDataset(req) }
  } catch (err) {
    const e = err as Error & { code?: string, statusCode?: number, problem?: unknown }
    return { id: req.id, error: { name: e.name, message: e.message, code: e.code, statusCode: e.statusCode, problem: e.problem } }
  }
}

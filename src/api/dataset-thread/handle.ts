/** One request on the dataset thread: the built dataset; an error is thrown, and crosses back as plain fields (threads/thread-server.ts). */
import type { BuiltDataset } from '../../data/build-dataset.js'
import { buildCsvDataset, type CsvJob } from './build-csv.js'
import { buildJsonDataset, type JsonBuilt, type JsonJob } from './build-json.js'

export type DatasetRequest =
  | (CsvJob & { readonly kind: 'csv' })
  | (JsonJob & { readonly kind: 'json' })
/** csv: the dataset; json: the dataset and its name, or undefined for the general path (build-json.ts) */
export type DatasetReply = BuiltDataset | JsonBuilt | undefined

export function handleDatasetRequest (req: DatasetRequest): DatasetReply {
  return req.kind === 'csv' ? buildCsvDataset(req) : buildJsonDataset(req)
}

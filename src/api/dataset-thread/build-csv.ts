/** What a CSV upload becomes: decode (data/csv-decode.ts), parse (data/csv-table.ts) and build (data/build-dataset.ts). Pure; runs inline or on the dataset thread. */
import { decodeCsv, type CsvSource } from '../../data/csv-decode.js'
import { csvToTable, type CsvTableOptions } from '../../data/csv-table.js'
import { buildDataset, type BuiltDataset, type DatasetLimits } from '../../data/build-dataset.js'

/** The body's (or a form file's) bytes as sent, and their encoding (csvEncoding's name for the declared charset). */
export interface CsvJob { readonly bytes: Uint8Array, readonly encoding: string, readonly options: CsvTableOptions, readonly limits: DatasetLimits, readonly source?: CsvSource }

export function buildCsvDataset ({ bytes, encoding, options, limits, source }: CsvJob): BuiltDataset {
  const { input, places } = csvToTable(decodeCsv(bytes, encoding, source), options, limits.maxRows)
  return buildDataset(input, limits, places)
}

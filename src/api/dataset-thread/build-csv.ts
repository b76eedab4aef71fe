/** What a CSV upload becomes: parse (data/csv.ts) and build (data/build-dataset.ts). Pure; runs inline or on the dataset thread. */
import { csvToTable, type CsvTableOptions } from '../../data/csv.js'
import { buildDataset, type BuiltDataset } from '../../data/build-dataset.js'

export interface CsvJob { readonly text: string, readonly options: CsvTableOptions, readonly maxRows: number }

export function buildCsvDataset ({ text, options, maxRows }: CsvJob): BuiltDataset {
  return buildDataset(csvToTable(text, options), maxRows)
}

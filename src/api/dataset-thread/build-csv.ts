/** What a CSV upload becomes: parse (data/csv-table.ts) and build (data/build-dataset.ts). Pure; runs inline or on the dataset thread. */
import { csvToTable, type CsvTableOptions } from '../../data/csv-table.js'
import { buildDataset, type BuiltDataset, type DatasetLimits } from '../../data/build-dataset.js'

export interface CsvJob { readonly text: string, readonly options: CsvTableOptions, readonly limits: DatasetLimits }

export function buildCsvDataset ({ text, options, limits }: CsvJob): BuiltDataset {
  const { input, places } = csvToTable(text, options)
  return buildDataset(input, limits, places)
}

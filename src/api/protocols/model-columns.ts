/**
 * A stored model's raw feature columns, as the serving protocols describe and read its inputs: its
 * preprocessing's columns (names, kinds, categories), or, for a model stored before columns had kinds,
 * numeric columns named by its feature names (x0, x1, … without them).
 */
import { numericColumns, type Preprocessing } from '../../data/model-inputs.js'
import type { ModelRecord } from '../../store/models.js'

export function columnsOf (record: ModelRecord): Preprocessing['columns'] {
  if (record.preprocessing) return record.preprocessing.columns
  const { columns } = numericColumns(record.network.inputs)
  return record.featureNames?.length === columns.length ? columns.map((c, i) => ({ ...c, name: record.featureNames![i] })) : columns
}

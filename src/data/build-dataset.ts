/**
 * One path from an upload (JSON body or parsed CSV) to a checked Dataset with names, classes and
 * column statistics. Pure; storing it is store/datasets.ts's job.
 */
import { datasetFromRows, type Dataset } from '../nn/dataset.js'
import { BAD_DATASET, DATASET_TOO_LARGE, withProblem } from '../errors.js'
import { columnStats, type ColumnStats } from './column-stats.js'
import { encodeTargets, type RawTarget } from './encode-targets.js'

export interface DatasetInput {
  readonly features: readonly (readonly number[])[]
  readonly targets: readonly RawTarget[]
  readonly featureNames?: readonly string[]
  readonly targetNames?: readonly string[]
}

export interface BuiltDataset {
  readonly dataset: Dataset
  readonly featureNames: string[]
  /** Names of the target columns as sent (one name for a label column, however many classes it has). */
  readonly targetNames: string[]
  readonly classes?: string[]
  readonly featureStats: ColumnStats[]
  readonly targetStats: ColumnStats[]
}

function names (given: readonly string[] | undefined, width: number, stem: string, field: string): string[] {
  if (given === undefined) return Array.from({ length: width }, (_, i) => `${stem}${i}`)
  if (given.length !== width) {
    throw withProblem(new BAD_DATASET(`${field} has ${given.length} names; the data has ${width} columns`), { field })
  }
  if (new Set(given).size !== given.length) throw withProblem(new BAD_DATASET(`${field} has a repeated name`), { field })
  return [...given]
}

/** RangeErrors from the nn checks ("features row 3, column 2: ...") become 400 problems with the same text. */
export function buildDataset (input: DatasetInput, maxRows = Infinity): BuiltDataset {
  const rows = input.features.length
  if (rows > maxRows) throw new DATASET_TOO_LARGE(rows, maxRows)
  if (input.targets.length !== rows) {
    throw withProblem(new BAD_DATASET(`targets has ${input.targets.length} rows; features has ${rows}; send one target per feature row`), { field: 'targets' })
  }
  const encoded = encodeTargets(input.targets)
  let dataset: Dataset
  try {
    dataset = datasetFromRows(input.features, encoded.rows)
  } catch (err) {
    if (err instanceof RangeError) throw withProblem(new BAD_DATASET(err.message), locate(err.message))
    throw err
  }
  const targetWidth = encoded.classes ? 1 : dataset.outputs
  return {
    dataset,
    featureNames: names(input.featureNames, dataset.inputs, 'x', 'featureNames'),
    targetNames: names(input.targetNames, targetWidth, encoded.classes ? 'class' : 'y', 'targetNames'),
    ...(encoded.classes ? { classes: encoded.classes } : {}),
    featureStats: columnStats(dataset.x, dataset.rows, dataset.inputs),
    targetStats: columnStats(dataset.y, dataset.rows, dataset.outputs)
  }
}

/** "features row 3, column 2: ..." → { field: 'features[3][2]', row: 3, column: 2 }. */
function locate (message: string): Record<string, string | number> {
  const m = /^(features|targets) row (\d+)(?:, column (\d+))?/.exec(message)
  if (!m) return {}
  const row = Number(m[2])
  return m[3] === undefined
    ? { field: `${m[1]}[${row}]`, row }
    : { field: `${m[1]}[${row}][${m[3]}]`, row, column: Number(m[3]) }
}

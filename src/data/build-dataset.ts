/**
 * One path from an upload (JSON body or parsed CSV) to a checked Dataset with names, column kinds,
 * classes and column statistics. Pure; storing it is store/datasets.ts's job. The stored features are
 * codes (feature-columns.ts): one float per raw column, NaN where a cell is missing.
 */
import type { Dataset } from '../nn/dataset.js'
import { BAD_DATASET, DATASET_TOO_LARGE, DATASET_TOO_WIDE, withProblem } from '../errors.js'
import { declareCategorical, type Cell, type Place } from './cells.js'
import { columnStats, presentColumnStats, type ColumnStats } from './column-stats.js'
import { encodeTargets, type RawTarget } from './encode-targets.js'
import { encodedWidth, readFeatures, type FeatureColumn } from './feature-columns.js'
import type { MissingValues } from './missing.js'
import { counted } from '../nn/counted.js'
import { idLikeWarning, mergedFeatureWarning, mergedIntegers, mergedTargetWarning, type MergedIntegers } from './upload-warnings.js'

export interface DatasetInput {
  readonly features: readonly (readonly Cell[])[]
  readonly targets: readonly RawTarget[]
  readonly featureNames?: readonly string[]
  readonly targetNames?: readonly string[]
  /** How missing feature cells are to be filled; default `error`: a missing cell is refused. */
  readonly missing?: MissingValues
  /** Feature columns to read as categories even though they hold numbers. */
  readonly categorical?: readonly string[]
}

/** Where cells are, for messages: JSON paths by default; CSV passes line and column. */
export interface DatasetPlaces {
  readonly feature: (r: number, c: number) => Place
  readonly target: (r: number) => Place
  /** CSV: a feature cell as written (categories keep their spelling) */
  readonly text?: (r: number, c: number) => string
}

export interface DatasetLimits {
  readonly maxRows: number
  readonly maxClasses: number
  readonly maxCategories: number
  /** Most feature columns (MAX_FEATURE_COLUMNS); absent: no bound. */
  readonly maxColumns?: number
}

export const NO_LIMITS: DatasetLimits = { maxRows: Infinity, maxClasses: 1000, maxCategories: 1000 }

export interface BuiltDataset {
  /** inputs: raw feature columns (codes); see `columns` for their kinds */
  readonly dataset: Dataset
  readonly featureNames: string[]
  /** Names of the target columns as sent (one name for a label column, however many classes it has). */
  readonly targetNames: string[]
  readonly classes?: string[]
  /** A single numeric target column's distinct values (≤ MAX_CLASSES): the classes a softmax head would learn. */
  readonly targetValues?: number[]
  /** With targetValues: the rows of each (class counts, for stratified folds' check) */
  readonly targetValueCounts?: number[]
  readonly columns: FeatureColumn[]
  /** The upload's missing-value strategy (absent: `error`). */
  readonly missing?: MissingValues
  /** Over each column's present values; a categorical column's are of its category indices. */
  readonly featureStats: ColumnStats[]
  readonly targetStats: ColumnStats[]
  /** A single numeric target column whose distinct integers float32 made one: no softmax output learns its classes. */
  readonly targetMerged?: MergedIntegers
  /** What the upload holds that it most likely did not mean (upload-warnings.ts); absent when nothing. */
  readonly warnings?: string[]
}

function names (given: readonly string[] | undefined, width: number, stem: string, field: string): string[] {
  if (given === undefined) return Array.from({ length: width }, (_, i) => `${stem}${i}`)
  if (given.length !== width) {
    throw withProblem(new BAD_DATASET(`${field} has ${counted(given.length, 'name')}; the data has ${counted(width, 'column')}`), { field })
  }
  const repeated = given.findIndex((name, i) => given.indexOf(name) !== i)
  if (repeated >= 0) throw withProblem(new BAD_DATASET(`${field} has the name ${JSON.stringify(given[repeated])} twice (${given.indexOf(given[repeated])} and ${repeated}): give every column a name of its own`), { field: `${field}[${repeated}]` })
  return [...given]
}

const jsonPlaces: DatasetPlaces = {
  feature: (r, c) => ({ text: `features[${r}][${c}]`, problem: { field: `features[${r}][${c}]`, row: r, column: c } }),
  target: (r) => ({ text: `targets[${r}]`, problem: { field: `targets[${r}]`, row: r } })
}

function shapeOf (features: DatasetInput['features']): number {
  const width = features[0].length
  if (width === 0) throw withProblem(new BAD_DATASET('features[0] has no columns; a row needs at least one'), { field: 'features[0]', row: 0 })
  features.forEach((row, r) => {
    if (row.length !== width) {
      throw withProblem(new BAD_DATASET(`features row ${r} has ${counted(row.length, 'column')}; expected ${width} like row 0`), { field: `features[${r}]`, row: r })
    }
  })
  return width
}

export function buildDataset (input: DatasetInput, limits: DatasetLimits = NO_LIMITS, places: DatasetPlaces = jsonPlaces): BuiltDataset {
  const rows = input.features.length
  if (rows > limits.maxRows) throw new DATASET_TOO_LARGE(`dataset has ${rows} rows`, limits.maxRows)
  if (rows === 0) throw withProblem(new BAD_DATASET('features is empty: a dataset needs at least one row'), { field: 'features' })
  if (input.targets.length !== rows) {
    throw withProblem(new BAD_DATASET(`targets has ${counted(input.targets.length, 'row')}; features has ${rows}; send one target per feature row`), { field: 'targets' })
  }
  const width = shapeOf(input.features)
  // a dataset's GET and the list describe each column: 100,000 of them made a 9 MB description, and a page of
  // such datasets held the API for seconds (a hostile trial)
  if (limits.maxColumns !== undefined && width > limits.maxColumns) {
    throw withProblem(new DATASET_TOO_WIDE(`${width} feature columns`, limits.maxColumns), { field: 'features' })
  }
  const featureNames = names(input.featureNames, width, 'x', 'featureNames')
  const missing = input.missing ?? { strategy: 'error' }
  const declared = input.categorical ?? []
  const twice = declared.findIndex((name, i) => declared.indexOf(name) !== i)
  // named twice: a slip for another column, most likely (featureNames refuses the same)
  if (twice >= 0) throw withProblem(new BAD_DATASET(`categorical names ${JSON.stringify(declared[twice])} twice (${declared.indexOf(declared[twice])} and ${twice}): name each column once`), { field: `categorical[${twice}]` })
  const categorical = new Set(declared)
  for (const name of categorical) {
    if (!featureNames.includes(name)) throw withProblem(new BAD_DATASET(`categorical names ${JSON.stringify(name)}, which is not a feature column; the features are ${featureNames.join(', ')}`), { field: 'categorical' })
  }
  const { x, columns } = readFeatures(rows, featureNames, (r, c) => input.features[r][c], places.feature,
    { maxCategories: limits.maxCategories, missing: missing.strategy, categorical }, places.text)
  // and counted as the network reads them, each category an input: the descriptions list every category too
  // (2,000 columns of 1,000 categories made a 14 MB one, a hostile retrial's)
  const inputs = encodedWidth(columns)
  if (limits.maxColumns !== undefined && inputs > limits.maxColumns) {
    const categories = columns.reduce((n, c) => n + (c.categories?.length ?? 0), 0)
    throw withProblem(new DATASET_TOO_WIDE(`${inputs} inputs once its categorical columns are one-hot encoded (${counted(width, 'feature column')}, ${counted(categories, 'category', 'categories')} among them)`, limits.maxColumns), { field: 'features' })
  }
  const targetName = input.targetNames?.length === 1 ? input.targetNames[0] : 'class'
  const encoded = encodeTargets(input.targets, { maxClasses: limits.maxClasses, name: targetName, locate: places.target })
  const targetWidth = encoded.classes ? 1 : encoded.width
  const dataset: Dataset = { x, y: encoded.y, rows, inputs: width, outputs: encoded.width }
  const warnings = uploadWarnings(input, columns, places, rows)
  if (encoded.merged) warnings.push(mergedTargetWarning(targetName, encoded.merged, places.target(0).csv === true ? '?categorical=true' : 'as strings'))
  return {
    dataset,
    featureNames,
    targetNames: names(input.targetNames, targetWidth, encoded.classes ? 'class' : 'y', 'targetNames'),
    ...(encoded.classes ? { classes: encoded.classes } : {}),
    ...(encoded.values ? { targetValues: encoded.values } : {}),
    ...(encoded.valueCounts ? { targetValueCounts: encoded.valueCounts } : {}),
    columns,
    ...(missing.strategy === 'error' ? {} : { missing }),
    featureStats: presentColumnStats(x, rows, width),
    targetStats: columnStats(encoded.y, rows, encoded.width),
    ...(encoded.merged ? { targetMerged: encoded.merged } : {}),
    ...(warnings.length > 0 ? { warnings } : {})
  }
}

/** The feature columns' warnings, in column order: integers float32 merges (numeric), a different category in nearly every row (categorical). */
function uploadWarnings (input: DatasetInput, columns: readonly FeatureColumn[], places: DatasetPlaces, rows: number): string[] {
  return columns.flatMap((column, c) => {
    if (column.kind === 'categorical') return idLikeWarning(column.name, column.categories!.length, rows - column.missing) ?? []
    const merged = mergedIntegers(rows, (r) => { const v = input.features[r][c]; return typeof v === 'number' ? v : null })
    return merged === null ? [] : [mergedFeatureWarning(column.name, merged, declareCategorical(column.name, places.feature(0, c)))]
  })
}

/** The width a network's input layer needs for this dataset: its columns one-hot encoded. */
export const inputWidth = (built: Pick<BuiltDataset, 'columns'>): number => encodedWidth(built.columns)

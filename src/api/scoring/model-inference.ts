/**
 * Stored dataset rows into a stored model, for evaluation and dataset predictions: the dataset's
 * category indices mapped to the model's, then the one inference path (inference/model-inference.ts:
 * the model's imputation, one-hot encoding and normalisation, forward pass with the predictor's kernels,
 * so values equal predict's), and whether a dataset fits a model at all. No I/O: it runs on the event
 * loop or on a scoring thread alike.
 */
import { UNPROCESSABLE, withProblem } from '../../errors.js'
import { headOf } from '../../nn/heads.js'
import type { NetworkSpec } from '../../nn/spec.js'
import { rawColumnsOf, type Preprocessing } from '../../data/model-inputs.js'
import { datasetColumns } from '../../data/dataset-columns.js'
import type { FeatureColumn } from '../../data/feature-columns.js'
import type { KernelName } from '../../kernels/index.js'
import type { ModelRecord } from '../../store/models.js'
import type { DatasetMeta } from '../../store/datasets.js'
import { createModelInference, INFERENCE_CHUNK, RowInputError, type ModelInference } from '../../inference/model-inference.js'
import { counted } from '../../nn/counted.js'
import { float32Text } from '../../data/float32-text.js'
import { takesNumbers } from '../prediction-columns.js'
import { quotedList } from '../../schemas/messages.js'
import { lookUpName, nameIndex } from '../../data/name-index.js'

export { INFERENCE_CHUNK }

/** What inference needs of a stored model: its network, weights and the preprocessing stored with it. */
export interface InferenceModel {
  readonly spec: NetworkSpec
  readonly params: Float32Array
  readonly meta: Pick<ModelRecord, 'normalization' | 'targetNormalization' | 'classes' | 'network' | 'featureNames' | 'preprocessing' | 'targetNames'>
}

/** Rows of a stored dataset whose category in a column the model never saw (encoded as all zeros). */
export interface UnknownCategoryCount { readonly field: string, readonly value: string, readonly rows: number }

export interface RowInference {
  /** the model's inference path: values in the targets' units and labels of run()'s outputs */
  readonly model: ModelInference
  /** Per column and category the model never saw, how many of `rows` rows of x hold it, in column then category order; empty when none. */
  unknownCategories (x: Float32Array, rows: number): UnknownCategoryCount[]
  /** Whether any column's codes are mapped to the model's categories (else no row holds a category the model never saw). */
  readonly remaps: boolean
  /** The categories the model never saw in row r of x (by column), or null when it has none. */
  unknownInRow (x: Float32Array, r: number): Array<{ field: string, value: string }> | null
  /** Network outputs (rows × output units) for `rows` rows of x (rows × the dataset's raw columns, as codes); a fresh array. UNPROCESSABLE (422) naming a row the model cannot read. */
  run (x: Float32Array, rows: number): Float32Array
}

/** The model's raw columns: its stored preprocessing, or (models from before column kinds) numeric columns named as it was trained. */
function modelColumns (model: InferenceModel): Preprocessing['columns'] {
  return rawColumnsOf(model.spec.inputs, model.meta).columns
}

/**
 * How a raw column's dataset codes become the model's: `toModel` a code → the model's category index (-1:
 * a category the model never saw, encoded as all zeros like OneHotEncoder(handle_unknown='ignore')), and
 * `named` the category a code stands for. Two kinds: a categorical column whose dataset categories map
 * by name (both sides keep theirs in their own natural order, so the same name can sit at another
 * index), and a numeric column the model read as categorical (zip codes, declared so in training),
 * whose numbers name categories as predict reads them (prediction-columns.ts takesNumbers).
 */
interface CodeMap { toModel (code: number): number, named (code: number): string }

function codeMaps (model: InferenceModel, columns: readonly FeatureColumn[]): Array<CodeMap | null> {
  const mine = modelColumns(model)
  return columns.map((col, c): CodeMap | null => {
    const theirs = mine[c].categories
    if (theirs === undefined) return null
    const untrained = mine[c].untrainedCategories
    if (col.kind === 'numeric') {
      const index = nameIndex(theirs, untrained)
      return { toModel: (v) => index.get(String(float32Text(v))) ?? -1, named: (v) => String(float32Text(v)) }
    }
    if (!col.categories) return null
    const names = col.categories
    // by name as written, else trimmed (data/name-index.ts), as predict reads them
    const index = nameIndex(theirs, untrained)
    const map = Int32Array.from(names, (name) => lookUpName(index, name) ?? -1)
    return { toModel: (code) => map[code], named: (code) => names[code] }
  })
}

/** Stored dataset rows → the model's outputs: the dataset's codes mapped to the model's categories, then the model's inference path. */
export function createRowInference (model: InferenceModel, kernels: KernelName = 'auto', columns?: readonly FeatureColumn[]): RowInference {
  const inference = createModelInference(model.spec, model.params, model.meta, { kernels, batch: INFERENCE_CHUNK })
  const R = inference.inputs.rawWidth
  const maps = columns ? codeMaps(model, columns) : []
  const remap = maps.some((m) => m !== null)
  const codes = new Float32Array(R)
  const toModel = (row: Float32Array): Float32Array => {
    for (let c = 0; c < R; c++) {
      const map = maps[c]
      codes[c] = map && !Number.isNaN(row[c]) ? map.toModel(row[c]) : row[c]
    }
    return codes
  }
  /** Whether row r's code in column c names a category the model never saw. */
  const unseen = (x: Float32Array, r: number, c: number): boolean => {
    const map = maps[c]
    const code = x[r * R + c]
    return map !== null && !Number.isNaN(code) && map.toModel(code) < 0
  }
  return {
    model: inference,
    remaps: remap,
    unknownCategories (x, rows) {
      const found: UnknownCategoryCount[] = []
      maps.forEach((map, c) => {
        if (map === null) return
        const counts = new Map<number, number>()
        for (let r = 0; r < rows; r++) {
          if (unseen(x, r, c)) counts.set(x[r * R + c], (counts.get(x[r * R + c]) ?? 0) + 1)
        }
        // in the order of the dataset's codes: its categories' order, or the numbers' own
        for (const code of [...counts.keys()].sort((a, b) => a - b)) found.push({ field: columns![c].name, value: map.named(code), rows: counts.get(code)! })
      })
      return found
    },
    unknownInRow (x, r) {
      let found: Array<{ field: string, value: string }> | null = null
      for (let c = 0; c < maps.length; c++) {
        if (unseen(x, r, c)) (found ??= []).push({ field: columns![c].name, value: maps[c]!.named(x[r * R + c]) })
      }
      return found
    },
    run (x, rows) {
      try {
        return inference.run(x, rows, remap ? toModel : undefined)
      } catch (err) {
        if (!(err instanceof RowInputError)) throw err
        throw withProblem(new UNPROCESSABLE(err.message), { row: err.row })
      }
    }
  }
}

type DatasetFit = Pick<DatasetMeta, 'id' | 'outputs' | 'featureNames' | 'classes' | 'targetValues' | 'columns'> & Partial<Pick<DatasetMeta, 'targetNames'>>

/**
 * A dataset fits a model when it has the model's raw feature columns (count, names, order and kind; a
 * column with missing cells only for a model that imputes) and, when targets are needed, targets of the
 * model's kind. UNPROCESSABLE (422) saying what differs.
 */
export function checkDatasetFitsModel (model: InferenceModel, dataset: DatasetFit, needTargets: boolean): void {
  const { spec, meta } = model
  const mine = modelColumns(model)
  const theirs = datasetColumns(dataset)
  const listed = mine.map((c) => c.name).join(', ')
  if (theirs.length !== mine.length) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has ${counted(theirs.length, 'feature column')}; the model takes ${mine.length} (${listed})`)
  }
  const named = meta.preprocessing !== undefined || meta.featureNames !== undefined
  if (named && mine.some((c, i) => c.name !== theirs[i].name)) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has the feature columns ${theirs.map((c) => c.name).join(', ')}; the model was trained on ${listed} (same names, same order)`)
  }
  theirs.forEach((col, i) => {
    // numbers name a categorical column's categories when some are written as numbers (zip codes), as predict reads them
    const codes = col.kind === 'numeric' && takesNumbers(mine[i])
    if (col.kind !== mine[i].kind && !codes) {
      // numbers for text categories are indices or a shifted column, never names: scoring them would be a guess
      const names = mine[i].categories === undefined ? '' : ` with the categories ${quotedList(mine[i].categories!.slice(0, 5))}${mine[i].categories!.length > 5 ? ', …' : ''}: a dataset must hold them by name`
      throw new UNPROCESSABLE(`column '${col.name}' of dataset '${dataset.id}' is ${col.kind}; the model read it as ${mine[i].kind}${names}`)
    }
    if (col.missing > 0 && !meta.preprocessing?.imputer) {
      throw new UNPROCESSABLE(`column '${col.name}' of dataset '${dataset.id}' has ${col.missing} missing cells and the model has no missing-value strategy: fill them in, or train with "missing"`)
    }
  })
  if (!needTargets) return
  // the features matched, and so must what is scored against: digits' labels are no score of a "big" column.
  // Names the service made up (y0, class0: a JSON upload without targetNames) say nothing either way
  const made = (names: readonly string[]): boolean => names.every((n, i) => n === `y${i}` || n === `class${i}`)
  const mineT = meta.targetNames, theirsT = dataset.targetNames
  if (mineT !== undefined && theirsT !== undefined && !made(mineT) && !made(theirsT) && mineT.join('\u0000') !== theirsT.join('\u0000')) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has the target ${theirsT.length === 1 ? 'column' : 'columns'} ${quotedList(theirsT)}; ` +
      `the model was trained to predict ${quotedList(mineT)}: score it on targets of that name (the feature columns match)`)
  }
  const task = headOf(spec).task(spec.output.units)
  if (task === 'multi-label') {
    const L = spec.output.units
    if (dataset.classes || dataset.outputs !== L) {
      throw new UNPROCESSABLE(`the model is multi-label (${L} sigmoid outputs, each a label of its own): score it on a dataset whose targets are ${L} columns of 0 or 1; ` +
        `dataset '${dataset.id}' has ${dataset.classes ? 'class labels as its target' : counted(dataset.outputs, 'target column')}`)
    }
    return
  }
  const classifier = task !== 'regression'
  const codes = dataset.outputs === 1 && dataset.targetValues !== undefined
  if (classifier && !dataset.classes && !codes) throw new UNPROCESSABLE(`dataset '${dataset.id}' has numeric targets that are not class codes; the model is a classifier: upload the targets as class labels`)
  if (!classifier && dataset.classes) throw new UNPROCESSABLE(`dataset '${dataset.id}' has class labels as targets; the model is a regression model`)
  if (!classifier && dataset.outputs !== spec.output.units) {
    throw new UNPROCESSABLE(`dataset '${dataset.id}' has ${counted(dataset.outputs, 'target column')}; the model has ${counted(spec.output.units, 'output')}`)
  }
}

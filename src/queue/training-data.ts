/**
 * What a job trains on and how it is scored: imputation and normalisation fitted on the training rows
 * only (the validation rows never leak into them), the encoded and normalised copy the engine sees
 * (data/model-inputs.ts), and the validation metrics in the targets' own units. Pure functions; no
 * Redis, no engine.
 */
import { UnrecoverableError } from 'bullmq'
import { columnStats } from '../data/column-stats.js'
import { identityNormalization, normalizationFrom, normalizeRows, type Normalization, type NormalizationKind } from '../data/normalize.js'
import type { Dataset } from '../nn/dataset.js'
import { evaluate } from '../nn/metrics.js'
import { createModelInference } from '../inference/model-inference.js'
import type { NetworkSpec } from '../nn/spec.js'
import { headOf } from '../nn/heads.js'
import { splitForValidation, type EpochStats, type TrainOptions } from '../nn/train.js'
import { encodedWidth, type FeatureColumn } from '../data/feature-columns.js'
import { fitImputer, type MissingValues } from '../data/missing.js'
import { classWeightsOf, weightTargets, type ClassWeight } from '../data/class-weights.js'
import { createInputPipeline, numericColumns, oneHotColumns, type ModelColumn, type Preprocessing } from '../data/model-inputs.js'

export interface PreparedData {
  /** the dataset with features encoded and normalised (and, for regression, targets normalised) */
  readonly data: Dataset
  readonly normalization: Normalization
  /** the columns' encoding and the fitted imputer: what turns raw rows into the network's inputs */
  readonly preprocessing: Preprocessing
  /** regression only: outputs are mapped back through it */
  readonly targetNormalization?: Normalization
  /** rows trained on per epoch (the rest are validation rows) */
  readonly trainRows: number
  /** which rows of `data` those are (the seeded split train() makes too); null: every row */
  readonly trainIndices: Int32Array | null
  /** what the training rows leave unlearnt: a column with no value in any of them, a category in none (unlearnt()) */
  readonly warnings?: readonly string[]
}

/** What the training rows hold of each raw column (codes [rows × columns]: a category's index, NaN for a missing cell). */
interface Exercised {
  /** per column: whether any training row has a value in it */
  readonly valued: Uint8Array
  /** per categorical column: per category, whether any training row holds it */
  readonly seen: ReadonlyArray<Uint8Array | undefined>
}

function exercised (train: Dataset, columns: readonly Pick<FeatureColumn, 'categories'>[]): Exercised {
  const width = columns.length
  const seen = columns.map((c) => (c.categories ? new Uint8Array(c.categories.length) : undefined))
  const valued = new Uint8Array(width)
  for (let r = 0; r < train.rows; r++) {
    for (let c = 0; c < width; c++) {
      const v = train.x[r * width + c]
      if (Number.isNaN(v)) continue
      valued[c] = 1
      const s = seen[c]
      if (s !== undefined && v >= 0 && v < s.length) s[v] = 1
    }
  }
  return { valued, seen }
}

/**
 * Raw columns the training rows never set: a column missing in every one, and categories of no training row
 * (seen only in validation rows). A fresh run gives such inputs no weight (nn/unexercised-inputs.ts); this says
 * which they are, by name.
 */
function unlearnt (rows: number, columns: readonly Pick<FeatureColumn, 'name' | 'categories'>[], { valued, seen }: Exercised): string[] {
  const warnings: string[] = []
  columns.forEach((col, c) => {
    if (valued[c] === 0) {
      warnings.push(`column ${JSON.stringify(col.name)} has no value in any of the ${rows} rows this job trains on: every one was filled, so it tells the model nothing; drop the column, or upload rows that have it`)
      return
    }
    const unseen = col.categories?.filter((_, k) => seen[c]![k] === 0) ?? []
    if (unseen.length > 0) {
      const named = unseen.slice(0, 5).map((k) => JSON.stringify(k)).join(', ') + (unseen.length > 5 ? ` and ${unseen.length - 5} more` : '')
      // a fold's job has no validation rows: the rows it does not train on are the fold it is scored on
      warnings.push(`${unseen.length === 1 ? 'category' : 'categories'} ${named} of column ${JSON.stringify(col.name)} ${unseen.length === 1 ? 'is' : 'are'} in none of the ${rows} rows this job trains on: ` +
        `the model learned nothing about ${unseen.length === 1 ? 'it' : 'them'}, and predict takes ${unseen.length === 1 ? 'it' : 'them'} as unknown`)
    }
  })
  return warnings
}

/**
 * The model's columns with their untrainedCategories (data/model-inputs.ts ModelColumn): on a fresh run the
 * categories no training row holds; on a fine-tune, its parent's untrained ones that this job's training rows
 * still lack (those the rows hold are trained now).
 */
function withUntrained (columns: readonly ModelColumn[], { seen }: Exercised, inherited: boolean): ModelColumn[] {
  return columns.map((col, c) => {
    const { untrainedCategories: _was, ...rest } = col
    const s = seen[c]
    if (!col.categories || s === undefined) return rest
    const was = inherited ? new Set(col.untrainedCategories) : undefined
    const untrained = col.categories.filter((k, i) => s[i] === 0 && (was === undefined || was.has(k)))
    return untrained.length > 0 ? { ...rest, untrainedCategories: untrained } : rest
  })
}

/** The dataset's feature columns and the job's missing-value strategy. */
export interface FeatureSetup {
  readonly columns: readonly FeatureColumn[]
  readonly missing?: MissingValues
}

/**
 * The prepared data with class weights applied to the targets of the rows train() will train on (prepareData's
 * split, which train() makes again from the same seed; data/class-weights.ts says why targets). Unchanged
 * without weights or classes (admission refuses weights for targets without classes).
 */
export function withClassWeights (prepared: PreparedData, weight: ClassWeight | undefined, classes: readonly string[] | undefined): PreparedData {
  if (weight === undefined || classes === undefined) return prepared
  const weights = classWeightsOf(weight, classes, prepared.data.y, prepared.trainIndices, prepared.data.outputs)
  return { ...prepared, data: weightTargets(prepared.data, weights, prepared.trainIndices) }
}

/**
 * Fits the imputer and the normalisation on the rows train() will train on (the same seeded split),
 * unless the caller passes them (fine-tuning keeps its parent's, or the weights would see other units).
 * One-hot columns keep offset 0 and scale 1: they stay 0/1, and an unknown category stays all zeros.
 */
export function prepareData (spec: NetworkSpec, raw: Dataset, options: TrainOptions, kind: NormalizationKind,
  inherited?: { normalization?: Normalization, targetNormalization?: Normalization, preprocessing?: Preprocessing }, features?: FeatureSetup): PreparedData {
  const { train, trainRows: trainIndices } = splitForValidation(spec, raw, options)
  const columns = features?.columns ?? numericColumns(raw.inputs).columns
  const imputer = features?.missing ? fitImputer(features.missing, columns as FeatureColumn[], train.x, Int32Array.from({ length: train.rows }, (_, i) => i)) : undefined
  const fitted: Preprocessing = inherited?.preprocessing ?? {
    columns: columns.map(({ name, kind: k, categories }) => ({ name, kind: k, ...(categories ? { categories } : {}) })),
    ...(imputer ? { imputer } : {})
  }
  // which categories the training rows hold, for the model's untrainedCategories and the job's warnings (a model with its own preprocessing but none from the dataset, an import's fine-tune on numbers, has none)
  const held = features !== undefined ? exercised(train, fitted.columns) : undefined
  const preprocessing: Preprocessing = held ? { ...fitted, columns: withUntrained(fitted.columns, held, inherited?.preprocessing !== undefined) } : fitted
  // a fine-tune keeps its model's input space: an imported model without normalisation took raw inputs
  let normalization = inherited ? inherited.normalization ?? identityNormalization(encodedWidth(preprocessing.columns)) : undefined
  if (!normalization) {
    const width = encodedWidth(preprocessing.columns)
    const encode = createInputPipeline(preprocessing, identityNormalization(width))
    const fitted = normalizationFrom(kind, columnStats(encode.rows(train.x, train.rows), train.rows, width))
    const hot = oneHotColumns(preprocessing)
    normalization = { kind: fitted.kind, offset: fitted.offset.map((o, j) => (hot[j] ? 0 : o)), scale: fitted.scale.map((s, j) => (hot[j] ? 1 : s)) }
  }
  const pipeline = createInputPipeline(preprocessing, normalization)
  const scaleTargets = headOf(spec).task(spec.output.units) === 'regression' && (inherited ? inherited.targetNormalization !== undefined : kind !== 'none')
  const targetNormalization = !scaleTargets
    ? undefined
    : inherited?.targetNormalization ?? normalizationFrom('standard', columnStats(train.y, train.rows, train.outputs))
  const data: Dataset = {
    ...raw,
    inputs: pipeline.width,
    x: pipeline.rows(raw.x, raw.rows),
    y: targetNormalization ? normalizeRows(raw.y, targetNormalization) : raw.y
  }
  // a fine-tune keeps its parent's weights for such inputs, so only a fresh run's are said
  const warnings = inherited === undefined && held !== undefined ? unlearnt(train.rows, columns, held) : []
  return { data, normalization, preprocessing, ...(targetNormalization ? { targetNormalization } : {}), trainRows: train.rows, trainIndices, ...(warnings.length > 0 ? { warnings } : {}) }
}

/**
 * Final metrics of the weights kept: the losses of the epoch they come from (weightsEpoch; default the
 * last, but early stopping restores an earlier one), and on the validation rows (if any) accuracy for
 * classification heads or MSE/MAE/R² in the targets' units for regression. `validationOutputs`: the
 * network's raw (normalised-unit) outputs on those rows, if already computed elsewhere.
 */
export function trainingMetrics (spec: NetworkSpec, params: Float32Array, raw: Dataset, options: TrainOptions,
  prepared: PreparedData, history: readonly EpochStats[], weightsEpoch?: number, validationOutputs?: Float32Array): Record<string, number> {
  const metrics: Record<string, number> = { epochs: history.length }
  const last = history.find((s) => s.epoch === weightsEpoch) ?? history[history.length - 1]
  if (last) {
    metrics.loss = last.loss
    if (last.accuracy !== undefined) metrics.accuracy = last.accuracy
    if (last.valLoss !== undefined) metrics.valLoss = last.valLoss
  }
  const { validation } = splitForValidation(spec, raw, options)
  if (!validation) return metrics
  // the plain TypeScript kernels, as the training loop's own evaluation; a worker passes outputs its
  // threads computed (job-scoring.ts): scoring here would block its event loop
  const model = createModelInference(spec, params, prepared, { kernels: 'ts' })
  const outputs = validationOutputs ?? model.run(validation.x, validation.rows)
  const report = evaluate(spec, model.values(outputs, validation.rows), validation)
  if (report.kind === 'classification') {
    metrics.valAccuracy = report.accuracy
  } else {
    metrics.valMse = report.mse
    metrics.valMae = report.mae
    metrics.valR2 = report.r2
  }
  return metrics
}

/**
 * The scores as they are stored, or the job's failure: JSON has no NaN or ∞, and a model (or a trial)
 * whose metrics held one could not be read back. The network itself was checked finite (train.ts); what
 * is left is its outputs in the targets' units, where a target's scale near float32's limit (±3.4e38)
 * turns a finite output into ±∞.
 */
export function finiteScores<T extends Record<string, number>> (what: 'metrics' | 'scores', scores: T): T {
  const bad = Object.entries(scores).find(([, v]) => !Number.isFinite(v))
  if (bad === undefined) return scores
  throw new UnrecoverableError(`the trained model's ${what === 'metrics' ? 'metric' : 'held-out score'} ${bad[0]} is ${bad[1]}: its predictions, ` +
    'scaled back to the target\'s units, are not finite numbers; a target whose values come near float32\'s limit (±3.4e38) overflows there: rescale the target (divide it by a power of 10) and train again')
}

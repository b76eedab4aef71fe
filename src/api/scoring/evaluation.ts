/**
 * Scores a stored model on a stored dataset: outputs through model-inference.ts, then scikit-learn's
 * metrics (nn/classification-scores.ts, nn/multilabel-scores.ts, nn/regression-scores.ts) in the model's
 * class order and the targets' units. No I/O: runs on the event loop for small datasets, on a scoring thread for large ones.
 */
import { NON_FINITE_OUTPUT, UNPROCESSABLE, withProblem } from '../../errors.js'
import { accuracy, argmaxRows, confusionMatrix } from '../../nn/metrics.js'
import { headOf } from '../../nn/heads.js'
import { classificationReport, logLoss, rocAuc, type ClassScores } from '../../nn/classification-scores.js'
import { regressionScores, type RegressionScores } from '../../nn/regression-scores.js'
import { multiLabelScores, type LabelScores, type MultiLabelScores } from '../../nn/multilabel-scores.js'
import { firstNonFinite } from '../../nn/finite.js'
import { float32Text } from '../../data/float32-text.js'
import type { Dataset } from '../../nn/dataset.js'
import type { FeatureColumn } from '../../data/feature-columns.js'
import { createRowInference, type InferenceModel, type UnknownCategoryCount } from './model-inference.js'
import type { KernelName } from '../../kernels/index.js'
import { lookUpName, nameIndex } from '../../data/name-index.js'

export interface ClassificationMetrics {
  accuracy: number
  logLoss: number
  classes: string[]
  confusionMatrix: number[][]
  perClass: Array<{ label: string } & ClassScores>
  macroAvg: ClassScores
  weightedAvg: ClassScores
  rocAuc: number | null
}
export interface RegressionMetrics extends RegressionScores { perOutput: Array<{ name: string } & RegressionScores> }
export interface MultiLabelMetrics extends Omit<MultiLabelScores, 'perLabel'> { perLabel: Array<{ label: string } & LabelScores> }

/** `unknownCategories`: present when some rows hold a category the model never saw (scored as all zeros, as predict does). */
export type Evaluation = ({ task: 'classification', metrics: ClassificationMetrics } | { task: 'regression', metrics: RegressionMetrics } |
  { task: 'multi-label', metrics: MultiLabelMetrics }) & { unknownCategories?: UnknownCategoryCount[] }

/**
 * The dataset's side: its matrices, its feature columns (kinds and categories of the stored codes) and how
 * its targets were stored: one-hot label columns (`classes`) or one numeric column (`targetValues`, class codes).
 */
export interface EvaluationData {
  readonly dataset: Dataset
  readonly columns?: readonly FeatureColumn[]
  readonly classes?: readonly string[]
  readonly targetValues?: readonly number[]
  readonly targetNames: readonly string[]
}

/** Each row's true class as an index into the model's classes (the dataset's one-hot columns may be fewer or ordered otherwise). */
function truthInModelOrder (data: EvaluationData, modelClasses: readonly string[]): Int32Array {
  const { dataset, classes } = data
  if (!classes) return codesInModelOrder(dataset, modelClasses)
  // names as written, else trimmed (data/name-index.ts): a model imported with spaced class names still scores a dataset
  const names = nameIndex(modelClasses)
  const toModel = classes.map((c) => lookUpName(names, c) ?? -1)
  const unknown = classes.filter((_, i) => toModel[i] < 0)
  if (unknown.length > 0) throw new UNPROCESSABLE(`the dataset has classes the model does not know: ${unknown.join(', ')} (the model's classes: ${modelClasses.join(', ')})`)
  const datasetClass = argmaxRows(dataset.y, dataset.rows, dataset.outputs)
  return datasetClass.map((c) => toModel[c])
}

/** A numeric target column of class codes: the model's classes are the codes it trained on, written as numbers ("0", "10"). */
function codesInModelOrder (dataset: Dataset, modelClasses: readonly string[]): Int32Array {
  const index = new Map(modelClasses.map((c, k) => [Math.fround(Number(c)), k]))
  const truth = Int32Array.from(dataset.y.subarray(0, dataset.rows), (v) => index.get(v) ?? -1)
  const unknown = [...new Set(Array.from(dataset.y.subarray(0, dataset.rows)).filter((_, r) => truth[r] < 0))]
  if (unknown.length > 0) throw new UNPROCESSABLE(`the dataset has class codes the model does not know: ${unknown.slice(0, 10).join(', ')} (the model's classes: ${modelClasses.join(', ')})`)
  return truth
}

function classification (model: InferenceModel, out: Float32Array, data: EvaluationData): ClassificationMetrics {
  const { spec, meta } = model
  const classes = meta.classes
  if (!classes) throw new UNPROCESSABLE('the model has no class labels to score against (an imported model without `classes`)')
  const { rows } = data.dataset
  const truth = truthInModelOrder(data, classes)
  const head = headOf(spec)
  const units = spec.output.units
  const K = head.classCount(units)
  // one unit on two classes is the probability of classes[1]; as rows [1 − p, p] it scores like one unit per class
  const probs = K === units ? out : Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 1 ? out[i >> 1] : 1 - out[i >> 1]))
  // the labels predict gives (Head.classOf)
  const pred = head.classOf(out, rows, units)!
  const cm = confusionMatrix(pred, truth, K)
  const report = classificationReport(cm)
  return {
    accuracy: accuracy(pred, truth),
    logLoss: logLoss(probs, truth, K),
    classes: [...classes],
    confusionMatrix: cm,
    perClass: report.perClass.map((s, k) => ({ label: classes[k], ...s })),
    macroAvg: report.macroAvg,
    weightedAvg: report.weightedAvg,
    rocAuc: rocAuc(probs, truth, K)
  }
}

/** Each label's probability (out, rows × L) against the dataset's 0/1 target columns, named as the model names them. */
function multiLabel (model: InferenceModel, out: Float32Array, data: EvaluationData): MultiLabelMetrics {
  const { rows, outputs: L, y } = data.dataset
  const names = model.meta.targetNames ?? data.targetNames
  const bad = y.subarray(0, rows * L).findIndex((v) => v !== 0 && v !== 1)
  if (bad >= 0) {
    const row = Math.floor(bad / L)
    throw withProblem(new UNPROCESSABLE(`multi-label scores need targets of 0 or 1 (scikit-learn's multilabel-indicator); row ${row}, column '${names[bad % L] ?? `y${bad % L}`}' is ${float32Text(y[bad])}`), { row })
  }
  const { perLabel, ...scores } = multiLabelScores(out, y, rows, L)
  return { ...scores, perLabel: perLabel.map((s, j) => ({ label: names[j] ?? `y${j}`, ...s })) }
}

/** values: the model's outputs in the targets' units (ModelInference.values), rows × outputs */
function regression (values: Float32Array, data: EvaluationData): RegressionMetrics {
  const { rows, outputs: O, y } = data.dataset
  const { perOutput, average } = regressionScores(values, y, rows, O)
  return { ...average, perOutput: perOutput.map((s, o) => ({ name: data.targetNames[o] ?? `y${o}`, ...s })) }
}

/** Scores the model on every row of the dataset; 422 when an output is not finite, or the targets cannot be compared. */
export function evaluateModel (model: InferenceModel, data: EvaluationData, kernels: KernelName = 'auto'): Evaluation {
  const { dataset } = data
  if (dataset.rows < 1) throw new UNPROCESSABLE('the dataset has no rows to score')
  const inference = createRowInference(model, kernels, data.columns)
  const out = inference.run(dataset.x, dataset.rows)
  // checked in the targets' units, as predict checks them: a finite output times a target's scale
  // near float32's limit is ±∞ there (an unchecked ∞ reached the metrics, and their serializer's 500)
  const values = inference.model.values(out, dataset.rows)
  const bad = firstNonFinite(values)
  if (bad >= 0) {
    const row = Math.floor(bad / model.spec.output.units)
    throw withProblem(new NON_FINITE_OUTPUT(row, String(values[bad])), { row })
  }
  const unknown = inference.unknownCategories(dataset.x, dataset.rows)
  const reported = unknown.length > 0 ? { unknownCategories: unknown } : {}
  const task = headOf(model.spec).task(model.spec.output.units)
  if (task === 'regression') return { task, metrics: regression(values, data), ...reported }
  if (task === 'multi-label') return { task, metrics: multiLabel(model, out, data), ...reported }
  return { task, metrics: classification(model, out, data), ...reported }
}

/**
 * Evaluation metrics over network outputs: accuracy, confusion matrix, per-class precision/recall/F1,
 * and MSE/MAE/R² (scikit-learn's definitions). Not losses: those, with their gradients, are in the training code.
 */
import type { Dataset } from './dataset.js'
import { classLabels } from './dataset.js'
import type { NetworkSpec } from './spec.js'
import type { Vec } from './vec.js'
import { argmaxRows } from './argmax.js'
import { DECISION_THRESHOLD, headOf } from './heads.js'
import { counted } from './counted.js'

export { argmaxRows }

function checkLengths (name: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`${name}: predictions have ${a.length} entries; the truth has ${b.length}`)
  if (a.length === 0) throw new RangeError(`${name} of zero rows is undefined`)
}

/** Share of rows whose predicted class equals the true class. */
export function accuracy (pred: Int32Array, truth: Int32Array): number {
  checkLengths('accuracy', pred, truth)
  let hits = 0
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) hits++
  return hits / pred.length
}

/** K × K counts: cm[t][p] is the number of rows of true class t predicted as p. */
export function confusionMatrix (pred: Int32Array, truth: Int32Array, K: number): number[][] {
  checkLengths('confusionMatrix', pred, truth)
  const cm = Array.from({ length: K }, () => new Array<number>(K).fill(0))
  for (let i = 0; i < pred.length; i++) {
    const t = truth[i]; const p = pred[i]
    if (!(t >= 0 && t < K && p >= 0 && p < K)) throw new RangeError(`row ${i}: class ${t} or prediction ${p} is out of range 0..${K - 1}`)
    cm[t][p]++
  }
  return cm
}

const ratio = (n: number, d: number): number => (d === 0 ? 0 : n / d)

/** Per class k: precision = cm[k][k] / column sum, recall = cm[k][k] / row sum, F1 their harmonic mean; 0 where undefined. */
export function perClass (cm: number[][]): { precision: number[], recall: number[], f1: number[] } {
  const K = cm.length
  const precision: number[] = []; const recall: number[] = []; const f1: number[] = []
  for (let k = 0; k < K; k++) {
    let predicted = 0; let actual = 0
    for (let j = 0; j < K; j++) { predicted += cm[j][k]; actual += cm[k][j] }
    const p = ratio(cm[k][k], predicted)
    const r = ratio(cm[k][k], actual)
    precision.push(p); recall.push(r); f1.push(ratio(2 * p * r, p + r))
  }
  return { precision, recall, f1 }
}


function checkMatrices (name: string, pred: Vec, truth: Vec, rows: number, outputs: number): void {
  if (rows < 1) throw new RangeError(`${name} of zero rows is undefined`)
  if (pred.length !== rows * outputs || truth.length !== rows * outputs) {
    throw new RangeError(`${name}: predictions (${pred.length}) and truth (${truth.length}) must both hold ${rows} rows × ${outputs} outputs`)
  }
}

/** Mean of (pred − truth)² over every cell (= scikit-learn's uniform average over outputs). */
export function mse (pred: Vec, truth: Vec, rows: number, outputs: number): number {
  checkMatrices('mse', pred, truth, rows, outputs)
  let s = 0
  for (let i = 0; i < pred.length; i++) { const d = pred[i] - truth[i]; s += d * d }
  return s / pred.length
}

/** Mean of |pred − truth| over every cell. */
export function mae (pred: Vec, truth: Vec, rows: number, outputs: number): number {
  checkMatrices('mae', pred, truth, rows, outputs)
  let s = 0
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i] - truth[i])
  return s / pred.length
}

/**
 * R² = 1 − SS_res / SS_tot per output, averaged uniformly over outputs, as scikit-learn's r2_score.
 * A constant truth column scores 1 when predicted exactly and 0 otherwise (sklearn's force_finite).
 */
export function r2 (pred: Vec, truth: Vec, rows: number, outputs: number): number {
  checkMatrices('r2', pred, truth, rows, outputs)
  let total = 0
  for (let o = 0; o < outputs; o++) {
    let mean = 0
    for (let r = 0; r < rows; r++) mean += truth[r * outputs + o]
    mean /= rows
    let ssRes = 0; let ssTot = 0
    for (let r = 0; r < rows; r++) {
      const t = truth[r * outputs + o]
      ssRes += (pred[r * outputs + o] - t) ** 2
      ssTot += (t - mean) ** 2
    }
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot
  }
  return total / outputs
}

export interface ClassificationReport {
  kind: 'classification'
  accuracy: number
  /** Rows: true class, columns: predicted class. Multi-label: [[tn, fp], [fn, tp]] summed over labels. */
  confusion: number[][]
  /** Per class; multi-label: per label, of its positive class. */
  precision: number[]
  recall: number[]
  f1: number[]
}
export interface RegressionReport { kind: 'regression', mse: number, mae: number, r2: number }
export type Evaluation = { loss?: never } & (ClassificationReport | RegressionReport)

/** Each label on its own, output and target cut at the decision threshold (independent sigmoid outputs). */
function multiLabel (outputs: Vec, y: Float32Array, rows: number, L: number): ClassificationReport {
  const t = DECISION_THRESHOLD
  const confusion = [[0, 0], [0, 0]]
  const precision: number[] = []; const recall: number[] = []; const f1: number[] = []
  for (let j = 0; j < L; j++) {
    const cm = [[0, 0], [0, 0]]
    for (let r = 0; r < rows; r++) cm[y[r * L + j] >= t ? 1 : 0][outputs[r * L + j] >= t ? 1 : 0]++
    const s = perClass(cm)
    precision.push(s.precision[1]); recall.push(s.recall[1]); f1.push(s.f1[1])
    for (let t = 0; t < 2; t++) for (let p = 0; p < 2; p++) confusion[t][p] += cm[t][p]
  }
  const accuracy = (confusion[0][0] + confusion[1][1]) / (rows * L)
  return { kind: 'classification', accuracy, confusion, precision, recall, f1 }
}

/**
 * Scores a network's outputs (rows × output units) against a dataset's targets. Classification for
 * heads that read one class per row (the head's classOf); per-label accuracy at the decision
 * threshold for multi-label heads; regression (MSE, MAE, R²) for the rest (Head.task).
 */
export function evaluate (spec: NetworkSpec, outputs: Vec, data: Dataset): Evaluation {
  const { rows, outputs: O, y } = data
  if (rows < 1) throw new RangeError('evaluate: a dataset of zero rows has no score')
  if (O !== spec.output.units) throw new RangeError(`the network produces ${counted(spec.output.units, 'output')} per row; the dataset has ${counted(O, 'target column')}`)
  if (outputs.length !== rows * O) throw new RangeError(`evaluate: ${outputs.length} output values are not ${rows} rows × ${O}`)
  const head = headOf(spec)
  const task = head.task(O)
  if (task === 'regression') {
    return { kind: 'regression', mse: mse(outputs, y, rows, O), mae: mae(outputs, y, rows, O), r2: r2(outputs, y, rows, O) }
  }
  if (task === 'multi-label') return multiLabel(outputs, y, rows, O)
  const truth = classLabels(spec, data)!
  const K = head.classCount(O)
  const pred = head.classOf(outputs, rows, O)!
  const confusion = confusionMatrix(pred, truth, K)
  return { kind: 'classification', accuracy: accuracy(pred, truth), confusion, ...perClass(confusion) }
}

/**
 * Classification scores as scikit-learn's sklearn.metrics defines them (1.5): log_loss, roc_auc_score
 * (binary, and one-vs-rest macro), and classification_report's per-class precision/recall/F1/support
 * with its macro and weighted averages. Inputs are class indices and probability rows; labels and
 * models are the caller's business. Pure; no allocation beyond the results and one sort per class.
 */
import { perClass } from './metrics.js'

/** Float64 machine epsilon: scikit-learn's log_loss clips probabilities to [eps, 1 − eps] (eps='auto'). */
const EPS = Number.EPSILON

/**
 * log_loss: −(1/n) Σ_r log p[r][truth[r]], each probability row first clipped to [eps, 1 − eps] and
 * rescaled to sum to 1, as scikit-learn does. `probs` is rows × K.
 */
export function logLoss (probs: ArrayLike<number>, truth: Int32Array, K: number): number {
  const n = truth.length
  if (n === 0) throw new RangeError('log loss of zero rows is undefined')
  let sum = 0
  for (let r = 0; r < n; r++) {
    let total = 0
    for (let k = 0; k < K; k++) total += Math.min(1 - EPS, Math.max(EPS, probs[r * K + k]))
    const p = Math.min(1 - EPS, Math.max(EPS, probs[r * K + truth[r]])) / total
    sum -= Math.log(p)
  }
  return sum / n
}

/**
 * roc_auc_score of one binary problem: the probability that a random positive scores above a random
 * negative, ties counting ½ (the Mann–Whitney U statistic over n⁺·n⁻). Null when either class is absent
 * (scikit-learn raises: the area is undefined).
 */
export function binaryRocAuc (scores: ArrayLike<number>, positive: (r: number) => boolean, n: number): number | null {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b])
  let positives = 0, rankSum = 0
  for (let i = 0; i < n;) {
    // rows with equal scores share the mean of their ranks (1-based)
    let j = i
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++
    const rank = (i + j + 2) / 2
    for (let t = i; t <= j; t++) if (positive(order[t])) { positives++; rankSum += rank }
    i = j + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return null
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
}

/**
 * roc_auc_score(multi_class='ovr', average='macro') for K ≥ 3 (the unweighted mean of each class's
 * one-vs-rest AUC on its own probability column); for K = 2, the binary AUC of class 1's column.
 * Null when some class has no rows or all rows, as scikit-learn then refuses to score.
 */
export function rocAuc (probs: ArrayLike<number>, truth: Int32Array, K: number): number | null {
  const n = truth.length
  const column = (k: number): Float64Array => Float64Array.from({ length: n }, (_, r) => probs[r * K + k])
  if (K === 2) return binaryRocAuc(column(1), (r) => truth[r] === 1, n)
  let sum = 0
  for (let k = 0; k < K; k++) {
    const auc = binaryRocAuc(column(k), (r) => truth[r] === k, n)
    if (auc === null) return null
    sum += auc
  }
  return sum / K
}

export interface ClassScores { precision: number, recall: number, f1: number, support: number }

/**
 * classification_report's rows from a confusion matrix (rows true, columns predicted): per class (every
 * class of the model, those with no rows too), then the macro average and the weighted average (weighted
 * by support); a ratio with a zero denominator is 0 (zero_division's default outcome). Supports of averages
 * are the row total. The macro average is scikit-learn's default one: the unweighted mean over the classes
 * that occur among the true or the predicted labels (unique_labels(y_true, y_pred)), so a class with no rows
 * that was never predicted does not count as a 0. Over every class, one never seen would pull it down: a
 * 99.8%-accurate model scored on three of ten digits read a macro F1 of 0.30 instead of 0.75.
 */
export function classificationReport (cm: number[][]): { perClass: ClassScores[], macroAvg: ClassScores, weightedAvg: ClassScores } {
  const { precision, recall, f1 } = perClass(cm)
  const support = cm.map((row) => row.reduce((s, v) => s + v, 0))
  const total = support.reduce((s, v) => s + v, 0)
  const K = cm.length
  const rows = precision.map((_, k) => ({ precision: precision[k], recall: recall[k], f1: f1[k], support: support[k] }))
  const average = (weight: (k: number) => number, norm: number): ClassScores => {
    const avg = (v: number[]): number => (norm === 0 ? 0 : v.reduce((s, x, k) => s + x * weight(k), 0) / norm)
    return { precision: avg(precision), recall: avg(recall), f1: avg(f1), support: total }
  }
  const occurs = Array.from({ length: K }, (_, k) => support[k] > 0 || cm.some((row) => row[k] > 0))
  const present = occurs.filter(Boolean).length
  return { perClass: rows, macroAvg: average((k) => (occurs[k] ? 1 : 0), present), weightedAvg: average((k) => support[k], total) }
}

/**
 * Multi-label scores as scikit-learn's sklearn.metrics defines them (1.5) for a multilabel-indicator target
 * (rows × L columns of 0/1) and L independent probabilities per row: accuracy_score (subset accuracy),
 * hamming_loss, multilabel_confusion_matrix, classification_report's per-label rows and its micro, macro,
 * weighted and samples averages, and roc_auc_score(average='macro'). A label is predicted where its
 * probability is at least the decision threshold, as predict reads a sigmoid unit. Pure.
 */
import { binaryRocAuc, type ClassScores } from './classification-scores.js'
import { DECISION_THRESHOLD } from './heads.js'

export interface LabelScores extends ClassScores {
  /** multilabel_confusion_matrix's entry of the label: [[tn, fp], [fn, tp]] */
  confusionMatrix: [[number, number], [number, number]]
  /** roc_auc_score of the label's probability; null when its target is constant (undefined) */
  rocAuc: number | null
}

export interface MultiLabelScores {
  accuracy: number
  hammingLoss: number
  perLabel: LabelScores[]
  microAvg: ClassScores
  macroAvg: ClassScores
  weightedAvg: ClassScores
  samplesAvg: ClassScores
  rocAuc: number | null
}

/** zero_division's default outcome: a ratio with a zero denominator is 0. */
const ratio = (n: number, d: number): number => (d === 0 ? 0 : n / d)

/** Precision, recall and F1 of counts; F1 as 2·tp / (2·tp + fp + fn), which equals 2PR/(P + R) wherever that is defined. */
function scores (tp: number, fp: number, fn: number, support: number): ClassScores {
  return { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn), support }
}

/**
 * `probs` and `truth` are rows × L (truth 0 or 1; a caller checks that). Averages' support is the number of
 * positive labels in the truth, as classification_report prints it.
 */
export function multiLabelScores (probs: ArrayLike<number>, truth: ArrayLike<number>, rows: number, L: number): MultiLabelScores {
  if (rows < 1) throw new RangeError('multi-label scores of zero rows are undefined')
  if (probs.length !== rows * L || truth.length !== rows * L) throw new RangeError(`multiLabelScores: expected ${rows} rows × ${L} labels`)
  const tp = new Float64Array(L), fp = new Float64Array(L), fn = new Float64Array(L)
  let exact = 0, wrong = 0
  const samples = { precision: 0, recall: 0, f1: 0 }
  for (let r = 0; r < rows; r++) {
    let rowTp = 0, rowFp = 0, rowFn = 0
    for (let j = 0; j < L; j++) {
      const t = truth[r * L + j] === 1, p = probs[r * L + j] >= DECISION_THRESHOLD
      if (t && p) { rowTp++; tp[j]++ } else if (p) { rowFp++; fp[j]++ } else if (t) { rowFn++; fn[j]++ }
    }
    if (rowFp + rowFn === 0) exact++
    wrong += rowFp + rowFn
    const s = scores(rowTp, rowFp, rowFn, 0)
    samples.precision += s.precision; samples.recall += s.recall; samples.f1 += s.f1
  }
  const support = Array.from(tp, (t, j) => t + fn[j])
  const positives = support.reduce((a, b) => a + b, 0)
  const perLabel: LabelScores[] = support.map((s, j) => ({
    ...scores(tp[j], fp[j], fn[j], s),
    confusionMatrix: [[rows - tp[j] - fp[j] - fn[j], fp[j]], [fn[j], tp[j]]],
    rocAuc: binaryRocAuc(Float64Array.from({ length: rows }, (_, r) => probs[r * L + j]), (r) => truth[r * L + j] === 1, rows)
  }))
  const mean = (weight: (j: number) => number, norm: number): ClassScores => {
    const avg = (key: 'precision' | 'recall' | 'f1'): number => ratio(perLabel.reduce((a, s, j) => a + s[key] * weight(j), 0), norm)
    return { precision: avg('precision'), recall: avg('recall'), f1: avg('f1'), support: positives }
  }
  const sum = (v: Float64Array): number => v.reduce((a, b) => a + b, 0)
  const aucs = perLabel.map((s) => s.rocAuc)
  return {
    accuracy: exact / rows,
    hammingLoss: wrong / (rows * L),
    perLabel,
    microAvg: scores(sum(tp), sum(fp), sum(fn), positives),
    macroAvg: mean(() => 1, L),
    weightedAvg: mean((j) => support[j], positives),
    samplesAvg: { precision: samples.precision / rows, recall: samples.recall / rows, f1: samples.f1 / rows, support: positives },
    // scikit-learn refuses a label whose target is constant: the macro average is then undefined too
    rocAuc: aucs.some((a) => a === null) ? null : (aucs as number[]).reduce((a, b) => a + b, 0) / L
  }
}

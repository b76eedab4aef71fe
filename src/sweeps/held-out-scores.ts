/**
 * The scores a sweep ranks trials by, on rows the trial did not train on, under scikit-learn's scoring
 * names: for a head with one class per row accuracy, balanced_accuracy, f1_macro, f1_weighted, roc_auc (two
 * classes), roc_auc_ovr and log_loss; for several sigmoid labels accuracy; for regression r2,
 * mean_squared_error and mean_absolute_error (averaged over outputs, in the targets' units). A score that
 * is undefined on these rows (scikit-learn's NaN: R² of one row, a ROC AUC without both sides of a class) is
 * left out, so a trial is not ranked by it. Pure: outputs in, scores out.
 */
import { classificationReport, logLoss, rocAuc } from '../nn/classification-scores.js'
import { classLabels, type Dataset } from '../nn/dataset.js'
import { evaluate } from '../nn/metrics.js'
import type { NetworkSpec } from '../nn/spec.js'

/** `outputs`: the network's outputs on `data`'s rows (rows × units, probabilities for class heads, target units for regression). */
export function heldOutScores (spec: NetworkSpec, outputs: Float32Array, data: Dataset): Record<string, number> {
  const report = evaluate(spec, outputs, data)
  // R² of one row is undefined (scikit-learn's r2_score: NaN, with a warning): left out, so the trial is not ranked by it
  if (report.kind === 'regression') return { ...(data.rows >= 2 ? { r2: report.r2 } : {}), mean_squared_error: report.mse, mean_absolute_error: report.mae }
  const scores: Record<string, number> = { accuracy: report.accuracy }
  const truth = classLabels(spec, data)
  const head = spec.output.activation
  // one sigmoid unit is p(class 1): the two-column probabilities the scores read are [1 − p, p]
  const probs = truth && head === 'softmax' ? { p: outputs, K: data.outputs } : truth && head === 'sigmoid' && data.outputs === 1
    ? { p: Float64Array.from({ length: 2 * data.rows }, (_, i) => (i % 2 === 1 ? outputs[i >> 1] : 1 - outputs[i >> 1])), K: 2 }
    : null
  if (!truth || !probs) return scores
  scores.log_loss = logLoss(probs.p, truth, probs.K)
  const { macroAvg, weightedAvg } = classificationReport(report.confusion)
  scores.f1_macro = macroAvg.f1
  scores.f1_weighted = weightedAvg.f1
  scores.balanced_accuracy = balancedAccuracy(report.confusion)
  const auc = rocAuc(probs.p, truth, probs.K)
  if (auc !== null) {
    scores.roc_auc_ovr = auc
    if (probs.K === 2) scores.roc_auc = auc
  }
  return scores
}

/**
 * scikit-learn's balanced_accuracy_score: the mean recall over the classes the true labels hold (rows of
 * the confusion matrix with any row), so a class absent from these rows does not count as a recall of 0.
 */
function balancedAccuracy (cm: readonly number[][]): number {
  let sum = 0, classes = 0
  cm.forEach((row, k) => {
    const support = row.reduce((s, v) => s + v, 0)
    if (support === 0) return
    sum += row[k] / support
    classes++
  })
  return classes === 0 ? 0 : sum / classes
}

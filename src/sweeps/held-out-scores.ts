/**
 * The scores a sweep ranks trials by, on rows the trial did not train on: scikit-learn's accuracy and
 * log_loss for classification heads, r2, mean_squared_error and mean_absolute_error (averaged over
 * outputs, in the targets' units) for regression. Pure: outputs in, scores out.
 */
import { logLoss } from '../nn/classification-scores.js'
import { classLabels, type Dataset } from '../nn/dataset.js'
import { evaluate } from '../nn/metrics.js'
import type { NetworkSpec } from '../nn/spec.js'

/** `outputs`: the network's outputs on `data`'s rows (rows × units, probabilities for class heads, target units for regression). */
export function heldOutScores (spec: NetworkSpec, outputs: Float32Array, data: Dataset): Record<string, number> {
  const report = evaluate(spec, outputs, data)
  if (report.kind === 'regression') return { r2: report.r2, mean_squared_error: report.mse, mean_absolute_error: report.mae }
  const scores: Record<string, number> = { accuracy: report.accuracy }
  const truth = classLabels(spec, data)
  const head = spec.output.activation
  if (truth && head === 'softmax') scores.log_loss = logLoss(outputs, truth, data.outputs)
  // one sigmoid unit is p(class 1): the two-column probabilities log_loss reads are [1 − p, p]
  if (truth && head === 'sigmoid' && data.outputs === 1) scores.log_loss = logLoss(Float64Array.from({ length: 2 * data.rows }, (_, i) => (i % 2 === 1 ? outputs[i >> 1] : 1 - outputs[i >> 1])), truth, 2)
  return scores
}

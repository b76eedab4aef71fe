/**
 * Two class labels and one sigmoid output unit: logistic regression on a label column. Datasets keep
 * labels one-hot (a column per class); for this head the target is the second class's column, so
 * a ≥ 0.5 means classes[1]. Pure; used at admission, in training and when scoring.
 */
import type { Dataset } from '../nn/dataset.js'
import type { NetworkSpec } from '../nn/spec.js'

/** True when a two-class label dataset is to be learned by a single sigmoid unit. */
export function isBinaryLabelHead (spec: NetworkSpec, classes: readonly string[] | undefined, outputs: number): boolean {
  return spec.output.activation === 'sigmoid' && spec.output.units === 1 && classes?.length === 2 && outputs === 2
}

/** The dataset the head trains on: one 0/1 target column (classes[1]) instead of the one-hot pair. */
export function targetsForHead (spec: NetworkSpec, classes: readonly string[] | undefined, data: Dataset): Dataset {
  if (!isBinaryLabelHead(spec, classes, data.outputs)) return data
  const y = new Float32Array(data.rows)
  for (let r = 0; r < data.rows; r++) y[r] = data.y[2 * r + 1]
  return { ...data, y, outputs: 1 }
}

/**
 * Class weights (scikit-learn's `class_weight`, PyTorch's `CrossEntropyLoss(weight=…)`): a training
 * row of class c counts w_c times in the loss and its gradient. With a softmax head and the negative
 * log-likelihood −Σ y log p, whose delta is p·Σy − y (nn/heads.ts), a one-hot target row scaled by w_c
 * gives exactly w_c·(−log p_c) and w_c·(p − y): so the weights are applied to the training rows'
 * targets, and every path (the threads, the kernels, batch norm's lockstep) trains on them unchanged.
 * The minibatch is still averaged over its rows (Keras' class_weight, not PyTorch's weighted mean),
 * so with "balanced" weights, whose mean over the training rows is 1, the learning rate keeps its scale.
 * Validation rows keep their targets: valLoss is the plain loss.
 */
import { VALIDATION, withProblem } from '../errors.js'
import { nearestName, quotedList } from '../schemas/messages.js'
import type { Dataset } from '../nn/dataset.js'

/** The largest weight taken: a weighted loss summed over a minibatch of rows stays finite in float32. */
const MAX_WEIGHT = 1e6

/** As sent: "balanced", or class label → weight (a class left out weighs 1). */
export type ClassWeight = 'balanced' | Readonly<Record<string, number>>

/**
 * The weight of each class (in `classes` order) for the rows `trainRows` (indices into `y`, one-hot rows
 * of K = classes.length), or all rows: "balanced" is rows / (K · rows of the class), scikit-learn's
 * compute_class_weight; a class with no training row weighs 1 (it scales nothing).
 */
export function classWeightsOf (weight: ClassWeight, classes: readonly string[], y: Float32Array, trainRows: ArrayLike<number> | null): Float64Array {
  const K = classes.length
  if (weight !== 'balanced') return Float64Array.from(classes, (c) => weight[c] ?? 1)
  const counts = new Float64Array(K)
  const n = trainRows === null ? y.length / K : trainRows.length
  for (let i = 0; i < n; i++) {
    const r = trainRows === null ? i : trainRows[i]
    counts[argmaxRow(y, r, K)]++
  }
  return Float64Array.from(counts, (count) => (count === 0 ? 1 : n / (K * count)))
}

function argmaxRow (y: Float32Array, r: number, K: number): number {
  let best = 0
  for (let k = 1; k < K; k++) if (y[r * K + k] > y[r * K + best]) best = k
  return best
}

/** A copy of `data` whose rows `trainRows` (all when null) have their one-hot targets scaled by their class's weight. */
export function weightTargets (data: Dataset, weights: Float64Array, trainRows: ArrayLike<number> | null): Dataset {
  const K = data.outputs
  const y = Float32Array.from(data.y)
  const n = trainRows === null ? data.rows : trainRows.length
  for (let i = 0; i < n; i++) {
    const r = trainRows === null ? i : trainRows[i]
    const w = Math.fround(weights[argmaxRow(data.y, r, K)])
    for (let k = 0; k < K; k++) y[r * K + k] *= w
  }
  return { ...data, y }
}

/**
 * Why `weight` cannot apply (VALIDATION at training.classWeight): a head other than softmax, targets
 * without classes, or a label that is no class. `head` is the output activation.
 */
export function checkClassWeight (weight: ClassWeight, head: string, classes: readonly string[] | undefined): void {
  const field = 'training.classWeight'
  const bad = (at: string, message: string): never => { throw withProblem(new VALIDATION(`${at}: ${message}`), { field: at }) }
  if (head !== 'softmax') {
    bad(field, `class weights weigh a softmax's classes; this network's output is ${head}` +
      (head === 'sigmoid' ? ': for two classes use {"units": 2, "activation": "softmax"}' : ''))
  }
  if (classes === undefined) bad(field, 'the targets are not classes: class weights need class labels (or class codes) as targets')
  if (weight === 'balanced') return
  if (Object.keys(weight).length === 0) bad(field, 'name at least one class and its weight, as {"label": 2}, or send "balanced"')
  for (const [label, w] of Object.entries(weight)) {
    if (!classes!.includes(label)) {
      const near = nearestName(label, classes!)
      bad(`${field}.${label}`, `"${label}" is not a class of the dataset${near === undefined ? '' : ` (did you mean "${near}"?)`}; its classes are ${quotedList(classes!)}`)
    }
    if (!(w > 0 && Number.isFinite(w))) bad(`${field}.${label}`, `a weight is a finite number > 0, got ${w}`)
    // the weighted targets are float32, and the loss sums them over a minibatch: far below float32's 3.4e38
    if (w > MAX_WEIGHT) bad(`${field}.${label}`, `a weight is at most ${MAX_WEIGHT} (weights are relative: scale them all down), got ${w}`)
  }
}

/**
 * Class weights (scikit-learn's `class_weight`, PyTorch's `CrossEntropyLoss(weight=…)`, and for one sigmoid
 * unit `BCEWithLogitsLoss` weighted per row): a training row of class c counts w_c times in the loss and its
 * gradient. With a softmax head and the negative log-likelihood −Σ y log p, whose delta is p·Σy − y
 * (nn/heads.ts), a one-hot target row scaled by w_c gives exactly w_c·(−log p_c) and w_c·(p − y); one sigmoid
 * unit's 0/1 target is written as its sigmoidTarget encoding, whose loss and delta are the weight times the
 * plain ones. So the weights are applied to the training rows' targets, and every path (the threads, the
 * kernels, batch norm's lockstep) trains on them unchanged.
 * The minibatch is still averaged over its rows (Keras' class_weight, not PyTorch's weighted mean),
 * so with "balanced" weights, whose mean over the training rows is 1, the learning rate keeps its scale.
 * Validation rows keep their targets: valLoss is the plain loss.
 */
import { VALIDATION, withProblem } from '../errors.js'
import { nearestName, quotedList } from '../schemas/messages.js'
import type { Dataset } from '../nn/dataset.js'

/** The largest weight taken: a weighted loss summed over a minibatch of rows stays finite in float32. */
const MAX_WEIGHT = 1e6
/** The smallest weight of one sigmoid unit's positive class (see checkClassWeight). */
const MIN_POSITIVE_WEIGHT = 1e-3

/** As sent: "balanced", or class label → weight (a class left out weighs 1). */
export type ClassWeight = 'balanced' | Readonly<Record<string, number>>

/**
 * The class of row r: the argmax of a one-hot row of `width` columns, or, for one sigmoid unit on two classes
 * (width 1), class 1 where the target is 1.
 */
function classOfRow (y: Float32Array, r: number, width: number): number {
  if (width === 1) return y[r] >= 0.5 ? 1 : 0
  let best = 0
  for (let k = 1; k < width; k++) if (y[r * width + k] > y[r * width + best]) best = k
  return best
}

/** A class's weight as given, 1 when left out: own members only, so that a class named "constructor" is not Object's. */
const weightOf = (weight: Readonly<Record<string, number>>, label: string): number => (Object.hasOwn(weight, label) ? weight[label] : 1)

/**
 * The weight of each class (in `classes` order) for the rows `trainRows` (indices into `y`), or all rows:
 * "balanced" is rows / (K · rows of the class), scikit-learn's compute_class_weight; a class with no training
 * row weighs 1 (it scales nothing). `y` is one-hot rows of K = classes.length columns, or one 0/1 column for
 * one sigmoid unit on two classes (`width` 1).
 */
export function classWeightsOf (weight: ClassWeight, classes: readonly string[], y: Float32Array, trainRows: ArrayLike<number> | null, width = classes.length): Float64Array {
  const K = classes.length
  if (weight !== 'balanced') return Float64Array.from(classes, (c) => weightOf(weight, c))
  const counts = new Float64Array(K)
  const n = trainRows === null ? y.length / width : trainRows.length
  for (let i = 0; i < n; i++) counts[classOfRow(y, trainRows === null ? i : trainRows[i], width)]++
  return Float64Array.from(counts, (count) => (count === 0 ? 1 : n / (K * count)))
}

/**
 * A copy of `data` whose rows `trainRows` (all when null) carry their class's weight, marked `weighted`: a softmax's
 * one-hot row scaled by it; one sigmoid unit's 0/1 target written as nn/heads.ts's sigmoidTarget reads it (a
 * positive weighing w as 1 + w, a negative as −w; weight 1 leaves the target as it was).
 */
export function weightTargets (data: Dataset, weights: Float64Array, trainRows: ArrayLike<number> | null): Dataset {
  const K = data.outputs
  const y = Float32Array.from(data.y)
  const n = trainRows === null ? data.rows : trainRows.length
  for (let i = 0; i < n; i++) {
    const r = trainRows === null ? i : trainRows[i]
    const c = classOfRow(data.y, r, K)
    const w = weights[c]
    if (K === 1 && weights.length === 2) y[r] = w === 1 ? c : c === 1 ? 1 + w : -w
    else for (let k = 0; k < K; k++) y[r * K + k] *= Math.fround(w)
  }
  return { ...data, y, weighted: true }
}

/**
 * Why `weight` cannot apply (VALIDATION at training.classWeight): a head other than softmax or one sigmoid unit,
 * targets without classes, or a label that is no class. `head` is the output activation, `units` its units.
 */
export function checkClassWeight (weight: ClassWeight, head: string, classes: readonly string[] | undefined, units = 1): void {
  const field = 'training.classWeight'
  const bad = (at: string, message: string): never => { throw withProblem(new VALIDATION(`${at}: ${message}`), { field: at }) }
  if (head !== 'softmax' && head !== 'sigmoid') bad(field, `class weights weigh a classifier's classes; this network's output is ${head}`)
  // several sigmoid units learn a label each (one-vs-rest), where a class's weight would weigh its own unit's positives only
  if (head === 'sigmoid' && units > 1) {
    bad(field, `class weights weigh one sigmoid unit's two classes, or a softmax's; this output has ${units} sigmoid units, each a label of its own: ` +
      'use {"activation": "softmax"} for one class per row')
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
    // one sigmoid unit's positive targets carry their weight as 1 + w in float32 (nn/heads.ts sigmoidTarget), which keeps
    // w to 2⁻²⁴·(1 + w)/w: 6e-5 of it at 1e-3, all of it below 6e-8 (read as 1, unweighted)
    if (head === 'sigmoid' && label === classes![1] && w < MIN_POSITIVE_WEIGHT) {
      const other = classes![0]
      const up = Number((weightOf(weight, other) / w).toPrecision(6))
      bad(`${field}.${label}`, `a sigmoid unit's positive class "${label}" weighs at least ${MIN_POSITIVE_WEIGHT} (its weight rides on its 0/1 target, in float32), got ${w}: ` +
        (up <= MAX_WEIGHT ? `weigh the other class up instead, {"${other}": ${up}}, or use a 2-unit softmax` : 'use a 2-unit softmax, whose class weights keep their digits'))
    }
  }
}

/**
 * Output heads: the output non-linearity fused with its loss, and everything that follows from it:
 * which targets it learns, what counts as a correct prediction, how outputs read as classes, and
 * the decision threshold. Callers ask the head; none switches on its name. Each head's delta is
 * a − y (never a Jacobian product), and each loss is computed from the logits z so that it never
 * takes log(0). Losses, deltas and correct counts are sums over the B rows; the caller averages.
 */
import type { Vec } from './vec.js'
import type { HeadName } from './spec.js'
import { argmaxRows } from './argmax.js'

/** A unit's probability from which it reads as the positive class (scikit-learn's `predict` for logistic outputs). */
export const DECISION_THRESHOLD = 0.5

/**
 * What K outputs of a head predict, in scikit-learn's `type_of_target` terms: continuous values,
 * one class per row (softmax, or one sigmoid unit on two classes), or K independent binary labels.
 */
export type HeadTask = 'regression' | 'classification' | 'multi-label'

/** The targets a head learns: any finite values, one-hot rows, or a probability in [0, 1] per unit. */
export type HeadTargetKind = 'values' | 'one-hot' | 'probabilities'

export interface Head {
  readonly name: HeadName
  readonly targets: HeadTargetKind
  /** a = h(z) for B rows of K outputs */
  forward (a: Vec, z: Vec, B: number, K: number): void
  /** Σ over rows of the loss, from z, a and targets y (B × K) */
  loss (z: Vec, a: Vec, y: Vec, B: number, K: number): number
  /** dz = ∂loss/∂z for each row (not averaged) */
  delta (dz: Vec, a: Vec, y: Vec, B: number, K: number): void
  /** What K units of this head predict. */
  task (K: number): HeadTask
  /**
   * Why row r of targets y (rows × K, finite values) cannot be this head's target, naming row and column; null when it can.
   * `weighted`: the training rows' targets carry class weights (data/class-weights.ts), which widen what a target may be.
   */
  targetError (y: Vec, r: number, K: number, weighted?: boolean): string | null
  /**
   * The loss per row of the best constant prediction on targets y (rows × K), and what that prediction is:
   * a network that scores worse learned nothing a constant could not (nn/train.ts warns).
   */
  constantLoss (y: Vec, rows: number, K: number): number
  readonly constantPrediction: string
  /** Correct predictions among B rows of outputs a against targets y (B × K); always 0 for regression. */
  countCorrect (a: Vec, y: Vec, B: number, K: number): number
  /** Predictions per row that countCorrect scores, so accuracy = correct / (rows × this); 0 when there is no accuracy. */
  scoredPerRow (K: number): number
  /** Classes that K units read as one class per row (softmax K; one sigmoid unit 2); 0 when they do not. */
  classCount (K: number): number
  /** Units that read n classes as one class per row (the inverse of classCount); null when this head cannot. */
  unitsForClasses (n: number): number | null
  /** The class index of each of `rows` rows of m (outputs or targets, rows × K); null when K units are not one class per row. */
  classOf (m: Vec, rows: number, K: number): Int32Array | null
}

// identity + squared error ½‖a − y‖²; delta a − y
const identity: Head = {
  name: 'identity',
  targets: 'values',
  forward (a, z, B, K) { for (let i = 0; i < B * K; i++) a[i] = z[i] },
  loss (_z, a, y, B, K) {
    let s = 0
    for (let i = 0; i < B * K; i++) { const d = a[i] - y[i]; s += d * d }
    return 0.5 * s
  },
  delta (dz, a, y, B, K) { for (let i = 0; i < B * K; i++) dz[i] = a[i] - y[i] },
  task: () => 'regression',
  targetError: () => null,
  // each output's mean: ½ Σ of the outputs' (population) variances
  constantLoss (y, rows, K) {
    const mean = columnSums(y, rows, K).map((s) => s / rows)
    let s = 0
    for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) { const d = y[r * K + k] - mean[k]; s += d * d }
    return 0.5 * s / rows
  },
  constantPrediction: 'each output\'s mean',
  countCorrect: () => 0,
  scoredPerRow: () => 0,
  classCount: () => 0,
  unitsForClasses: () => null,
  classOf: () => null
}

// softmax + negative log-likelihood −Σ y log p; the max is subtracted for stability; delta p·Σy − y (= p − y for one-hot y)
const softmax: Head = {
  name: 'softmax',
  targets: 'one-hot',
  forward (a, z, B, K) {
    for (let r = 0; r < B; r++) {
      const o = r * K
      let max = -Infinity
      for (let k = 0; k < K; k++) if (z[o + k] > max) max = z[o + k]
      let sum = 0
      for (let k = 0; k < K; k++) { const e = Math.exp(z[o + k] - max); a[o + k] = e; sum += e }
      const inv = 1 / sum
      for (let k = 0; k < K; k++) a[o + k] *= inv
    }
  },
  loss (z, _a, y, B, K) {
    let s = 0
    for (let r = 0; r < B; r++) {
      const o = r * K
      let max = -Infinity
      for (let k = 0; k < K; k++) if (z[o + k] > max) max = z[o + k]
      let sum = 0
      for (let k = 0; k < K; k++) sum += Math.exp(z[o + k] - max)
      const lse = max + Math.log(sum)
      for (let k = 0; k < K; k++) if (y[o + k] !== 0) s -= y[o + k] * (z[o + k] - lse)
    }
    return s
  },
  delta (dz, a, y, B, K) {
    for (let r = 0; r < B; r++) {
      const o = r * K
      let ysum = 0
      for (let k = 0; k < K; k++) ysum += y[o + k]
      for (let k = 0; k < K; k++) dz[o + k] = a[o + k] * ysum - y[o + k]
    }
  },
  task: () => 'classification',
  // one-hot, or one-hot scaled by the row's class weight (data/class-weights.ts): the loss and delta
  // above are then that weight times the row's own
  targetError (y, r, K) {
    let hot = 0
    for (let k = 0; k < K; k++) {
      const v = y[r * K + k]
      if (v < 0) return `targets row ${r}, column ${k}: a softmax target must be one-hot (0, and 1 or the class's weight), got ${v}`
      if (v !== 0) hot++
    }
    return hot === 1 ? null : `targets row ${r} is not one-hot: it has ${hot} non-zero values; a softmax target needs exactly one`
  },
  // the row's argmax (first on ties) against the target's; a plain loop, since it runs on every shard
  // the class shares (weighted one-hot targets weigh their classes): their entropy
  constantLoss (y, rows, K) {
    const sums = columnSums(y, rows, K)
    const total = sums.reduce((a, b) => a + b, 0)
    let s = 0
    for (let k = 0; k < K; k++) if (sums[k] > 0) s -= sums[k] * Math.log(sums[k] / total)
    return s / rows
  },
  constantPrediction: 'the class shares',
  countCorrect (a, y, B, K) {
    let correct = 0
    for (let r = 0; r < B; r++) {
      const o = r * K
      let pa = 0, py = 0
      for (let k = 1; k < K; k++) { if (a[o + k] > a[o + pa]) pa = k; if (y[o + k] > y[o + py]) py = k }
      if (pa === py) correct++
    }
    return correct
  },
  scoredPerRow: () => 1,
  classCount: (K) => K,
  unitsForClasses: (n) => n,
  classOf: (m, rows, K) => argmaxRows(m, rows, K)
}

/**
 * A sigmoid target as training reads it: a value in [0, 1] is itself, weighing 1; beyond, it is a class-weighted
 * 0/1 target (data/class-weights.ts): t > 1 is a positive weighing t − 1, t < 0 a negative weighing −t. So the
 * weighted loss w·(softplus(z) − y·z) and its delta w·(a − y) reach every path through the targets alone, as
 * softmax's weights do (PyTorch's BCEWithLogitsLoss with a weight per row).
 */
export function sigmoidTarget (t: number): [y: number, weight: number] {
  return t > 1 ? [1, t - 1] : t < 0 ? [0, -t] : [t, 1]
}

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))

// sigmoid + logistic loss per unit (binary or multi-label): softplus(z) − y·z; delta a − y (times the weight of a weighted target)
const sigmoid: Head = {
  name: 'sigmoid',
  targets: 'probabilities',
  forward (a, z, B, K) { for (let i = 0; i < B * K; i++) a[i] = 1 / (1 + Math.exp(-z[i])) },
  loss (z, _a, y, B, K) {
    let s = 0
    for (let i = 0; i < B * K; i++) {
      const x = z[i], t = y[i]
      // a plain target keeps the order of operations it always had, so unweighted losses keep their bits
      s += t > 1 ? (t - 1) * (softplus(x) - x) : t < 0 ? -t * softplus(x) : Math.max(x, 0) - t * x + Math.log1p(Math.exp(-Math.abs(x)))
    }
    return s
  },
  delta (dz, a, y, B, K) {
    for (let i = 0; i < B * K; i++) {
      const t = y[i]
      dz[i] = t > 1 ? (t - 1) * (a[i] - 1) : t < 0 ? -t * a[i] : a[i] - t
    }
  },
  task: (K) => (K === 1 ? 'classification' : 'multi-label'),
  targetError (y, r, K, weighted) {
    if (weighted === true) return null // 0/1 targets scaled by their class's weight, beyond [0, 1] on purpose (sigmoidTarget)
    for (let k = 0; k < K; k++) {
      const v = y[r * K + k]
      if (v < 0 || v > 1) return `targets row ${r}, column ${k}: a sigmoid target must lie in [0, 1], got ${v}`
    }
    return null
  },
  // each unit on its own: output and target on the same side of the threshold
  // each output's share of positives: the sum of their binary entropies
  // (weighted targets weigh their rows: the weighted share, and the entropy times the mean weight)
  constantLoss (y, rows, K) {
    let s = 0
    for (let k = 0; k < K; k++) {
      let weight = 0, positive = 0
      for (let r = 0; r < rows; r++) { const [t, w] = sigmoidTarget(y[r * K + k]); weight += w; positive += w * t }
      const p = positive / weight
      if (p > 0 && p < 1) s -= (weight / rows) * (p * Math.log(p) + (1 - p) * Math.log(1 - p))
    }
    return s
  },
  constantPrediction: 'each output\'s share of positives',
  countCorrect (a, y, B, K) {
    let correct = 0
    for (let i = 0; i < B * K; i++) if ((a[i] >= DECISION_THRESHOLD) === (y[i] >= DECISION_THRESHOLD)) correct++
    return correct
  },
  scoredPerRow: (K) => K,
  // one unit is the probability of the second of two classes; several units are independent labels
  classCount: (K) => (K === 1 ? 2 : 0),
  unitsForClasses: (n) => (n === 2 ? 1 : null),
  classOf (m, rows, K) {
    if (K !== 1) return null
    if (m.length !== rows) throw new RangeError(`classOf: ${m.length} values are not ${rows} rows × 1`)
    return Int32Array.from(m, (p) => (p >= DECISION_THRESHOLD ? 1 : 0))
  }
}

export const heads: Record<HeadName, Head> = { identity, softmax, sigmoid }

/** The head of a network definition. */
export const headOf = (spec: { readonly output: { readonly activation: HeadName } }): Head => heads[spec.output.activation]

/** Σ over rows of each of K columns of m (rows × K). */
function columnSums (m: Vec, rows: number, K: number): Float64Array {
  const sums = new Float64Array(K)
  for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) sums[k] += m[r * K + k]
  return sums
}

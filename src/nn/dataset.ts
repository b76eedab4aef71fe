/**
 * Datasets as two flat row-major float32 matrices, their checks against a network, class labels
 * and seeded (optionally stratified) splits. Not parsing (CSV/JSON lives in data/), not normalisation.
 */
import type { NetworkSpec } from './spec.js'
import type { Rng } from './random.js'
import { headOf } from './heads.js'
import { counted } from './counted.js'

/** Row-major float32 matrices: x is rows × inputs, y is rows × outputs. */
export interface Dataset {
  readonly x: Float32Array
  readonly y: Float32Array
  readonly rows: number
  readonly inputs: number
  readonly outputs: number
  /** The targets carry class weights (data/class-weights.ts): what Head.targetError accepts is wider */
  readonly weighted?: boolean
}

const show = (v: unknown): string =>
  typeof v === 'number' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v

/** Copies one JS matrix into a float32 buffer, checking its shape and every cell; rows and columns count from 0. */
function matrix (name: string, rows: readonly (readonly number[])[]): { data: Float32Array, width: number } {
  if (!Array.isArray(rows)) throw new RangeError(`${name} must be an array of rows, got ${show(rows)}`)
  if (rows.length === 0) throw new RangeError(`${name} is empty: a dataset needs at least one row`)
  const first = rows[0]
  if (!Array.isArray(first)) throw new RangeError(`${name} row 0: expected an array of numbers, got ${show(first)}`)
  const width = first.length
  if (width === 0) throw new RangeError(`${name} row 0 has no columns; a row needs at least one (rows count from 0)`)
  const data = new Float32Array(rows.length * width)
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    if (!Array.isArray(row)) throw new RangeError(`${name} row ${r}: expected an array of numbers, got ${show(row)}`)
    if (row.length !== width) throw new RangeError(`${name} row ${r} has ${counted(row.length, 'column')}; expected ${width} like row 0`)
    for (let c = 0; c < width; c++) {
      const v: unknown = row[c]
      // a finite float64 can still overflow float32 (e.g. 1e39), which would store Infinity
      if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
        throw new RangeError(`${name} row ${r}, column ${c}: expected a finite number, got ${show(v)}`)
      }
      data[r * width + c] = v
    }
  }
  return { data, width }
}

/**
 * Builds a Dataset from JS rows, checking every cell. Errors are RangeErrors that name the row and
 * column, both counted from 0 (row 0 is the first row), e.g.
 * "features row 3, column 2: expected a finite number, got NaN".
 */
export function datasetFromRows (features: readonly (readonly number[])[], targets: readonly (readonly number[])[]): Dataset {
  const x = matrix('features', features)
  if (Array.isArray(targets) && targets.length !== features.length) {
    throw new RangeError(`targets has ${counted(targets.length, 'row')}; features has ${features.length}`)
  }
  const y = matrix('targets', targets)
  return { x: x.data, y: y.data, rows: features.length, inputs: x.width, outputs: y.width }
}

/** One-hot encodes class indices 0..K-1 into a rows × K matrix; the error names the row (from 0). */
export function oneHot (labels: ArrayLike<number>, K: number): Float32Array {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`the number of classes must be a positive integer, got ${K}`)
  const out = new Float32Array(labels.length * K)
  for (let r = 0; r < labels.length; r++) {
    const k = labels[r]
    if (!Number.isInteger(k)) throw new RangeError(`targets row ${r}: label ${show(k)} is not an integer class index`)
    if (k < 0 || k >= K) throw new RangeError(`targets row ${r}: label ${k} is out of range 0..${K - 1}`)
    out[r * K + k] = 1
  }
  return out
}

function checkShape (data: Dataset): void {
  const { rows, inputs, outputs } = data
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`a dataset needs at least one row; this one has ${rows}`)
  if (data.x.length !== rows * inputs) throw new RangeError(`features hold ${data.x.length} values; ${rows} rows × ${inputs} inputs need ${rows * inputs}`)
  if (data.y.length !== rows * outputs) throw new RangeError(`targets hold ${data.y.length} values; ${rows} rows × ${outputs} outputs need ${rows * outputs}`)
}

/**
 * Checks that a dataset can train or evaluate a network: widths, finite features, and targets that
 * the head can learn (finite, then Head.targetError: one-hot rows, values in [0, 1], any value).
 */
export function checkDatasetFits (spec: NetworkSpec, data: Dataset): void {
  checkShape(data)
  const { rows, inputs, outputs, x, y } = data
  if (inputs !== spec.inputs) throw new RangeError(`the network expects ${counted(spec.inputs, 'input')} per row; the dataset has ${inputs}`)
  const K = spec.output.units
  if (outputs !== K) throw new RangeError(`the network produces ${counted(K, 'output')} per row; the dataset has ${counted(outputs, 'target column')}`)
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`features row ${Math.floor(i / inputs)}, column ${i % inputs}: expected a finite number, got ${x[i]}`)
  }
  const head = headOf(spec)
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < K; k++) {
      const v = y[r * K + k]
      if (!Number.isFinite(v)) throw new RangeError(`targets row ${r}, column ${k}: expected a finite number, got ${v}`)
    }
    const wrong = head.targetError(y, r, K, data.weighted)
    if (wrong !== null) throw new RangeError(wrong)
  }
}

/** Class index per row of the targets, as the head reads its outputs (Head.classOf); null for regression and multi-label heads. */
export function classLabels (spec: NetworkSpec, data: Dataset): Int32Array | null {
  return headOf(spec).classOf(data.y, data.rows, data.outputs)
}

/**
 * Rows to hold out of `n`, as scikit-learn's ShuffleSplit and train_test_split size a test part: ceil(n·fraction)
 * (sklearn/model_selection/_split.py, _validate_shuffle_split), but at least 1 and at most n − 1 (scikit-learn
 * refuses what would leave either side empty); none of fewer than 2 rows.
 */
export const holdoutSize = (n: number, fraction: number): number =>
  n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.ceil(n * fraction)))

/**
 * Rows to hold out of each class of `counts` rows, as scikit-learn's StratifiedShuffleSplit splits them:
 * holdoutSize of all the rows, the training rows drawn per class by its _approximate_mode (each class's share
 * of them rounded down, then one more to each class of the largest remainders until they add up; a tie goes to
 * the lower class, where scikit-learn draws among them), and a class's held-out rows are what is left of it.
 * Unlike scikit-learn, which refuses a class of fewer than 2 rows, a class of one row stays in training and a
 * class of 2 or more keeps at least 1 row on each side.
 */
export function holdoutSizes (counts: readonly number[], fraction: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0)
  const train = n - holdoutSize(n, fraction)
  // numpy's order of operations: class_counts / class_counts.sum() * n_draws
  const share = counts.map((c) => c / n * train)
  const drawn = share.map(Math.floor)
  let left = train - drawn.reduce((a, b) => a + b, 0)
  const byRemainder = counts.map((_, k) => k).sort((a, b) => (share[b] - drawn[b]) - (share[a] - drawn[a]) || a - b)
  for (const k of byRemainder) {
    if (left <= 0) break
    drawn[k]++
    left--
  }
  return counts.map((c, k) => (c < 2 ? 0 : Math.min(c - 1, Math.max(1, c - drawn[k]))))
}

/**
 * Seeded split of row indices 0..rows-1; `fraction` (0 < fraction < 1) is the share held out, sized as
 * scikit-learn's (Stratified)ShuffleSplit sizes its test part (holdoutSize, holdoutSizes). With labels, each
 * class is split in proportion (stratified), and every class with ≥ 2 rows keeps ≥ 1 row on each side; a class
 * of one row stays in train. Which rows go is our rng's draw, not numpy's. Both index lists are sorted
 * ascending. Deterministic for a given rng state; the rng advances.
 */
export function splitRows (rows: number, fraction: number, rng: Rng, labels?: Int32Array | null): { train: Int32Array, holdout: Int32Array } {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`)
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`the holdout fraction must lie strictly between 0 and 1, got ${fraction}`)
  if (labels && labels.length !== rows) throw new RangeError(`labels has ${counted(labels.length, 'entry', 'entries')}; the dataset has ${counted(rows, 'row')}`)
  const groups = new Map<number, number[]>()
  for (let r = 0; r < rows; r++) {
    const k = labels ? labels[r] : 0
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(r)
  }
  const isHeld = new Uint8Array(rows)
  // classes in ascending order, so the rng draws do not depend on the order rows arrive in
  const classes = [...groups.keys()].sort((a, b) => a - b)
  const sizes = holdoutSizes(classes.map((k) => groups.get(k)!.length), fraction)
  for (const [i, k] of classes.entries()) {
    const g = Int32Array.from(groups.get(k)!)
    rng.shuffle(g)
    for (let j = 0; j < sizes[i]; j++) isHeld[g[j]] = 1
  }
  const nHeld = isHeld.reduce((s, v) => s + v, 0)
  const train = new Int32Array(rows - nHeld)
  const holdout = new Int32Array(nHeld)
  for (let r = 0, t = 0, h = 0; r < rows; r++) {
    if (isHeld[r]) holdout[h++] = r
    else train[t++] = r
  }
  return { train, holdout }
}

/** Gathers rows (by index, repeats allowed) into a new Dataset that shares no memory with the old one. */
export function takeRows (data: Dataset, index: Int32Array): Dataset {
  const { inputs: I, outputs: O } = data
  const x = new Float32Array(index.length * I)
  const y = new Float32Array(index.length * O)
  for (let i = 0; i < index.length; i++) {
    const r = index[i]
    if (!(r >= 0 && r < data.rows)) throw new RangeError(`row index ${r} at position ${i} is out of range 0..${data.rows - 1}`)
    x.set(data.x.subarray(r * I, r * I + I), i * I)
    y.set(data.y.subarray(r * O, r * O + O), i * O)
  }
  return { x, y, rows: index.length, inputs: I, outputs: O, ...(data.weighted === true ? { weighted: true } : {}) }
}

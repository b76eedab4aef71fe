/**
 * k-fold cross-validation splits: seeded, disjoint folds that together cover every row, stratified
 * by class when labels are given (each class spread over the folds as evenly as it can be, like
 * scikit-learn's StratifiedKFold(shuffle=True)). Pure: no I/O; the same seed gives the same folds,
 * whatever trial asks, so every configuration of a sweep is scored on the same held-out rows.
 */
import { Rng } from '../nn/random.js'

/**
 * The fold (0..k-1) of each row. Rows are shuffled within each class, classes are laid end to end in
 * ascending order, and the i-th row of that order goes to fold i mod k: every class's count differs by
 * at most one between folds, and so does every fold's size.
 */
export function assignFolds (rows: number, k: number, seed: number, labels?: Int32Array | null): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`)
  if (rows < k) throw new RangeError(`${k} folds need at least ${k} rows; the dataset has ${rows}`)
  if (labels && labels.length !== rows) throw new RangeError(`labels has ${labels.length} entries; the dataset has ${rows} rows`)
  // a stream of its own (not the training seed's), so folds do not move when a trial's seed is searched
  const rng = new Rng((seed ^ 0x6b43a9b5) >>> 0)
  const groups = new Map<number, number[]>()
  for (let r = 0; r < rows; r++) {
    const c = labels ? labels[r] : 0
    let g = groups.get(c)
    if (!g) groups.set(c, (g = []))
    g.push(r)
  }
  const fold = new Int32Array(rows)
  let i = 0
  for (const c of [...groups.keys()].sort((a, b) => a - b)) {
    const g = rng.shuffle(Int32Array.from(groups.get(c)!))
    for (const r of g) fold[r] = i++ % k
  }
  return fold
}

/** The rows of fold `index` (held out) and of the others (trained on), each ascending. */
export function foldRows (fold: Int32Array, index: number): { train: Int32Array, test: Int32Array } {
  let n = 0
  for (const f of fold) if (f === index) n++
  const train = new Int32Array(fold.length - n)
  const test = new Int32Array(n)
  for (let r = 0, a = 0, b = 0; r < fold.length; r++) {
    if (fold[r] === index) test[b++] = r
    else train[a++] = r
  }
  return { train, test }
}

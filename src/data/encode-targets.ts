/**
 * Targets as users send them → the stored float32 target matrix. Strings are class labels (one-hot over
 * the classes in natural order); numbers are one numeric column, whose distinct values are kept (up
 * to MAX_CLASSES) so that a classification head can later treat them as classes (class-heads.ts);
 * arrays are several numeric outputs per row. Class counts are checked before anything is allocated.
 */
import { oneHot } from '../nn/dataset.js'
import { BAD_DATASET, withProblem } from '../errors.js'
import { checkSpellings, fail, INTEGER, NUMBER, show, type Place } from './cells.js'
import { counted } from '../nn/counted.js'
import { mergedIntegers, type MergedIntegers } from './upload-warnings.js'

export type RawTarget = number | string | readonly number[]

export interface EncodedTargets {
  /** rows × width, row-major */
  readonly y: Float32Array
  readonly width: number
  /** Class names in one-hot column order, when the targets were labels. */
  readonly classes?: string[]
  /** A single numeric target column: its distinct values in ascending order, when there are at most maxClasses. */
  readonly values?: number[]
  /** With `values`: how many rows hold each (the class counts, when a head reads the values as class codes). */
  readonly valueCounts?: number[]
  /** A single numeric target column whose distinct integers float32 made one (upload-warnings.ts): it has no `values`, since they would not be its classes. */
  readonly merged?: MergedIntegers
}

export interface TargetOptions {
  readonly maxClasses: number
  /** The target column's name, for messages. */
  readonly name: string
  /** Where target row r is: `targets[r]` or `line L, column C ("name")`. */
  readonly locate: (row: number) => Place
}

const kindOf = (t: unknown): 'label' | 'number' | 'array' | 'other' =>
  typeof t === 'string' ? 'label' : typeof t === 'number' ? 'number' : Array.isArray(t) ? 'array' : 'other'

const KIND_WORDS = { label: 'a string (class label)', number: 'a number', array: 'an array', other: 'neither' }

/** Natural order, so "2" sorts before "10" and the classes of a digits set read 0..9. */
export const compareClasses = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0)

const finite32 = (v: number): boolean => Number.isFinite(Math.fround(v))

export function encodeTargets (targets: readonly RawTarget[], { maxClasses, name, locate }: TargetOptions): EncodedTargets {
  const rows = targets.length
  if (rows === 0) throw withProblem(new BAD_DATASET('targets is empty: a dataset needs at least one row'), { field: 'targets' })
  const kind = kindOf(targets[0])
  targets.forEach((t, i) => {
    const k = kindOf(t)
    if (k === 'other') fail(locate(i), `a target must be a number, a string or an array of numbers, got ${t === null ? 'null (a missing target: drop the row)' : typeof t}`)
    if (k !== kind) {
      fail(locate(i), `the target is ${KIND_WORDS[k]} but the first row's is ${KIND_WORDS[kind]}; ` +
        'send all numbers (regression, or class codes), all strings (class labels) or all arrays (several outputs)')
    }
  })

  if (kind === 'number') {
    const y = new Float32Array(rows)
    // keyed by the stored float32 value, keeping the number as sent (0.1, not 0.10000000149011612)
    const distinct = new Map<number, { value: number, rows: number }>()
    for (let r = 0; r < rows; r++) {
      const v = targets[r] as number
      if (!finite32(v)) fail(locate(r), `expected a finite number that fits a 32-bit float (at most ±3.4e38), got ${show(v)}`)
      y[r] = v
      const seen = distinct.get(y[r])
      if (seen) seen.rows++
      else if (distinct.size <= maxClasses) distinct.set(y[r], { value: v, rows: 1 })
    }
    if (distinct.size > maxClasses) return { y, width: 1 }
    const merged = mergedIntegers(rows, (r) => targets[r] as number)
    if (merged !== null) return { y, width: 1, merged }
    const sorted = [...distinct.values()].sort((a, b) => a.value - b.value)
    return { y, width: 1, values: sorted.map((d) => d.value), valueCounts: sorted.map((d) => d.rows) }
  }

  if (kind === 'array') {
    const width = (targets[0] as readonly number[]).length
    const y = new Float32Array(rows * width)
    for (let r = 0; r < rows; r++) {
      const row = targets[r] as readonly number[]
      if (row.length !== width) fail(locate(r), `has ${counted(row.length, 'value')}; expected ${width} like the first row`)
      for (let k = 0; k < width; k++) {
        if (typeof row[k] !== 'number' || !finite32(row[k])) fail(locate(r), `value ${k}: expected a finite number that fits a 32-bit float (at most ±3.4e38), got ${show(row[k])}`)
        y[r * width + k] = row[k]
      }
    }
    return { y, width }
  }

  // labels: count the classes first, so that a mistaken column (every price a class) allocates nothing
  // class names are trimmed as a CSV's cells are: " a" and "a" are one class whichever way the rows came
  const names = (targets as readonly string[]).map((s) => s.trim())
  const index = new Map<string, number>()
  for (let r = 0; r < rows; r++) {
    const s = names[r]
    if (s.trim() === '') fail(locate(r), 'the class label is empty; every row needs one (drop rows without a target)')
    if (!index.has(s)) {
      index.set(s, r)
      if (index.size > maxClasses) {
        fail(locate(r), `column ${JSON.stringify(name)} has more than ${maxClasses} distinct class labels (MAX_CLASSES); ` +
          'if it holds numbers to predict, train a regression (identity output) on it instead of labels')
      }
    }
  }
  const classes = [...index.keys()].sort(compareClasses)
  refuseFractionalLabels(classes, name, (label) => locate(index.get(label)!))
  // index holds each label's first row: the later of the two is where the second spelling appears
  checkSpellings(classes, name, (label, other) => locate(Math.max(index.get(label)!, index.get(other)!)))
  // one class is a dataset too: held-out rows of one class score a model (evaluate); training on it is refused at admission (class-heads.ts)
  const k = new Map(classes.map((c, i) => [c, i]))
  const labels = Int32Array.from(names, (s) => k.get(s)!)
  return { y: oneHot(labels, classes.length), width: classes.length, classes }
}

/**
 * JSON labels that are all numbers, some with a fraction (`"151.5"`), are values to predict sent as
 * strings (a form's values), not classes: refused, rather than a classification with a class per value.
 * Integer labels (`"0"`, `"1"`) are classes as sent; CSV labels were asked for (`?categorical=true`).
 */
function refuseFractionalLabels (classes: readonly string[], name: string, locate: (label: string) => Place): void {
  let fractional: string | undefined
  for (const label of classes) {
    if (!NUMBER.test(label.trim())) return
    if (fractional === undefined && !INTEGER.test(label.trim())) fractional = label
  }
  if (fractional === undefined) return
  const place = locate(fractional)
  if (place.csv === true) return
  fail(place, `column ${JSON.stringify(name)} holds numbers as JSON strings (${show(fractional)}), which would each become a class; ` +
    `send them as JSON numbers (${Number(fractional.trim())}) to predict them, or send class labels as names or integers`)
}

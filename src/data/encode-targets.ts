/**
 * Targets as users send them → numeric target rows. Strings are class labels (one-hot over the
 * sorted classes); numbers are regression targets; arrays are several outputs per row.
 * It does not guess that numbers are classes: send them as strings (or CSV `categorical=true`).
 */
import { oneHot } from '../nn/dataset.js'
import { BAD_DATASET, withProblem } from '../errors.js'

export type RawTarget = number | string | readonly number[]

export interface EncodedTargets {
  /** One row per sample: a one-hot row for labels, [y] for a number, the array itself otherwise. */
  readonly rows: number[][]
  /** Class names in one-hot column order, when the targets were labels. */
  readonly classes?: string[]
  /** The class index of each row, when the targets were labels. */
  readonly labels?: Int32Array
}

const kindOf = (t: unknown): 'label' | 'number' | 'array' | 'other' =>
  typeof t === 'string' ? 'label' : typeof t === 'number' ? 'number' : Array.isArray(t) ? 'array' : 'other'

const KIND_WORDS = { label: 'a string (class label)', number: 'a number', array: 'an array', other: 'neither' }

/** Natural order, so "2" sorts before "10" and the classes of a digits set read 0..9. */
export const compareClasses = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0)

function fail (message: string, index: number): never {
  throw withProblem(new BAD_DATASET(message), { field: `targets[${index}]`, row: index })
}

export function encodeTargets (targets: readonly RawTarget[]): EncodedTargets {
  if (targets.length === 0) fail('targets is empty: a dataset needs at least one row', 0)
  const kind = kindOf(targets[0])
  targets.forEach((t, i) => {
    const k = kindOf(t)
    if (k === 'other') fail(`targets[${i}] must be a number, a string or an array of numbers, got ${t === null ? 'null' : typeof t}`, i)
    if (k !== kind) {
      fail(`targets[${i}] is ${KIND_WORDS[k]} but targets[0] is ${KIND_WORDS[kind]}; ` +
        'send all numbers (regression), all strings (class labels) or all arrays (several outputs)', i)
    }
  })
  if (kind === 'number') return { rows: (targets as number[]).map((v) => [v]) }
  if (kind === 'array') return { rows: (targets as (readonly number[])[]).map((row) => [...row]) }

  const names = targets as string[]
  names.forEach((s, i) => { if (s.trim() === '') fail(`targets[${i}] is an empty class label`, i) })
  const classes = [...new Set(names)].sort(compareClasses)
  if (classes.length < 2) fail(`every target is the class ${JSON.stringify(classes[0])}; a classifier needs at least two classes`, 0)
  const index = new Map(classes.map((c, k) => [c, k]))
  const labels = Int32Array.from(names, (s) => index.get(s)!)
  const K = classes.length
  const hot = oneHot(labels, K)
  const rows = Array.from({ length: names.length }, (_, r) => Array.from(hot.subarray(r * K, r * K + K)))
  return { rows, classes, labels }
}

/**
 * What an upload holds that it most likely did not mean, said as warnings in the upload's answer and the
 * dataset's GET: the data is stored and usable as it is, so nothing is refused, but a model trained on it
 * would quietly learn less than the file says. Pure.
 * - Integers past float32's 24-bit significand: a dataset stores every number as float32 (4 bytes a value,
 *   as PyTorch's default tensors), exact for integers up to 16,777,216 = 2^24. Past it, 1700000001 is stored
 *   as 1700000000, and codes, ids or timestamps that differ in their last digits become one value.
 * - A categorical feature column with a different category in nearly every row: an id, a date or free text.
 *   Each category is an input of its own, and a value the model has not seen is unknown to it.
 */
import { counted } from '../nn/counted.js'

/** The largest range of integers float32 holds exactly: ±2^24. */
export const FLOAT32_EXACT_INTEGERS = 2 ** 24

/** Distinct integers of a column that float32 makes one: the first such pair, and the distinct values before and after. */
export interface MergedIntegers {
  readonly first: number
  readonly second: number
  /** what both are stored as */
  readonly stored: number
  readonly distinct: number
  readonly storedDistinct: number
}

/**
 * The integers past ±2^24 among `rows` values (null: missing, or not a number) that float32 merges, or null when
 * none do. Other numbers are left alone: a float32 keeps 7 significant digits of a measurement, as any float32
 * pipeline does, and two decimals closer than that are noise, not two things.
 */
export function mergedIntegers (rows: number, value: (r: number) => number | null): MergedIntegers | null {
  let inexact = false
  for (let r = 0; r < rows && !inexact; r++) {
    const v = value(r)
    inexact = v !== null && Number.isInteger(v) && Math.abs(v) > FLOAT32_EXACT_INTEGERS && Math.fround(v) !== v
  }
  if (!inexact) return null
  // stored value → the first integer sent that is stored so
  const firstOf = new Map<number, number>()
  const sent = new Set<number>()
  let pair: [number, number] | null = null
  for (let r = 0; r < rows; r++) {
    const v = value(r)
    if (v === null) continue
    sent.add(v)
    const f = Math.fround(v)
    const other = firstOf.get(f)
    if (other === undefined) firstOf.set(f, v)
    else if (pair === null && other !== v && Number.isInteger(v) && Number.isInteger(other)) pair = [other, v]
  }
  if (pair === null) return null
  return { first: pair[0], second: pair[1], stored: Math.fround(pair[0]), distinct: sent.size, storedDistinct: firstOf.size }
}

/** What float32 did to the integers of a column, for a warning or an error: `100000001 and 100000002 are both stored as 100000000 (3 distinct values, 1 as stored)`. */
export const mergedText = (m: MergedIntegers): string =>
  `${m.first} and ${m.second} are both stored as ${m.stored} (${counted(m.distinct, 'distinct value')} in the upload, ${m.storedDistinct} as stored)`

/** The warning for a feature column whose integers float32 merged; `declare` says how this upload declares a column categorical. */
export function mergedFeatureWarning (name: string, m: MergedIntegers, declare: string): string {
  return `column ${JSON.stringify(name)}: integers past 16,777,216 do not fit the float32 a dataset stores them as: ${mergedText(m)}. ` +
    `If they are codes or ids, declare the column categorical (${declare}); if a time or an amount, subtract an origin or change its unit before upload`
}

/** The warning for a numeric target column whose integers float32 merged: no softmax output can learn them as classes (class-heads.ts). */
export function mergedTargetWarning (name: string, m: MergedIntegers, asLabels: string): string {
  return `target column ${JSON.stringify(name)}: integers past 16,777,216 do not fit the float32 a dataset stores them as: ${mergedText(m)}. ` +
    `If they are class labels, upload them as labels (${asLabels}); a regression (identity output) learns them as stored`
}

/** Fewer categories than this in a column are never said to be an id's, whatever the rows. */
const FEW_CATEGORIES = 20
/** A column whose categories outnumber this share of its present cells has a different one in nearly every row. */
const UNIQUE_SHARE = 0.5

/** The warning for a categorical feature column with a different category in nearly every row, or null. */
export function idLikeWarning (name: string, categories: number, present: number): string | null {
  if (categories < FEW_CATEGORIES || categories <= UNIQUE_SHARE * present) return null
  return `column ${JSON.stringify(name)} has ${categories} categories in ${counted(present, 'row')} with a value, a different one in nearly every row, ` +
    `as an id, a date or free text has: each category is an input of its own (${categories} here), and a value the model has not seen is unknown to it. ` +
    'Drop the column, or derive numbers from it before upload (a date\'s year, month or day of the week)'
}

/**
 * Column normalisation from stored statistics: x' = (x − offset) / scale per column. One
 * serialisable form shared by training (fit on the dataset) and prediction (the model carries it).
 */
import type { ColumnStats } from './column-stats.js'

export const NORMALIZATIONS = ['standard', 'minmax', 'none'] as const
export type NormalizationKind = (typeof NORMALIZATIONS)[number]

/** What a model stores so that predict can take raw inputs. */
export interface Normalization {
  readonly kind: NormalizationKind
  readonly offset: number[]
  readonly scale: number[]
}

/**
 * standard: (x − mean) / std; minmax: (x − min) / (max − min) into [0, 1]; none: identity.
 * A constant column (std or range 0) gets scale 1, so it maps to 0 instead of NaN.
 */
export function normalizationFrom (kind: NormalizationKind, stats: readonly ColumnStats[]): Normalization {
  const safe = (s: number): number => (s > 0 && Number.isFinite(s) ? s : 1)
  switch (kind) {
    case 'standard': return { kind, offset: stats.map((s) => s.mean), scale: stats.map((s) => safe(s.std)) }
    case 'minmax': return { kind, offset: stats.map((s) => s.min), scale: stats.map((s) => safe(s.max - s.min)) }
    case 'none': return { kind, offset: stats.map(() => 0), scale: stats.map(() => 1) }
  }
}

/** Offsets 0 and scales 1 for `width` columns: rows pass unchanged. */
export const identityNormalization = (width: number): Normalization =>
  ({ kind: 'none', offset: new Array<number>(width).fill(0), scale: new Array<number>(width).fill(1) })

function check (norm: Normalization, length: number): number {
  const cols = norm.offset.length
  if (norm.scale.length !== cols) throw new RangeError(`normalisation has ${cols} offsets but ${norm.scale.length} scales`)
  if (cols === 0 || length % cols !== 0) throw new RangeError(`a matrix of ${length} values is not a whole number of rows of ${cols} columns`)
  return cols
}

/**
 * Returns a new row-major matrix with every column normalised; `out` may be given to reuse a buffer (or `m` itself).
 * Each value is taken as the float32 it is stored as: a dataset's rows are float32, so a prediction's JSON 5.1 is
 * read as the float32 5.1 the model was trained on, as the ONNX graph's float32 input and a binary FP32 tensor read
 * it (a JSON and a binary FP32 tensor of the same row had answered 1 ulp apart; a trial).
 */
export function normalizeRows (m: ArrayLike<number>, norm: Normalization, out: Float32Array = new Float32Array(m.length)): Float32Array {
  const cols = check(norm, m.length)
  const { offset, scale } = norm
  // row by row: an integer modulo per value cost more than the arithmetic (a prediction's hot path)
  for (let start = 0; start < m.length; start += cols) {
    for (let c = 0; c < cols; c++) out[start + c] = (Math.fround(m[start + c]) - offset[c]) / scale[c]
  }
  return out
}

/** Offsets all 0 and scales all 1: rows can be copied, since (x − 0) / 1 is x for every finite x. */
export function isIdentity (norm: Normalization): boolean {
  return norm.offset.every((o) => o === 0) && norm.scale.every((s) => s === 1)
}

/** A raw row, normalised, into row r of the row-major matrix x (a copy when `identity`, see isIdentity). */
export function normalizeRowInto (row: ArrayLike<number>, norm: Normalization, identity: boolean, x: Float32Array, r: number): void {
  const cols = norm.offset.length
  if (identity) x.set(row, r * cols)
  else normalizeRows(row, norm, x.subarray(r * cols, (r + 1) * cols))
}

/** The inverse map x = x'·scale + offset, e.g. to return regression outputs in the targets' units. */
export function denormalizeRows (m: ArrayLike<number>, norm: Normalization, out = new Float32Array(m.length)): Float32Array {
  const cols = check(norm, m.length)
  const { offset, scale } = norm
  for (let start = 0; start < m.length; start += cols) {
    for (let c = 0; c < cols; c++) out[start + c] = m[start + c] * scale[c] + offset[c]
  }
  return out
}

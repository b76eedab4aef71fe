/**
 * Per-column statistics of a row-major float32 matrix, accumulated in float64 (Welford), so that
 * normalisation can be computed once at upload and reused by training and prediction. No I/O.
 */

export interface ColumnStats {
  readonly mean: number
  /** Population standard deviation (divides by n), as standardisation uses. */
  readonly std: number
  readonly min: number
  readonly max: number
}

/** Stats of each of `cols` columns of `m` (rows × cols, row-major). */
export function columnStats (m: ArrayLike<number>, rows: number, cols: number): ColumnStats[] {
  if (m.length !== rows * cols) throw new RangeError(`matrix holds ${m.length} values; ${rows} × ${cols} needs ${rows * cols}`)
  if (rows < 1) throw new RangeError('column statistics need at least one row')
  const mean = new Float64Array(cols)
  const m2 = new Float64Array(cols)
  const min = new Float64Array(cols).fill(Infinity)
  const max = new Float64Array(cols).fill(-Infinity)
  for (let r = 0; r < rows; r++) {
    const n = r + 1
    for (let c = 0; c < cols; c++) {
      const v = m[r * cols + c]
      const d = v - mean[c]
      mean[c] += d / n
      m2[c] += d * (v - mean[c])
      if (v < min[c]) min[c] = v
      if (v > max[c]) max[c] = v
    }
  }
  return Array.from({ length: cols }, (_, c) => ({
    mean: mean[c], std: Math.sqrt(Math.max(0, m2[c] / rows)), min: min[c], max: max[c]
  }))
}

/** Stats over the present (non-NaN) values of each column, e.g. of a stored dataset with missing cells; a column with none gets NaNs. */
export function presentColumnStats (m: ArrayLike<number>, rows: number, cols: number): ColumnStats[] {
  const n = new Float64Array(cols)
  const mean = new Float64Array(cols)
  const m2 = new Float64Array(cols)
  const min = new Float64Array(cols).fill(Infinity)
  const max = new Float64Array(cols).fill(-Infinity)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = m[r * cols + c]
      if (Number.isNaN(v)) continue
      const d = v - mean[c]
      mean[c] += d / ++n[c]
      m2[c] += d * (v - mean[c])
      if (v < min[c]) min[c] = v
      if (v > max[c]) max[c] = v
    }
  }
  return Array.from({ length: cols }, (_, c) => n[c] === 0
    ? { mean: NaN, std: NaN, min: NaN, max: NaN }
    : { mean: mean[c], std: Math.sqrt(Math.max(0, m2[c] / n[c])), min: min[c], max: max[c] })
}

/**
 * Feature columns of an upload → the stored "code" matrix and each column's kind. A numeric column
 * keeps its numbers; a categorical one (text) stores the index of its category, the categories in
 * natural order; a missing cell is NaN. One-hot encoding and imputation happen later, fitted per job
 * (model-inputs.ts), so the stored size is rows × raw columns whatever the categories. Pure.
 */
import { decideKind, fail, show, type Cell, type ColumnScan, type Place } from './cells.js'
import { compareClasses } from './encode-targets.js'
import type { MissingStrategy } from './missing.js'

export interface FeatureColumn {
  readonly name: string
  readonly kind: 'numeric' | 'categorical'
  /** categorical: the categories in one-hot column order */
  readonly categories?: string[]
  /** cells with no value (null, empty, NA, …) */
  readonly missing: number
}

export interface FeatureLimits {
  /** Most categories one column may have (MAX_CATEGORIES). */
  readonly maxCategories: number
  /** The upload's missing-value strategy: with `error`, any missing cell is refused. */
  readonly missing: MissingStrategy
  /** Columns to read as categories even though they hold numbers. */
  readonly categorical?: ReadonlySet<string>
}

/** Columns one-hot encoded: a numeric column is one input, a categorical one an input per category. */
export const encodedWidth = (columns: readonly Pick<FeatureColumn, 'kind' | 'categories'>[]): number =>
  columns.reduce((w, c) => w + (c.kind === 'categorical' ? c.categories!.length : 1), 0)

const MISSING_HINT = 'fill it in, or choose a missing-value strategy (missing=mean, median, most_frequent or constant; ' +
  'CSV: ?missing=mean, JSON: "missing": {"strategy": "mean"})'

/** Per column: counts of numbers, strings and missing cells, and the first row of each (row-major: one pass over the rows). */
function scanColumns (rows: number, width: number, cell: (r: number, c: number) => Cell): ColumnScan[] {
  const count = [new Int32Array(width), new Int32Array(width), new Int32Array(width)]
  const first = [new Int32Array(width).fill(-1), new Int32Array(width).fill(-1), new Int32Array(width).fill(-1)]
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const v = cell(r, c)
      const k = typeof v === 'number' ? 0 : v === null ? 2 : 1
      if (count[k][c]++ === 0) first[k][c] = r
    }
  }
  return Array.from({ length: width }, (_, c) => ({
    numbers: count[0][c], strings: count[1][c], missing: count[2][c], firstNumber: first[0][c], firstString: first[1][c], firstMissing: first[2][c]
  }))
}

/**
 * Reads `names.length` feature columns of `rows` rows. `cell(r, c)` is the typed cell; `text(r, c)`
 * (CSV) the cell as written, so that a categorical column keeps `01` and `1` apart as the file does.
 * Row-major passes: a large upload's rows are read in the order they sit in memory.
 */
export function readFeatures (rows: number, names: readonly string[], cell: (r: number, c: number) => Cell,
  locate: (r: number, c: number) => Place, limits: FeatureLimits, text?: (r: number, c: number) => string): { x: Float32Array, columns: FeatureColumn[] } {
  const width = names.length
  const scans = scanColumns(rows, width, cell)
  const kinds = names.map((name, c) => {
    const scan = scans[c]
    if (scan.missing > 0 && limits.missing === 'error') fail(locate(scan.firstMissing, c), `the cell is missing; ${MISSING_HINT}`)
    if (scan.missing === rows) fail(locate(0, c), `column ${JSON.stringify(name)} has no value in any row; drop the column`)
    return decideKind(scan, name, (r) => locate(r, c), limits.categorical?.has(name) ?? false, (r) => cell(r, c))
  })
  // a category's name is trimmed wherever it comes from (a CSV cell, a JSON string; predict looks names up
  // the same way): " red" and "red" are one category, not one in a CSV upload and two in a JSON one
  const label = (r: number, c: number): string | null => {
    const v = cell(r, c)
    if (v === null) return null
    const name = text ? text(r, c).trim() : String(v).trim()
    // a CSV cell of spaces is missing (cells.ts); a JSON string of them would be a category named "", which no
    // CSV could hold: refused, as a missing JSON value is null
    if (name === '' && text === undefined) fail(locate(r, c), `${show(v)} is an empty category name; a missing value is null in JSON`)
    return name
  }
  // categories first, capped before they are sorted or encoded
  const seen = kinds.map((k) => (k === 'categorical' ? new Set<string>() : undefined))
  const categorical = kinds.flatMap((k, c) => (k === 'categorical' ? [c] : []))
  for (let r = 0; r < rows && categorical.length > 0; r++) {
    for (const c of categorical) {
      const s = label(r, c)
      const set = seen[c]!
      if (s === null || set.has(s)) continue
      set.add(s)
      if (set.size > limits.maxCategories) {
        fail(locate(r, c), `column ${JSON.stringify(names[c])} has more than ${limits.maxCategories} categories (MAX_CATEGORIES); ` +
          'a column with this many distinct texts is probably an identifier or free text: drop it')
      }
    }
  }
  const categories = seen.map((set) => (set ? [...set].sort(compareClasses) : undefined))
  const index = categories.map((cats) => (cats ? new Map(cats.map((k, i) => [k, i])) : undefined))
  const x = new Float32Array(rows * width)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const at = index[c]
      if (at) {
        const s = label(r, c)
        x[r * width + c] = s === null ? NaN : at.get(s)!
        continue
      }
      const v = cell(r, c)
      if (v === null) { x[r * width + c] = NaN; continue }
      // a finite float64 can still overflow float32 (e.g. 1e39), which would store Infinity
      if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) fail(locate(r, c), `expected a finite number that fits a 32-bit float (at most ±3.4e38), got ${show(v)}`)
      x[r * width + c] = v
    }
  }
  const columns = names.map((name, c): FeatureColumn => kinds[c] === 'categorical'
    ? { name, kind: 'categorical', categories: categories[c]!, missing: scans[c].missing }
    : { name, kind: 'numeric', missing: scans[c].missing })
  return { x, columns }
}

/**
 * Feature columns of an upload → the stored "code" matrix and each column's kind. A numeric column
 * keeps its numbers; a categorical one (text) stores the index of its category, the categories in
 * natural order; a missing cell is NaN. One-hot encoding and imputation happen later, fitted per job
 * (model-inputs.ts), so the stored size is rows × raw columns whatever the categories. Pure.
 */
import { decideKind, fail, scanColumn, show, type Cell, type Place } from './cells.js'
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

/**
 * Reads `names.length` feature columns of `rows` rows. `cell(r, c)` is the typed cell; `text(r, c)`
 * (CSV) the cell as written, so that a categorical column keeps `01` and `1` apart as the file does.
 */
export function readFeatures (rows: number, names: readonly string[], cell: (r: number, c: number) => Cell,
  locate: (r: number, c: number) => Place, limits: FeatureLimits, text?: (r: number, c: number) => string): { x: Float32Array, columns: FeatureColumn[] } {
  const width = names.length
  const x = new Float32Array(rows * width)
  const columns = names.map((name, c): FeatureColumn => {
    const scan = scanColumn(rows, (r) => cell(r, c))
    if (scan.missing > 0 && limits.missing === 'error') fail(locate(scan.firstMissing, c), `the cell is missing; ${MISSING_HINT}`)
    if (scan.missing === rows) fail(locate(0, c), `column ${JSON.stringify(name)} has no value in any row; drop the column`)
    const kind = decideKind(scan, name, (r) => locate(r, c), limits.categorical?.has(name) ?? false, (r) => cell(r, c))
    if (kind === 'numeric') {
      for (let r = 0; r < rows; r++) {
        const v = cell(r, c)
        if (v === null) { x[r * width + c] = NaN; continue }
        // a finite float64 can still overflow float32 (e.g. 1e39), which would store Infinity
        if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) fail(locate(r, c), `expected a finite number that fits a 32-bit float, got ${show(v)}`)
        x[r * width + c] = v
      }
      return { name, kind, missing: scan.missing }
    }
    const label = (r: number): string | null => {
      const v = cell(r, c)
      return v === null ? null : text ? text(r, c).trim() : String(v)
    }
    const seen = new Set<string>()
    for (let r = 0; r < rows; r++) {
      const s = label(r)
      if (s === null || seen.has(s)) continue
      seen.add(s)
      if (seen.size > limits.maxCategories) {
        fail(locate(r, c), `column ${JSON.stringify(name)} has more than ${limits.maxCategories} categories (MAX_CATEGORIES); ` +
          'a column with this many distinct texts is probably an identifier or free text: drop it')
      }
    }
    const categories = [...seen].sort(compareClasses)
    const index = new Map(categories.map((k, i) => [k, i]))
    for (let r = 0; r < rows; r++) {
      const s = label(r)
      x[r * width + c] = s === null ? NaN : index.get(s)!
    }
    return { name, kind, categories, missing: scan.missing }
  })
  return { x, columns }
}

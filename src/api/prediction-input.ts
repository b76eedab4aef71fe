/**
 * Prediction rows as users have them → rows of codes for data/model-inputs.ts. Rows (`inputs`) or
 * records keyed by feature name (`instances`, as TensorFlow Serving and MLflow clients send), with
 * numbers, category strings and null for a missing value. Every value is checked like an upload
 * (finite, fits float32, a known column, a known category) and a fault is a 400 naming it where the
 * request holds it (RowPaths: `inputs[r][c]`, `instances[r].name`, or a protocol's tensor element).
 * Not the canonical numeric body's fast path (predict-body.ts).
 */
import { nearestName, quotedList } from '../schemas/messages.js'
import { INPUT_WIDTH, VALIDATION, withProblem } from '../errors.js'
import type { InputPipeline, ModelColumn } from '../data/model-inputs.js'
import { predictionColumns } from './prediction-columns.js'
import { counted } from '../nn/counted.js'
import { lookUpName } from '../data/name-index.js'

type Cell = number | string | null
export type RawRow = ArrayLike<Cell> | Readonly<Record<string, Cell>>

export interface UnknownCategory { readonly row: number, readonly field: string, readonly value: string }

/**
 * Where row r's values sit in the request as sent, for messages, problem fields and unknownCategories.
 * The native forms are `inputs[r][c]` and `instances[r].name`; a protocol that builds rows from
 * tensors or columns names the element it read (`inputs[1].data[2]`, `inputs.color[2]`). Called only
 * for a fault or an unknown category, never per value.
 */
export interface RowPaths {
  /** row r as a whole (a row of the wrong width) */
  row (r: number): string
  /** column c, in the model's order, of row r sent as an array */
  cell (r: number, c: number): string
  /** member `name` of row r sent as a record */
  member (r: number, name: string): string
  /**
   * Forms whose records were built from named columns (TF Serving's columnar `inputs`): where column
   * `name` sits whole. Every record then has the same members, so an unknown or absent column is one
   * fault of the column, said once, not of its first value.
   */
  column? (name: string): string
}

/** The paths of rows that sit whole at `row(r)`: their cells at `row(r)[c]`, their members at `row(r).name`. */
export const pathsOf = (row: (r: number) => string): RowPaths => ({
  row,
  cell: (r, c) => `${row(r)}[${c}]`,
  member: (r, name) => `${row(r)}.${name}`
})
/** Rows or records sent under `inputs` / `instances`, as the native predict (and TF Serving's row forms) take them. */
export const INPUTS = pathsOf((r) => `inputs[${r}]`)
export const INSTANCES = pathsOf((r) => `instances[${r}]`)
export interface CodedRows { readonly rows: Float64Array[], readonly unknown: UnknownCategory[] }
export type HandleUnknown = 'ignore' | 'error'

const bad = (field: string, message: string, row: number): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field, row })
/** A member the model has no feature of, with the nearest name it does have and all of them. */
const noSuchFeature = (name: string, names: readonly string[], noun: 'feature' | 'feature column'): string => {
  const near = nearestName(name, names)
  return `the model has no ${noun} ${JSON.stringify(name)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; its ${noun}s are ${quotedList(names)}`
}
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v))

/** What to send instead of a number written as text: 5.1 for "5.1", and for a decimal comma ("5,1", as much of Europe writes it) too. */
function numberHint (v: unknown): string {
  if (typeof v !== 'string') return ''
  const t = v.trim()
  if (t !== '' && Number.isFinite(Number(t))) return `; send it as a JSON number: ${Number(t)}`
  if (!/^[+-]?\d+,\d+$/.test(t)) return ''
  const point = t.replace(',', '.')
  // 1,000 may be a thousand: both readings are offered
  return /,\d{3}$/.test(t) ? `; as a JSON number: ${t.replace(',', '')} if the comma separates thousands, ${Number(point)} if it is a decimal comma` : `; with a decimal point and as a JSON number: ${point}`
}

/**
 * A row of a model with categorical columns holds one value per raw column, not the network's one-hot
 * inputs (the width a dataset and the network show): said when the row has that width, or any other.
 */
/** Feature names a width message lists before it says how many there are. */
const SHOWN_COLUMNS = 20

/** What a row of this model holds, said after a row of the wrong width: its features in order (and, with categories, how one is named). */
export function widthHint (pipeline: InputPipeline, got: number): string {
  const { columns } = pipeline.preprocessing
  const names = columns.length > SHOWN_COLUMNS ? `${quotedList(columns.slice(0, SHOWN_COLUMNS).map((c) => c.name))}, … (${columns.length} in all)` : quotedList(columns.map((c) => c.name))
  const categorical = columns.find((c) => c.categories !== undefined)
  if (pipeline.numericOnly || categorical === undefined) return `; a row holds one value per feature, in order: ${names}`
  return `; a row holds one value per feature column (${names}), a category by its name ` +
    `(${categorical.name}: ${JSON.stringify(categorical.categories![0])}, …)` +
    (got === pipeline.width ? `, not the ${pipeline.width} one-hot inputs the network takes` : '')
}

/**
 * Codes of each row: a number per raw column, a category's index, NaN for missing (the model must
 * have an imputer), -1 for an unknown category (handleUnknown 'ignore', reported) — or a 400. A value
 * of the wrong type (a string for a numeric column, a number for a column whose categories are text)
 * is a 400 whatever handleUnknown says: it is no category at all, not one the model never saw.
 */
/** handleUnknown=error's message: the categories the model knows, and why a category of its list is not one of them. */
function unknownCategory (column: ModelColumn, value: string, shown: string): string {
  const untrained = new Set(column.untrainedCategories)
  const known = column.categories!.filter((k) => !untrained.has(k))
  const listed = known.length > 0 ? known.map((s) => JSON.stringify(s)).join(', ') : 'none of its categories (no row it trained on had a value in this column)'
  const named = column.untrainedCategories?.find((k) => k === value || k === value.trim())
  return named === undefined
    ? `${shown} is not a category of column '${column.name}'; the model knows ${listed}`
    : `${shown} is a category of column '${column.name}' that none of the rows the model trained on held (it was in the dataset's validation rows only), so the model learned nothing about it; it knows ${listed}`
}

export function codesOf (pipeline: InputPipeline, rows: readonly RawRow[], at: RowPaths, handleUnknown: HandleUnknown = 'ignore'): CodedRows {
  const { columns, imputer } = pipeline.preprocessing
  const W = pipeline.rawWidth
  const { names, index, takesNumbers, shown } = predictionColumns(pipeline)
  const unknown: UnknownCategory[] = []

  // a path string is built only for a fault or an unknown category: most values need none
  const fieldOf = (c: number, r: number, record: boolean): string => (record ? at.member(r, names[c]) : at.cell(r, c))
  const code = (v: unknown, c: number, r: number, record: boolean): number => {
    if (v === null || v === undefined) {
      if (!imputer) throw bad(fieldOf(c, r, record), `the value is missing, and the model was trained without a missing-value strategy; send a value, or train with "missing": {"strategy": "mean"}`, r)
      return NaN
    }
    const categories = index[c]
    if (categories === undefined) {
      if (typeof v !== 'number') throw bad(fieldOf(c, r, record), `column '${names[c]}' is numeric; expected a number, got ${show(v)}${numberHint(v)}`, r)
      if (!Number.isFinite(Math.fround(v))) throw bad(fieldOf(c, r, record), `expected a finite number that fits a 32-bit float (at most ±3.4e38), got ${show(v)}`, r)
      return v
    }
    if (typeof v !== 'string' && !(typeof v === 'number' && takesNumbers[c])) {
      throw bad(fieldOf(c, r, record), `column '${names[c]}' is categorical; expected one of its categories as a string (${shown[c]}), ` +
        `got ${typeof v === 'number' ? `the number ${v}` : show(v)}`, r)
    }
    // as written, else trimmed, against the model's names as written and trimmed (data/name-index.ts)
    const k = lookUpName(categories, String(v))
    if (k !== undefined) return k
    if (handleUnknown === 'error') {
      throw bad(fieldOf(c, r, record), unknownCategory(columns[c], String(v), show(v)), r)
    }
    unknown.push({ row: r, field: fieldOf(c, r, record), value: String(v) })
    return -1
  }

  if (at.column !== undefined && rows.length > 0 && !Array.isArray(rows[0]) && !ArrayBuffer.isView(rows[0])) checkColumns(rows[0] as Readonly<Record<string, Cell>>, names, imputer !== undefined, at.column)

  const out = rows.map((row, r): Float64Array => {
    const codes = new Float64Array(W)
    if (Array.isArray(row) || ArrayBuffer.isView(row)) {
      const cells = row as ArrayLike<Cell>
      if (cells.length !== W) throw withProblem(new INPUT_WIDTH(counted(W, 'input'), cells.length, r, widthHint(pipeline, cells.length)), { field: at.row(r), row: r })
      for (let c = 0; c < W; c++) codes[c] = code(cells[c], c, r, false)
      return codes
    }
    const record = row as Readonly<Record<string, Cell>>
    const stranger = Object.keys(record).find((name) => !names.includes(name))
    if (stranger !== undefined) throw bad(at.member(r, stranger), noSuchFeature(stranger, names, 'feature'), r)
    // a feature left out of a record is a missing value, as null is
    for (let c = 0; c < W; c++) codes[c] = code(Object.hasOwn(record, names[c]) ? record[names[c]] : null, c, r, true)
    return codes
  })
  return { rows: out, unknown }
}

/**
 * The columns of a columnar body, from its first record (all have the same members): one it names that the
 * model lacks, or one the model reads that it leaves out when the model cannot impute a missing value.
 * An absent column of a model with an imputer is missing in every row, as a member left out of a record is.
 */
function checkColumns (record: Readonly<Record<string, Cell>>, names: readonly string[], imputes: boolean, column: (name: string) => string): void {
  const stranger = Object.keys(record).find((name) => !names.includes(name))
  if (stranger !== undefined) {
    const field = column(stranger)
    throw withProblem(new VALIDATION(`${field}: ${noSuchFeature(stranger, names, 'feature column')}`), { field })
  }
  if (imputes) return
  const absent = names.filter((name) => !Object.hasOwn(record, name))
  if (absent.length === 0) return
  const field = column(absent[0])
  throw withProblem(new VALIDATION(`${field}: the column${absent.length > 1 ? `s ${quotedList(absent)} are` : ' is'} missing, and the model was trained without a missing-value strategy; ` +
    `send every feature column (${quotedList(names)}), one value per row`), { field })
}

/**
 * A body whose rows are one flat row of values, a common mistake: one plain message instead of zod's
 * one per value. `keys`: the members that hold rows (predict: inputs, instances; a dataset: features).
 */
export function flatRowsMessage (body: unknown, keys: readonly string[] = ['inputs', 'instances']): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  for (const key of keys) {
    const rows = (body as Record<string, unknown>)[key]
    if (Array.isArray(rows) && rows.length > 0 && rows.every((v) => v === null || typeof v !== 'object')) {
      if (key === 'features') {
        const each = rows.slice(0, 3).map((v) => `[${JSON.stringify(v)}]`).join(', ') + (rows.length > 3 ? ', …' : '')
        return `features must be a list of rows, one per sample, and got a flat list of values; with one feature per sample, send {"features": [${each}]}`
      }
      return oneFlatRowMessage(key, rows, (row) => `{"${key}": ${row}}`)
    }
  }
  return undefined
}

/**
 * `path` held one row's values where a list of rows belongs: the body to send instead, with the row
 * wrapped (`inside` places the wrapped row where the body holds it).
 */
export function oneFlatRowMessage (path: string, values: readonly unknown[], inside: (rows: string) => string): string {
  const shown = JSON.stringify(values.slice(0, 4)).slice(1, -1) + (values.length > 4 ? ', …' : '')
  return `${path} must be a list of rows, and got one flat row; wrap it in another pair of brackets: ${inside(`[[${shown}]]`)}`
}

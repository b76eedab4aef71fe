/**
 * RFC 4180 CSV with a header row → named columns, and the split into feature and target columns.
 * Pure text in, plain arrays out; no I/O and no encoding of labels (encode-targets.ts does that).
 */
import { BAD_CSV, withProblem } from '../errors.js'
import type { RawTarget } from './encode-targets.js'

export interface CsvDocument {
  readonly header: string[]
  readonly records: string[][]
  /** The 1-based line on which each record starts (the header is line 1 unless blank lines precede it). */
  readonly lines: number[]
}

/** Raw columns ready for encodeTargets + datasetFromRows: the same shape as the JSON upload. */
export interface CsvTable {
  readonly featureNames: string[]
  readonly targetNames: string[]
  readonly features: number[][]
  readonly targets: RawTarget[]
}

export interface CsvTableOptions {
  /** Target column names; default: the last column. */
  readonly target?: readonly string[]
  /** Treat a single target column as class labels even when its values are numbers (e.g. digits 0-9). */
  readonly categorical?: boolean
}

function csvError (message: string, line: number, column?: number, name?: string): Error {
  const where = column === undefined ? `line ${line}` : `line ${line}, column ${column}${name === undefined ? '' : ` (${JSON.stringify(name)})`}`
  return withProblem(new BAD_CSV(`${where}: ${message}`), { line, column })
}

/** Splits CSV text into records; quoted fields may hold commas, quotes ("") and line breaks. CRLF, LF and CR all end a line. */
export function parseCsv (text: string): CsvDocument {
  const rows: string[][] = []
  const lines: number[] = []
  let record: string[] = []
  let field = ''
  let quoted = false // the current field began with a quote
  let inQuotes = false
  let line = 1
  let recordLine = 1
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const endField = (): void => { record.push(field); field = ''; quoted = false }
  const endRecord = (): void => {
    endField()
    // a line with nothing on it is skipped, not read as a record of one empty cell
    if (!(record.length === 1 && record[0] === '' && !quoted)) { rows.push(record); lines.push(recordLine) }
    record = []
  }
  for (; i < text.length; i++) {
    const ch = text[i]
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++ } else inQuotes = false
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++
        field += ch
      }
      continue
    }
    if (ch === ',') endField()
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
      recordLine = line
    } else if (ch === '"') {
      if (field !== '' || quoted) throw csvError('a quote may only open a field; double it ("") inside a quoted field', line, record.length + 1)
      quoted = inQuotes = true
    } else {
      if (quoted) throw csvError('text follows a closing quote; quote the whole field', line, record.length + 1)
      field += ch
    }
  }
  if (inQuotes) throw csvError('a quoted field is never closed; add the closing quote', recordLine, record.length + 1)
  if (field !== '' || quoted || record.length > 0) endRecord()
  if (rows.length === 0) throw csvError('the document is empty; send a header row and at least one data row', 1)
  const header = rows[0].map((h) => h.trim())
  const seen = new Set<string>()
  header.forEach((name, c) => {
    if (name === '') throw csvError('the header has an empty column name; name every column', lines[0], c + 1)
    if (seen.has(name)) throw csvError(`the column name ${JSON.stringify(name)} appears twice in the header`, lines[0], c + 1)
    seen.add(name)
  })
  for (let r = 1; r < rows.length; r++) {
    if (rows[r].length !== header.length) {
      throw csvError(`expected ${header.length} cells like the header, got ${rows[r].length}`, lines[r])
    }
  }
  return { header, records: rows.slice(1), lines: lines.slice(1) }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** Picks target columns by name and parses every feature cell as a number; errors name line, column and header. */
export function csvToTable (text: string, options: CsvTableOptions = {}): CsvTable {
  const doc = parseCsv(text)
  const { header, records, lines } = doc
  if (records.length === 0) throw csvError('there are no data rows after the header', lines[0] ?? 1)
  if (header.length < 2) throw csvError('a dataset needs at least two columns: features and a target', 1)
  const targetNames = options.target && options.target.length > 0 ? [...options.target] : [header[header.length - 1]]
  const targetIdx = targetNames.map((name) => {
    const c = header.indexOf(name)
    if (c < 0) throw withProblem(new BAD_CSV(`target column ${JSON.stringify(name)} is not in the header; the columns are ${header.join(', ')}`), { field: 'target' })
    return c
  })
  if (new Set(targetIdx).size !== targetIdx.length) throw withProblem(new BAD_CSV('a target column is named twice'), { field: 'target' })
  const featureIdx = header.map((_, c) => c).filter((c) => !targetIdx.includes(c))
  if (featureIdx.length === 0) throw withProblem(new BAD_CSV('every column is a target; leave at least one feature column'), { field: 'target' })

  const cell = (r: number, c: number): string => records[r][c].trim()
  const num = (r: number, c: number, why: string): number => {
    const s = cell(r, c)
    if (s === '') throw csvError(`the cell is empty; every ${why} cell needs a number`, lines[r], c + 1, header[c])
    if (!NUMBER.test(s)) throw csvError(`expected a number, got ${JSON.stringify(s)}`, lines[r], c + 1, header[c])
    const v = Number(s)
    if (!Number.isFinite(Math.fround(v))) throw csvError(`${s} does not fit in a 32-bit float`, lines[r], c + 1, header[c])
    return v
  }
  const features = records.map((_, r) => featureIdx.map((c) => num(r, c, 'feature')))

  const labelled = targetIdx.length === 1 &&
    (options.categorical === true || records.some((_, r) => cell(r, targetIdx[0]) !== '' && !NUMBER.test(cell(r, targetIdx[0]))))
  let targets: RawTarget[]
  if (labelled) {
    const c = targetIdx[0]
    targets = records.map((_, r) => {
      const s = cell(r, c)
      if (s === '') throw csvError('the class label is empty; every row needs one', lines[r], c + 1, header[c])
      return s
    })
  } else if (targetIdx.length === 1) {
    targets = records.map((_, r) => num(r, targetIdx[0], 'target'))
  } else {
    const why = 'target (only a single target column may hold class labels)'
    targets = records.map((_, r) => targetIdx.map((c) => num(r, c, why)))
  }
  return { featureNames: featureIdx.map((c) => header[c]), targetNames, features, targets }
}

/**
 * Parsed CSV → the same DatasetInput a JSON upload is, with places that name line, column and header.
 * Each cell is read as a number, a missing value (empty, NA, ?, …) or text (cells.ts); the kind of a
 * column is then decided by all its cells. No encoding here (build-dataset.ts does that).
 */
import { nearestKey, quotedList } from '../schemas/messages.js'
import { BAD_CSV, withProblem } from '../errors.js'
import { cellOfText, decideKind, fail, scanColumn, type Cell, type DecimalMark, type Place, type ThousandsMark } from './cells.js'
import { csvError, oneColumnMessage, parseCsv, type Delimiter } from './csv.js'
import type { DatasetInput, DatasetPlaces } from './build-dataset.js'
import type { RawTarget } from './encode-targets.js'
import type { MissingValues } from './missing.js'

export interface CsvTableOptions {
  /** Target column names; default: the last column. */
  readonly target?: readonly string[]
  /**
   * true: the single target column holds class labels even when they are numbers (e.g. digits 0-9);
   * a list: these columns (features or the target) hold categories.
   */
  readonly categorical?: boolean | readonly string[]
  /** Default: detected from the header line (comma, semicolon or tab). */
  readonly delimiter?: Delimiter
  /** The decimal mark of numbers (pandas' `decimal`); `,` needs another delimiter. Default `.`. */
  readonly decimal?: DecimalMark
  /** The mark between groups of three digits (pandas' `thousands`); neither the decimal mark nor the delimiter. Default none. */
  readonly thousands?: ThousandsMark
  readonly missing?: MissingValues
}

export interface CsvTable { readonly input: DatasetInput, readonly places: DatasetPlaces }

/**
 * CSV sent JSON-encoded (`"a,b\\n1,2\\n"`): one quoted line whose rows are `\\n` escapes, as a client that
 * JSON-encodes every body (openapi-fetch without a bodySerializer) sends a string.
 */
const jsonEncoded = (text: string): boolean => {
  const s = text.trim()
  return s.length > 2 && s.startsWith('"') && s.endsWith('"') && s.includes('\\n')
}
const JSON_ENCODED = 'the body is a JSON string holding the CSV (one quoted line with \\n escapes), not CSV text; send the text itself ' +
  '(openapi-fetch: bodySerializer: (text) => text, or the typed client\'s uploadCsv)'

/** `maxRows`: the most data rows read (MAX_DATASET_ROWS); parseCsv refuses the first one past it. */
export function csvToTable (text: string, options: CsvTableOptions = {}, maxRows = Infinity): CsvTable {
  const { header, records, lines, delimiter } = parseCsv(text, options.delimiter, maxRows)
  const decimal = options.decimal ?? '.'
  const { thousands } = options
  if (decimal === ',' && delimiter === ',') {
    throw withProblem(new BAD_CSV('decimal=, needs cells separated by something else than commas; the header reads as comma-separated (send ?delimiter=; or ?delimiter=tab if it is not)'), { field: 'decimal' })
  }
  if (thousands === decimal) throw withProblem(new BAD_CSV(`thousands and decimal are both ${JSON.stringify(decimal)}: one mark cannot do both; send ?decimal=, with ?thousands=. (or the other way round)`), { field: 'thousands' })
  if (records.length === 0) throw csvError(jsonEncoded(text) ? JSON_ENCODED : 'there are no data rows after the header', lines[0] ?? 1)
  if (header.length < 2) {
    throw csvError(oneColumnMessage(header[0], delimiter), 1)
  }
  const targetNames = options.target && options.target.length > 0 ? [...options.target] : [header[header.length - 1]]
  const targetIdx = targetNames.map((name) => {
    const c = header.indexOf(name)
    if (c >= 0) return c
    const near = nearestKey(name, header)
    throw withProblem(new BAD_CSV(`target column ${JSON.stringify(name)} is not in the header${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; the columns are ${quotedList(header)}`), { field: 'target' })
  })
  const twice = targetNames.find((name, i) => targetNames.indexOf(name) !== i)
  if (twice !== undefined) throw withProblem(new BAD_CSV(`target column ${JSON.stringify(twice)} is named twice in ?target; name each target column once`), { field: 'target' })
  const featureIdx = header.map((_, c) => c).filter((c) => !targetIdx.includes(c))
  if (featureIdx.length === 0) throw withProblem(new BAD_CSV(`target columns ${quotedList(targetNames)} are every column there is; leave at least one feature column out of ?target`), { field: 'target' })

  const place = (r: number, c: number): Place => ({
    text: `line ${lines[r]}, column ${c + 1} (${JSON.stringify(header[c])})`, problem: { line: lines[r], column: c + 1, field: header[c] }, csv: true
  })
  const raw = (r: number, c: number): string => records[r][c].trim()
  const declared = Array.isArray(options.categorical) ? new Set<string>(options.categorical) : new Set<string>()
  for (const name of declared) {
    if (!header.includes(name)) throw withProblem(new BAD_CSV(`categorical names column ${JSON.stringify(name)}, which is not in the header; the columns are ${header.join(', ')}`), { field: 'categorical' })
  }
  const features: Cell[][] = records.map((record) => featureIdx.map((c) => cellOfText(record[c], decimal, thousands)))

  let targets: RawTarget[]
  if (targetIdx.length === 1) {
    const c = targetIdx[0]
    const name = header[c]
    const asLabels = options.categorical === true || declared.has(name)
    const cells = records.map((record) => (asLabels ? record[c].trim() || null : cellOfText(record[c], decimal, thousands)))
    const scan = scanColumn(cells.length, (r) => cells[r])
    if (scan.missing > 0) {
      // only a marker read as missing (NA, ?, null) can be a class label instead; an empty cell is missing either way
      const text = raw(scan.firstMissing, c).trim()
      fail(place(scan.firstMissing, c), `the target is missing (${JSON.stringify(raw(scan.firstMissing, c))}); every row needs a target: remove the rows without one ` +
        '(missing-value strategies fill feature cells only)' + (asLabels || text === '' ? '' : `, or if ${JSON.stringify(text)} is a class label of this column, send ?categorical=true`))
    }
    const kind = asLabels ? 'categorical' : decideKind(scan, name, (r) => place(r, c), false, (r) => cells[r], 'target')
    targets = kind === 'categorical' ? records.map((_, r) => raw(r, c)) : cells as number[]
  } else {
    targets = records.map((record, r) => targetIdx.map((c) => {
      const v = cellOfText(record[c], decimal, thousands)
      if (typeof v !== 'number') fail(place(r, c), `expected a number, got ${JSON.stringify(raw(r, c))} (only a single target column may hold class labels, and no target may be missing)`)
      return v
    }))
  }
  const featureNames = featureIdx.map((c) => header[c])
  return {
    input: {
      features,
      targets,
      featureNames,
      targetNames,
      ...(options.missing ? { missing: options.missing } : {}),
      categorical: featureNames.filter((n) => declared.has(n))
    },
    places: {
      feature: (r, c) => place(r, featureIdx[c]),
      target: (r) => place(r, targetIdx[0]),
      text: (r, c) => records[r][featureIdx[c]]
    }
  }
}

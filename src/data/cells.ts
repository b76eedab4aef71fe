/**
 * One cell of a table as users send it, and how a whole column's kind is decided from its cells
 * (never from one cell). CSV text and JSON values both become Cells: a number, a string or null
 * (missing). Pure; the errors name the cell through a locator the caller supplies.
 */
import { BAD_CSV, BAD_DATASET, withProblem, type ProblemExtras } from '../errors.js'
import { quotedStart } from '../schemas/messages.js'

export type Cell = number | string | null

/**
 * Texts read as a missing value: pandas' default `na_values` plus `?` (the UCI repository's marker).
 * Matched after trimming; the empty cell is missing too.
 */
export const MISSING_MARKERS: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA',
  'NULL', 'NaN', 'None', 'n/a', 'nan', 'null', '?'
])

/** A decimal number as CSV writes one (no hex, no Infinity): what `Number()` would read exactly as meant. */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** A number written with a decimal comma (`1,5`, `-0,25`), as spreadsheets in much of Europe save `;`-separated CSV. */
export const DECIMAL_COMMA_NUMBER = /^[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?$/

/** The character that separates a number's integer and fraction parts (pandas' `decimal`). */
export type DecimalMark = '.' | ','

/** The character between groups of three digits (pandas' `thousands`): a space takes the no-break spaces too, as French files write them. */
export type ThousandsMark = ',' | '.' | ' ' | '\''

const SEPARATOR_PATTERN: Record<ThousandsMark, string> = { ',': ',', '.': '\\.', ' ': '[ \\u00a0\\u202f]', '\'': '\'' }

/** A grouped number's pattern, and its separators to strip, for one decimal and thousands mark: made once, not once a cell. */
interface Grouping { readonly grouped: RegExp, readonly separators: RegExp }
const groupings = new Map<string, Grouping>()

function groupingOf (decimal: DecimalMark, thousands: ThousandsMark): Grouping {
  const key = decimal + thousands
  let made = groupings.get(key)
  if (made === undefined) {
    // groups of three, or India's lakh and crore (1,23,45,678): twos, then the last three
    const sep = SEPARATOR_PATTERN[thousands]
    made = {
      grouped: new RegExp(`^[+-]?\\d{1,3}(?:${sep}\\d{2,3})*${sep}\\d{3}(?:${decimal === '.' ? '\\.' : ','}\\d*)?$`, 'u'),
      separators: new RegExp(sep, 'gu')
    }
    groupings.set(key, made)
  }
  return made
}

/** `1.234.567,89` with thousands `.` and decimal `,`: the number, or null when the text is not grouped so. */
function groupedNumber (s: string, decimal: DecimalMark, thousands: ThousandsMark): number | null {
  const { grouped, separators } = groupingOf(decimal, thousands)
  if (!grouped.test(s)) return null
  const plain = s.replace(separators, '')
  return Number(decimal === ',' ? plain.replace(',', '.') : plain)
}

/**
 * A CSV cell's text → a Cell: missing marker → null, a number → number, anything else → the trimmed
 * text. With the decimal mark `,`, `1,5` reads as 1.5 (and `1.5` stays text, as pandas reads it). With a
 * thousands mark, digits grouped by it read as their number (`1.234,5` with `.`), as pandas' `thousands`.
 */
export function cellOfText (text: string, decimal: DecimalMark = '.', thousands?: ThousandsMark): Cell {
  const s = text.trim()
  if (MISSING_MARKERS.has(s)) return null
  if (thousands !== undefined) {
    const grouped = groupedNumber(s, decimal, thousands)
    if (grouped !== null) return grouped
  }
  if (decimal === ',') {
    if (s.includes('.')) return s
    return NUMBER.test(s) ? Number(s) : DECIMAL_COMMA_NUMBER.test(s) ? Number(s.replace(',', '.')) : s
  }
  return NUMBER.test(s) ? Number(s) : s
}

/** Where a cell is, for messages and problem+json: `text` reads e.g. `line 3, column 2 ("b")` or `features[3][2]`. */
export interface Place { readonly text: string, readonly problem: ProblemExtras, readonly csv?: boolean }
export type Locate = (row: number) => Place

export function fail (place: Place, message: string): never {
  throw withProblem(place.csv ? new BAD_CSV(`${place.text}: ${message}`) : new BAD_DATASET(`${place.text}: ${message}`), place.problem)
}

/**
 * Shown in messages: numbers as written, strings quoted. A number text past float64 (`1e400`) was read
 * as ±Infinity, which the user never wrote: it is said as what it was.
 */
export const show = (v: Cell | undefined): string => (typeof v === 'string'
  ? quotedStart(v)
  : typeof v === 'number' && (v === Infinity || v === -Infinity) ? `a number beyond ${v > 0 ? '' : '-'}1.8e308` : String(v))

export interface ColumnScan {
  readonly numbers: number
  readonly strings: number
  readonly missing: number
  /** first row of each kind, or -1 */
  readonly firstNumber: number
  readonly firstString: number
  readonly firstMissing: number
}

export function scanColumn (rows: number, cell: (r: number) => Cell): ColumnScan {
  let numbers = 0; let strings = 0; let missing = 0
  let firstNumber = -1; let firstString = -1; let firstMissing = -1
  for (let r = 0; r < rows; r++) {
    const v = cell(r)
    if (v === null) { missing++; if (firstMissing < 0) firstMissing = r } else if (typeof v === 'number') { numbers++; if (firstNumber < 0) firstNumber = r } else { strings++; if (firstString < 0) firstString = r }
  }
  return { numbers, strings, missing, firstNumber, firstString, firstMissing }
}

/**
 * A column's kind from all its cells: only numbers → numeric; only strings → categorical; a mix is
 * categorical when most cells are strings (the numbers are then categories too) and otherwise a
 * numeric column with a few stray texts, refused at the first of them with the ways to fix it.
 */
export function decideKind (scan: ColumnScan, name: string, locate: Locate, forceCategorical: boolean, cell: (r: number) => Cell,
  role: 'feature' | 'target' = 'feature'): 'numeric' | 'categorical' {
  if (forceCategorical) return scan.strings + scan.numbers === 0 ? 'numeric' : 'categorical'
  if (scan.strings === 0) return 'numeric'
  refuseDecimalCommas(scan, name, locate, cell)
  refuseFormattedNumbers(scan, name, locate, cell)
  // strings that would make the column categorical; a few among numbers get the stray-text message below
  if (scan.strings > scan.numbers) refuseNumberStrings(scan, name, locate, cell, role)
  if (scan.numbers === 0) return 'categorical'
  if (scan.strings > scan.numbers) return 'categorical'
  const place = locate(scan.firstString)
  // a target is never imputed: a missing-value strategy would not help there
  const fixes = role === 'target'
    ? 'if it marks a missing target, remove the row (missing-value strategies fill feature cells only), or if the column holds class labels, send ?categorical=true'
    : place.csv
      ? 'if it marks a missing value write it as an empty cell or NA (and choose a missing-value strategy), '
      : 'if it marks a missing value send null instead (and choose a missing-value strategy: "missing": {"strategy": "mean"}), '
  return fail(place, `expected a number like the rest of column ${JSON.stringify(name)}, got ${show(cell(scan.firstString))}; ${fixes}` +
    (role === 'target' ? '' : `or if the column holds categories, declare it: ${declareCategorical(name, place)}`))
}

/** How an upload declares a column categorical: CSV's query parameter, or the JSON body's member. */
export const declareCategorical = (name: string, place: Place): string =>
  place.csv ? `?categorical=${encodeURIComponent(name)}` : `"categorical": [${JSON.stringify(name)}]`

/** A number with commas between groups of three digits (`1,000`, `-12,345.6`): thousands separators, or a decimal comma's `1,000`. */
const GROUPED_NUMBER = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/

/**
 * A column whose texts are all numbers written with commas would otherwise become one category per
 * distinct value: refused, saying how to send them. A decimal comma (`1,5`) has its option (csv-table.ts
 * `decimal`); commas between groups of three digits (`1,000`) are thousands separators when a point
 * follows (`1,234.5`), and either when none does, so the message offers both readings.
 */
function refuseDecimalCommas (scan: ColumnScan, name: string, locate: Locate, cell: (r: number) => Cell): void {
  let first = -1
  let decimal = true, grouped = true, pointed = false
  for (let r = 0, strings = 0; strings < scan.strings && (decimal || grouped); r++) {
    const v = cell(r)
    if (typeof v !== 'string') continue
    strings++
    decimal &&= DECIMAL_COMMA_NUMBER.test(v)
    grouped &&= GROUPED_NUMBER.test(v)
    pointed ||= v.includes('.')
    if (first < 0) first = r
  }
  if (!decimal && !grouped) return
  const place = locate(first)
  const categories = `, or if they are categories, declare them: ${declareCategorical(name, place)}`
  const decimalOption = place.csv ? 'send ?decimal=, to read them as numbers' : 'send them as JSON numbers'
  if (grouped) {
    const plain = Number(String(cell(first)).replace(/,/g, ''))
    fail(place, `column ${JSON.stringify(name)} holds numbers written with commas (${show(cell(first))}), which would each become a category; ` +
      `if the commas separate thousands, write the numbers without them (${plain})` + (pointed ? '' : `; if the comma is a decimal mark, ${decimalOption}${place.csv ? ' (cells separated by ; or tab)' : ''}`) + categories)
  }
  fail(place, `column ${JSON.stringify(name)} holds numbers written with a decimal comma (${show(cell(first))}), which would each become a category; ${decimalOption}${categories}`)
}

/** Digits grouped by thousands with `.`, a space or `'` (any decimal part after them): `1.234.567,89`, `1 234,5`, `1'234.50`. */
const GROUPED_OTHER = /^[+-]?\d{1,3}(?:(?:\.\d{3})+|(?:[ \u00a0\u202f]\d{3})+|(?:'\d{3})+)(?:[.,]\d*)?$/u
/** A number with a % sign: `12%`, `-0,5 %`. */
const PERCENT = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\s?%$/u
/** An amount with a currency sign before or after it: `$1200`, `5 €`, `-£7.50`, `1.234,00 €`. */
const CURRENCY = /^(?:[+-]?[$€£¥]\s?[+-]?\d[\d.,' \u00a0\u202f]*|[+-]?\d[\d.,' \u00a0\u202f]*\s?[$€£¥])$/u

/** What a text is, when it is a number written in a form a CSV cell is not read in; undefined when it is no number. */
function numberForm (s: string): 'point' | 'grouped' | 'percent' | 'currency' | undefined {
  if (GROUPED_OTHER.test(s)) return 'grouped'
  // a plain number stays text only where ?decimal=, reads a comma as the decimal mark
  if (NUMBER.test(s)) return 'point'
  if (PERCENT.test(s)) return 'percent'
  if (CURRENCY.test(s)) return 'currency'
  return undefined
}

/**
 * A CSV column whose texts are all numbers in a form its cells are not read in would otherwise become one category
 * per distinct value, and train without a word (a data trial: a European price export's `1.234.567,89`, `12%`,
 * `$1200`, `5.1` in a `?decimal=,` file). Refused, saying what reads them: `?thousands=` for grouped digits, plain
 * numbers for percentages and amounts, one decimal mark per file. JSON strings have their own check (refuseNumberStrings).
 */
function refuseFormattedNumbers (scan: ColumnScan, name: string, locate: Locate, cell: (r: number) => Cell): void {
  if (scan.strings === 0 || locate(scan.firstString).csv !== true) return
  let first = -1
  let form: ReturnType<typeof numberForm>
  for (let r = 0, strings = 0; strings < scan.strings; r++) {
    const v = cell(r)
    if (typeof v !== 'string') continue
    strings++
    const f = numberForm(v.trim())
    if (f === undefined) return
    if (first < 0) { first = r; form = f }
  }
  const place = locate(first)
  const text = cell(first) as string
  const categories = `, or if they are categories, declare them: ${declareCategorical(name, place)}`
  const start = `column ${JSON.stringify(name)} holds numbers written as ${quotedStart(text)}, which would each become a category`
  switch (form) {
    case 'grouped': {
      const separator = /\d([.\s\u00a0\u202f'])\d{3}/u.exec(text)?.[1] ?? '.'
      const sent = separator === '.' ? '.' : separator === '\'' ? '\'' : '%20 (a space)'
      return fail(place, `${start}: send ?thousands=${sent} to read digits grouped so as numbers (pandas' thousands), with ?decimal=, if a comma marks the decimals${categories}`)
    }
    case 'point':
      return fail(place, `${start}: ?decimal=, reads a comma as the decimal mark, and this column writes a point; if the points separate thousands (1.000 for 1000), send ?thousands=. too; ` +
        `if they are decimal points, the file mixes two decimal marks: write it with one${categories}`)
    case 'percent':
      return fail(place, `${start}: write them as plain numbers, without the % sign (12% as 12, or as 0.12)${categories}`)
    default:
      return fail(place, `${start}: write them as plain numbers, without the currency sign${categories}`)
  }
}

/** An integer as text: a plausible class label even when it is all digits (`"0"`, `"1"`). */
export const INTEGER = /^[+-]?\d+$/

/**
 * A JSON column whose strings are all numbers (`"5.1"`), as a form sends its values, would become one
 * category per distinct value and train on nonsense without a word: refused, saying to send numbers, or
 * to declare the column categorical when the digits are codes (zip codes). A target of integer strings
 * (`"0"`, `"1"`) is left alone: class labels, as sent. CSV cells are text by nature and already read as
 * numbers, so this is JSON's alone.
 */
function refuseNumberStrings (scan: ColumnScan, name: string, locate: Locate, cell: (r: number) => Cell, role: 'feature' | 'target'): void {
  if (locate(scan.firstString).csv === true) return
  // as CSV decides a column from most of its cells: numbers as text, a few other texts, and CSV's missing markers
  let numbers = 0, markers = 0, others = 0, fractional = false, first = -1, firstOther = -1
  for (let r = 0, strings = 0; strings < scan.strings; r++) {
    const v = cell(r)
    if (typeof v !== 'string') continue
    strings++
    const s = v.trim()
    if (NUMBER.test(s)) {
      numbers++
      fractional ||= !INTEGER.test(s)
      if (first < 0) first = r
    } else if (MISSING_MARKERS.has(s)) markers++
    else { others++; if (firstOther < 0) firstOther = r }
  }
  if (numbers <= others) return
  if (role === 'target' && !fractional && others + markers === 0) return
  const text = cell(first) as string
  const place = locate(first)
  const strays = others > 0 ? `; it also holds ${show(cell(firstOther))}${others > 1 ? ` and ${others - 1} other text${others > 2 ? 's' : ''}` : ''}, which is no number` : ''
  const missing = markers > 0 ? `; a missing value is null in JSON, not ${markers === 1 ? 'a text like' : 'texts like'} "NA" or ""` : ''
  fail(place, `column ${JSON.stringify(name)} holds numbers as JSON strings (${show(text)}), which would each become a ${role === 'target' ? 'class' : 'category'}; ` +
    `send them as JSON numbers (${Number(text.trim())})${missing}${strays}` +
    (role === 'target' ? '' : `, or if they are codes rather than quantities (zip codes, ids), declare them: ${declareCategorical(name, place)}`))
}

/**
 * Labels that spell one number differently (`1`, `1.0`, `01`) would become separate classes: refused,
 * naming both spellings, at the cell where the second spelling first appears (`locate` gets both and
 * picks). Labels that are not numbers are left alone.
 */
export function checkSpellings (labels: readonly string[], name: string, locate: (label: string, other: string) => Place): void {
  const seen = new Map<number, string>()
  for (const label of labels) {
    // labels arrive trimmed (encode-targets.ts); trimmed again for callers that pass them as written
    if (!NUMBER.test(label.trim())) continue
    const v = Number(label.trim())
    const other = seen.get(v)
    if (other !== undefined && other !== label) {
      fail(locate(label, other), `class labels ${JSON.stringify(other)} and ${JSON.stringify(label)} in column ${JSON.stringify(name)} ` +
        'are the same number written two ways, and would be two classes; write each class one way')
    }
    seen.set(v, label)
  }
}

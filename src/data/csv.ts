/**
 * RFC 4180 CSV with a header row → records, with the delimiter given or detected (comma, semicolon, tab).
 * Pure text in, records out; the typed table is csv-table.ts's.
 */
import { BAD_CSV, DATASET_TOO_LARGE, withProblem } from '../errors.js'

export interface CsvDocument {
  readonly header: string[]
  readonly records: string[][]
  /** The 1-based line on which each record starts (the header is line 1 unless blank lines precede it). */
  readonly lines: number[]
  /** The delimiter given or detected. */
  readonly delimiter: Delimiter
}

export function csvError (message: string, line: number, column?: number, name?: string): Error {
  const where = column === undefined ? `line ${line}` : `line ${line}, column ${column}${name === undefined ? '' : ` (${JSON.stringify(name)})`}`
  return withProblem(new BAD_CSV(`${where}: ${message}`), { line, column })
}

/** The separators a CSV upload may use: comma (RFC 4180), semicolon (locales with decimal commas), tab. */
export const DELIMITERS = [',', ';', '\t'] as const
export type Delimiter = (typeof DELIMITERS)[number]
const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' }

/** The delimiter of the header line: the candidate it holds most of (outside quotes), comma on a tie or none. */
export function detectDelimiter (text: string): Delimiter {
  const counts = new Map<string, number>()
  let inQuotes = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  // the header line: the first with something on it but spaces (parseCsv skips the blank ones)
  for (let end = i; end <= text.length; end++) {
    if (end < text.length && text[end] !== '\n' && text[end] !== '\r') continue
    if (text.slice(i, end).trim() !== '') break
    i = end + 1
  }
  for (; i < text.length; i++) {
    const ch = text[i]
    if (ch === '"') inQuotes = !inQuotes
    else if (!inQuotes && (ch === '\n' || ch === '\r')) break
    else if (!inQuotes) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  }
  let best: Delimiter = ','
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d
  return best
}

/** A hint when a line holds another candidate delimiter: the likely cause of a wrong cell count. */
function delimiterHint (line: string, delimiter: Delimiter): string {
  const other = DELIMITERS.find((d) => d !== delimiter && line.includes(d))
  return other === undefined ? '' : `; it holds ${DELIMITER_NAMES[other]}s: if they separate its cells, send ?delimiter=${other === '\t' ? 'tab' : encodeURIComponent(other)}`
}

/**
 * A header that reads as one column: says so, with the delimiter used (perhaps the one the caller gave)
 * and the fix: the other candidate delimiter the header holds, or else the delimiters that are read.
 */
export function oneColumnMessage (header: string, delimiter: Delimiter): string {
  const other = delimiterHint(header, delimiter)
  return `the header ${JSON.stringify(header)} reads as one column (cells separated by ${DELIMITER_NAMES[delimiter]}s), and a dataset needs at least two (features and a target)` +
    (other !== '' ? other : '; it holds no comma, semicolon or tab: save the file with one of them between its cells (?delimiter=%3B or ?delimiter=tab for the latter two)')
}

/**
 * Splits CSV text into records; quoted fields may hold the delimiter, quotes ("") and line breaks.
 * CRLF, LF and CR all end a line. The delimiter defaults to the one the header line uses (detectDelimiter).
 * More than `maxRecords` records after the header is DATASET_TOO_LARGE (413), thrown on the first record
 * past it: a file of millions of rows over the cap is not split whole first (5,000,000 rows held ~1.8 GB).
 */
export function parseCsv (text: string, delimiter: Delimiter = detectDelimiter(text), maxRecords = Infinity): CsvDocument {
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
    // a line with nothing on it but spaces is skipped, not read as a record of one empty cell (a
    // dataset has two columns at least, so one unquoted cell of spaces is never a row of one)
    if (!(record.length === 1 && record[0].trim() === '' && !quoted)) {
      // rows[0] is the header
      if (rows.length > maxRecords) throw withProblem(new DATASET_TOO_LARGE(`dataset has more than ${maxRecords} rows (line ${recordLine} holds row ${maxRecords + 1})`, maxRecords), { line: recordLine })
      rows.push(record); lines.push(recordLine)
    }
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
    if (ch === delimiter) endField()
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
      const raw = rows[r].join(delimiter)
      throw csvError(`expected ${header.length} cells like the header, got ${rows[r].length} (cells separated by ${DELIMITER_NAMES[delimiter]}s)${delimiterHint(raw, delimiter)}`, lines[r])
    }
  }
  return { header, records: rows.slice(1), lines: lines.slice(1), delimiter }
}


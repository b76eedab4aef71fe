/**
 * CSV bytes → text, in the charset the upload's content type names (UTF-8 when it names none); a byte
 * order mark decides over both, as the Encoding Standard's decode does (Excel's "Unicode Text" is
 * UTF-16LE with one). Strict: bytes that are not of the charset are a 400 naming their line, never
 * U+FFFD in a cell, where a mis-declared "café" would quietly become a class of its own.
 * Pure: runs inline or on the dataset thread, with the TextDecoder of the platform (Node with full ICU
 * reads every charset of the Encoding Standard but iso-8859-16; a smaller ICU, fewer: the 415 lists them).
 */
import { UNSUPPORTED_CHARSET, BAD_CSV, withProblem } from '../errors.js'
import { csvError } from './csv.js'

const DEFAULT_ENCODING = 'utf-8'

/** The charsets a 415 names as examples, those this platform's TextDecoder reads. */
const EXAMPLES = ['windows-1252', 'iso-8859-15', 'iso-8859-2', 'windows-1251', 'utf-16le', 'utf-16be', 'shift_jis', 'gbk', 'big5']

const decodable = (label: string): boolean => {
  try {
    return new TextDecoder(label).encoding !== ''
  } catch {
    return false
  }
}

/** The charset parameter of a Content-Type header, unquoted; undefined without one. */
export function charsetOf (contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType)
  return m === null ? undefined : (m[1] ?? m[2])
}

/** The Encoding Standard's name for `charset` (latin1 → windows-1252), UTF-8 for none; a 415 for one TextDecoder cannot read. */
export function csvEncoding (charset: string | undefined): string {
  if (charset === undefined || charset.trim() === '') return DEFAULT_ENCODING
  if (decodable(charset)) return new TextDecoder(charset).encoding
  const examples = EXAMPLES.filter(decodable).join(', ')
  throw new UNSUPPORTED_CHARSET(charset, `send the CSV as UTF-8 (the default), or name one of the Encoding Standard's charsets ` +
    `(https://encoding.spec.whatwg.org/#names-and-labels) that this server reads, such as latin1 (read as windows-1252), ${examples}`)
}

/** A byte order mark names the encoding; TextDecoder then drops it. */
function sniff (bytes: Uint8Array, declared: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8'
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  return declared
}

/**
 * Windows-1252's characters for bytes 0x80–0x9F (the Encoding Standard's index; 0x81, 0x8D, 0x8F, 0x90
 * and 0x9D stay C1 controls). Node's TextDecoder decodes windows-1252 (and so latin1, iso-8859-1 and
 * ascii, its labels) as ISO-8859-1 since 20.18.3 / 22.13.0 (nodejs/node#60888): 0x80 is U+0080, not €.
 * Mapping the C1 controls it leaves is right on a Node that decodes correctly too (none are left).
 */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'
const fromC1 = (c: string): string => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]

/** Bytes looked at for UTF-16 without a byte order mark. */
const UTF16_SAMPLE = 4096

/**
 * 'utf-16le' or 'utf-16be' when bytes read as a single-byte or UTF-8 text look like UTF-16 without a
 * byte order mark: zero bytes, which CSV text never holds, in most odd (LE) or even (BE) places of the
 * start. Read as UTF-8 such a file is valid (NUL is a character) and its cells come out spaced with
 * NULs, or, with one accented letter, it drew the windows-1252 advice; null otherwise.
 */
function utf16WithoutBom (bytes: Uint8Array): string | null {
  const n = Math.min(bytes.length, UTF16_SAMPLE) & ~1
  if (n < 4) return null
  let odd = 0, even = 0
  for (let i = 0; i < n; i += 2) { if (bytes[i] === 0) even++; if (bytes[i + 1] === 0) odd++ }
  const half = n / 2
  return odd > half / 2 && even < half / 8 ? 'utf-16le' : even > half / 2 && odd < half / 8 ? 'utf-16be' : null
}

/**
 * Files people upload by mistake, by their first bytes (their formats' magic numbers), each with what to
 * do instead: read as text, a PNG would be "not valid UTF-8", and an .xlsx (a zip) a quote in the wrong place.
 */
const SIGNATURES: ReadonlyArray<{ bytes: readonly number[], what: string, instead: string }> = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (an Excel .xlsx or .ods workbook is one)', instead: 'save the sheet as CSV (in Excel: Save As → CSV UTF-8), or unzip the archive and send the CSV in it' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel workbook (.xls)', instead: 'save the sheet as CSV (in Excel: Save As → CSV UTF-8)' },
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed', instead: 'send it with Content-Encoding: gzip (the server decompresses it), or uncompressed' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file', instead: 'export it as CSV (pandas: pd.read_parquet(path).to_csv(out, index=False))' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image', instead: 'send the data as CSV text' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image', instead: 'send the data as CSV text' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image', instead: 'send the data as CSV text' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document', instead: 'export the table as CSV' }
]

/** Bytes looked at for a zero byte, which no CSV text in a single-byte encoding or UTF-8 holds. */
const BINARY_SAMPLE = 4096

/** The 400 for bytes that are a binary file rather than text, or null. After the UTF-16 checks: UTF-16 text holds zero bytes. */
function binaryFile (bytes: Uint8Array, source: CsvSource): Error | null {
  const known = SIGNATURES.find((s) => s.bytes.every((b, i) => bytes[i] === b))
  // a form's file is read as it is: Content-Encoding is the whole body's, not a part's
  const instead = known?.what === 'gzip-compressed' && source === 'form' ? 'decompress it before adding it to the form, or send it as the request body with Content-Encoding: gzip' : known?.instead
  if (known !== undefined) return csvError(`the data is ${known.what}, not CSV text: ${instead}`, 1)
  const zero = bytes.subarray(0, BINARY_SAMPLE).indexOf(0)
  if (zero < 0) return null
  // the line it is on, counted as the other CSV errors count lines (from 1)
  let line = 1
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < zero; i = bytes.indexOf(0x0a, i + 1)) line++
  return csvError(`the data is not CSV text: it holds a zero byte (at byte offset ${zero}), as binary files do (an image, a spreadsheet workbook, an archive); send a CSV file, saved as text`, line)
}

/**
 * How the CSV came: the request's body, whose Content-Type and Content-Encoding the advice can name, or a
 * form's file, read as UTF-8 and as it is (the form parser does not pass a part's charset on): its advice
 * says so, rather than to send what was sent (a hostile trial's "send charset=windows-1252", sent already).
 */
export type CsvSource = 'body' | 'form'

/** The text of `bytes` in `encoding` (csvEncoding's name); a BAD_CSV naming the line of the first bytes it cannot decode. */
export function decodeCsv (bytes: Uint8Array, encoding: string, source: CsvSource = 'body'): string {
  const actual = sniff(bytes, encoding)
  const utf16 = actual.startsWith('utf-16') ? null : utf16WithoutBom(bytes)
  if (utf16 !== null) {
    throw csvError(`the bytes look like ${utf16.toUpperCase()} without a byte order mark (a zero byte beside each character), not ${actual.toUpperCase()}: ` +
      (source === 'form' ? `a form's file is read as UTF-8: save the file as UTF-8, or send it as the request body with content-type: text/csv; charset=${utf16}` : `send content-type: text/csv; charset=${utf16}, or save the file as UTF-8`), 1)
  }
  const binary = actual.startsWith('utf-16') ? null : binaryFile(bytes, source)
  if (binary !== null) throw binary
  let text: string
  try {
    text = new TextDecoder(actual, { fatal: true }).decode(bytes)
  } catch {
    throw notDecodable(bytes, actual, source)
  }
  return actual === 'windows-1252' ? text.replace(/[\u0080-\u009f]/g, fromC1) : text
}

/**
 * [start, end) of each line's bytes, the break left out. LF, CR and CRLF each end one, as csv.ts counts
 * lines (quoted cells included). In UTF-16 a break is a 2-byte unit; in every other charset the
 * Encoding Standard has, the bytes 0x0A and 0x0D are never part of another character.
 */
function * lineSpans (bytes: Uint8Array, encoding: string): Generator<[number, number]> {
  const width = encoding.startsWith('utf-16') ? 2 : 1
  const unit = encoding === 'utf-16le' ? (i: number) => bytes[i] | (bytes[i + 1] << 8)
    : encoding === 'utf-16be' ? (i: number) => (bytes[i] << 8) | bytes[i + 1] : (i: number) => bytes[i]
  let start = 0
  for (let i = 0; i + width <= bytes.length; i += width) {
    const u = unit(i)
    if (u !== 0x0a && u !== 0x0d) continue
    yield [start, i]
    if (u === 0x0d && i + 2 * width <= bytes.length && unit(i + width) === 0x0a) i += width
    start = i + width
  }
  if (start < bytes.length) yield [start, bytes.length]
}

const EXCERPT = 60

/** The error for bytes that did not decode: the first line that does not, shown as read (U+FFFD where it fails). */
function notDecodable (bytes: Uint8Array, encoding: string, source: CsvSource): Error {
  const name = encoding.toUpperCase()
  const advice = source === 'form'
    ? 'a form\'s file is read as UTF-8 (a byte order mark names another encoding): save it as UTF-8, or for a Latin-1 or Windows-1252 file (as Excel saves CSV) ' +
      'send it as the request body with content-type: text/csv; charset=windows-1252'
    : encoding === DEFAULT_ENCODING
      ? 'a CSV is read as UTF-8 unless its content type names a charset: for a Latin-1 or Windows-1252 file (as Excel saves CSV) send content-type: text/csv; charset=windows-1252'
      : `check that the file is ${name}, as the content type's charset (or its byte order mark) says`
  const strict = new TextDecoder(encoding, { fatal: true })
  let line = 1
  for (const [start, end] of lineSpans(bytes, encoding)) {
    const lineBytes = bytes.subarray(start, end)
    try {
      strict.decode(lineBytes)
    } catch {
      const text = new TextDecoder(encoding).decode(lineBytes)
      const from = Math.max(0, text.indexOf('\uFFFD') - EXCERPT / 2)
      const excerpt = `${from > 0 ? '…' : ''}${text.slice(from, from + EXCERPT)}${from + EXCERPT < text.length ? '…' : ''}`
      return csvError(`not valid ${name}: ${JSON.stringify(excerpt)} (\uFFFD marks the bytes that are not); ${advice}`, line)
    }
    line++
  }
  // every line decodes alone (a stateful charset such as ISO-2022-JP across a break): no line to name
  return withProblem(new BAD_CSV(`is not valid ${name}; ${advice}`), {})
}

import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, it, expect } from 'vitest'
import { charsetOf, csvEncoding, decodeCsv } from '../../src/data/csv-decode.js'

/** The error `decodeCsv` throws, or a failure when it throws none. */
function decodeError (bytes: Uint8Array, encoding = 'utf-8'): Error & { problem?: Record<string, unknown> } {
  try {
    decodeCsv(bytes, encoding)
  } catch (err) {
    return err as Error
  }
  return expect.unreachable('decodeCsv accepted the bytes')
}

describe('charsetOf and csvEncoding', () => {
  it('read the charset parameter, quoted or not, among others, and name its encoding', () => {
    expect(charsetOf('text/csv')).toBeUndefined()
    expect(charsetOf('text/csv; header=present; Charset="ISO-8859-1"')).toBe('ISO-8859-1')
    expect(charsetOf('text/csv;charset=utf-16le;header=absent')).toBe('utf-16le')
    expect(csvEncoding(undefined)).toBe('utf-8')
    expect(csvEncoding('UTF8')).toBe('utf-8')
    // the Encoding Standard reads latin1 as windows-1252, as browsers do
    expect(csvEncoding('latin1')).toBe('windows-1252')
    expect(() => csvEncoding('utf-7')).toThrow(/^charset 'utf-7' cannot be decoded; send the CSV as UTF-8/)
  })
})

describe('decodeCsv', () => {
  it('reads windows-1252 bytes 0x80-0x9F as its characters (reference: Python 3\'s cp1252 codec)', () => {
    // bytes(range(0x80, 0xa0)).decode('cp1252') in Python, with the five bytes cp1252 leaves undefined as the C1 controls the Encoding Standard maps them to
    const python = '20AC 0081 201A 0192 201E 2026 2020 2021 02C6 2030 0160 2039 0152 008D 017D 008F 0090 2018 2019 201C 201D 2022 2013 2014 02DC 2122 0161 203A 0153 009D 017E 0178'
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i)
    const text = decodeCsv(bytes, csvEncoding('latin1'))
    expect([...text].map((c) => c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')).join(' ')).toBe(python)
    // and the rest as ISO-8859-1
    expect(decodeCsv(Uint8Array.from([0x41, 0xa0, 0xe9, 0xff]), 'windows-1252')).toBe('A\u00a0éÿ')
  })

  it('drops a byte order mark, which decides the encoding over the one declared', () => {
    expect(decodeCsv(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 'windows-1252')).toBe('a')
    expect(decodeCsv(Uint8Array.from([0xff, 0xfe, 0x61, 0x00]), 'utf-8')).toBe('a')
    expect(decodeCsv(Uint8Array.from([0xfe, 0xff, 0x00, 0x61]), 'utf-8')).toBe('a')
  })

  it('names the line of the first bytes that do not decode, counting LF, CR and CRLF as csv.ts does', () => {
    const bad = Buffer.from('caf\xe9', 'latin1')
    for (const newline of ['\n', '\r\n', '\r']) {
      for (const line of [1, 2, 5]) {
        const lines = ['a,b', '1,x', '2,y', '3,z', '4,w'].map((l, i) => (i + 1 === line ? Buffer.concat([Buffer.from(l), bad]) : Buffer.from(l)))
        const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from(newline)]))
        const err = decodeError(bytes)
        expect({ newline, line, problem: err.problem }).toEqual({ newline, line, problem: { line, column: undefined } })
        expect(err.message).toMatch(new RegExp(`^CSV line ${line}: not valid UTF-8: ".*caf\uFFFD"`))
      }
    }
  })

  it('refuses UTF-16 without a byte order mark (valid UTF-8 with a NUL beside each character), naming the charset to send', () => {
    const csv = 'x,y,label\n1,2,café\n3,4,thé\n'
    for (const [encoding, bytes] of [['utf-16le', Buffer.from(csv, 'utf16le')], ['utf-16be', Buffer.from(csv, 'utf16le').swap16()]] as const) {
      for (const declared of ['utf-8', 'windows-1252']) {
        const err = decodeError(bytes, declared)
        expect(err.message, `${encoding} read as ${declared}`).toBe(`CSV line 1: the bytes look like ${encoding.toUpperCase()} without a byte order mark (a zero byte beside each character), ` +
          `not ${declared.toUpperCase()}: send content-type: text/csv; charset=${encoding}, or save the file as UTF-8`)
      }
      // declared as what it is, it reads
      expect(decodeCsv(bytes, encoding)).toBe(csv)
    }
    // ASCII and Latin-1 text has no zero bytes: untouched
    expect(decodeCsv(Buffer.from(csv), 'utf-8')).toBe(csv)
  })

  it('names a binary file sent as CSV by its kind, with what to send instead: an image, a workbook, a compressed file', () => {
    const iris = readFileSync('test/fixtures/iris.csv')
    // real files: a 1×1 PNG and a zip of one CSV (an .xlsx is a zip), written by Python's zlib and zipfile
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64')
    const zip = Buffer.from('UEsDBBQAAAAAAFC0gV17B5cKCAAAAAgAAAAJAAAAc2hlZXQuY3N2YSxiCjEsMgpQSwECFAMUAAAAAABQtIFdeweXCggAAAAIAAAACQAAAAAAAAAAAAAAgAEAAAAAc2hlZXQuY3N2UEsFBgAAAAABAAEANwAAAC8AAAAAAA==', 'base64')
    const cases: Array<[string, Buffer, string]> = [
      ['PNG', png, 'CSV line 1: the data is a PNG image, not CSV text: send the data as CSV text'],
      ['zip', zip, 'CSV line 1: the data is a zip archive (an Excel .xlsx or .ods workbook is one), not CSV text: save the sheet as CSV (in Excel: Save As → CSV UTF-8), or unzip the archive and send the CSV in it'],
      ['gzip', gzipSync(iris), 'CSV line 1: the data is gzip-compressed, not CSV text: send it with Content-Encoding: gzip (the server decompresses it), or uncompressed'],
      // no signature it knows, but a zero byte no CSV text holds
      ['zero byte', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0, 1, 2]), Buffer.from('\n')]), 'CSV line 2: the data is not CSV text: it holds a zero byte (at byte offset 6), as binary files do (an image, a spreadsheet workbook, an archive); send a CSV file, saved as text']
    ]
    for (const [what, bytes, message] of cases) {
      for (const declared of ['utf-8', 'windows-1252']) expect(decodeError(bytes, declared).message, `${what} as ${declared}`).toBe(message)
    }
    // UTF-16 holds zero bytes and is still text
    expect(decodeCsv(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]), 'utf-8')).toBe('a,b\n1,2\n')
  })

  it('shows a long line around the bytes that fail, not whole', () => {
    const bytes = Buffer.concat([Buffer.from('x,'.repeat(100)), Buffer.from([0xff]), Buffer.from(',y'.repeat(100))])
    const err = decodeError(bytes)
    expect(err.message).toMatch(/^CSV line 1: not valid UTF-8: "…(x,){15}\uFFFD(,y){14},…" \(/)
  })

  it('in UTF-16, counts lines in 2-byte units and refuses an odd last byte', () => {
    const le = Buffer.concat([Buffer.from('a,b\r\n1,x\r\n2,', 'utf16le'), Buffer.from([0x00, 0xdc]), Buffer.from('\r\n', 'utf16le')]) // a lone low surrogate
    expect(decodeError(le, 'utf-16le').problem).toEqual({ line: 3, column: undefined })
    const odd = Buffer.concat([Buffer.from('a,b\n1,x\n', 'utf16le'), Buffer.from([0x41])])
    expect(decodeError(odd, 'utf-16le').problem).toEqual({ line: 3, column: undefined })
    // a break byte inside another character is not a break: U+0A0D is one unit
    const be = Buffer.from('a,b\n\u0a0d,x\n', 'utf16le').swap16()
    expect(decodeCsv(be, 'utf-16be')).toBe('a,b\n\u0a0d,x\n')
  })
})

import { describe, it, expect } from 'vitest'
import { detectDelimiter, parseCsv } from '../../src/data/csv.js'

const problemOf = (fn: () => unknown): { message: string, problem?: Record<string, unknown>, statusCode?: number } => {
  try { fn() } catch (err) { return err as { message: string, problem?: Record<string, unknown>, statusCode?: number } }
  throw new Error('expected a throw')
}

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const doc = parseCsv('a,b,c\n"x, y","say ""hi""","two\nlines"\n1,2,3\n')
    expect(doc.header).toEqual(['a', 'b', 'c'])
    expect(doc.records).toEqual([['x, y', 'say "hi"', 'two\nlines'], ['1', '2', '3']])
    // the record after the quoted line break starts on line 4
    expect(doc.lines).toEqual([2, 4])
  })

  it('treats CRLF, LF and a final line without a break alike, and skips blank lines and a BOM', () => {
    const crlf = parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n3,4')
    const lf = parseCsv('a,b\n1,2\n3,4\n')
    expect(crlf.records).toEqual(lf.records)
    expect(crlf.header).toEqual(['a', 'b'])
    expect(crlf.lines).toEqual([2, 4])
    // lines of spaces are blank too: before the header, between rows, and as the whole document
    const spaced = parseCsv('  \na,b\n1,2\n \t\n3,4\n')
    expect(spaced.header).toEqual(['a', 'b'])
    expect(spaced.records).toEqual([['1', '2'], ['3', '4']])
    expect(() => parseCsv('\n\n  \n')).toThrow(/the document is empty/)
    // the delimiter is read off the header line, after lines of spaces
    expect(parseCsv(' \n\na;b\n1;2\n').header).toEqual(['a', 'b'])
  })

  it('keeps an empty quoted field as a cell', () => {
    expect(parseCsv('a,b\n"",2\n').records).toEqual([['', '2']])
  })

  it('names the line when a row has the wrong number of cells', () => {
    const err = problemOf(() => parseCsv('a,b,c\n1,2,3\n4,5\n'))
    expect(err.message).toMatch(/line 3: expected 3 cells like the header, got 2/)
    expect(err.problem).toMatchObject({ line: 3 })
    expect(err.statusCode).toBe(400)
  })

  it('names the line and column of an unclosed or stray quote', () => {
    expect(problemOf(() => parseCsv('a,b\n1,"oops\n')).message).toMatch(/line 2, column 2: a quoted field is never closed/)
    expect(problemOf(() => parseCsv('a,b\n1,x"y\n')).message).toMatch(/line 2, column 2: a quote may only open a field/)
    expect(problemOf(() => parseCsv('a,b\n1,"x"y\n')).message).toMatch(/line 2, column 2: text follows a closing quote/)
  })

  it('rejects an empty document, empty and repeated header names', () => {
    expect(problemOf(() => parseCsv('')).message).toMatch(/empty/)
    expect(problemOf(() => parseCsv('a,,c\n1,2,3')).message).toMatch(/line 1, column 2: the header has an empty column name/)
    expect(problemOf(() => parseCsv('a,b,a\n1,2,3')).message).toMatch(/line 1, column 3: the column name "a" appears twice/)
  })
})

describe('the row cap', () => {
  it('reads exactly maxRecords data rows, and refuses the first one past them by its line without reading on', () => {
    // blank lines and the header do not count
    expect(parseCsv('a,b\n1,2\n\n3,4\n', ',', 2).records).toEqual([['1', '2'], ['3', '4']])
    const over = problemOf(() => parseCsv('a,b\n1,2\n\n3,4\n5,6\n', ',', 2))
    expect(over.statusCode).toBe(413)
    expect(over.message).toBe('dataset has more than 2 rows (line 5 holds row 3); the limit is 2 (MAX_DATASET_ROWS)')
    expect(over.problem).toEqual({ line: 5 })
    // what follows the row past the cap is never read: an unclosed quote after it is not the error
    expect(problemOf(() => parseCsv('a,b\n1,2\n3,4\n5,6\n"never closed', ',', 2)).statusCode).toBe(413)
    expect(problemOf(() => parseCsv('a,b\n1,2\n3,4\n5,6\n"never closed', ',')).statusCode).toBe(400)
  })
})

describe('delimiters', () => {
  it('detects semicolons and tabs from the header line, and reads the file with them', () => {
    expect(detectDelimiter('a;b;c\n1;2;3\n')).toBe(';')
    expect(detectDelimiter('a\tb\n1\t2\n')).toBe('\t')
    expect(detectDelimiter('"x;y",b\n1,2\n')).toBe(',')
    expect(detectDelimiter('\uFEFFa;b\n')).toBe(';')
    expect(parseCsv('a;b;c\r\n1,5;2;3\r\n').records).toEqual([['1,5', '2', '3']])
    expect(parseCsv('a\tb\n"x\ty"\t2\n').records).toEqual([['x\ty', '2']])
  })

  it('says which delimiter a row of the wrong width seems to use', () => {
    const err = problemOf(() => parseCsv('a,b,c\n1,2,3\n4;5;6\n', ','))
    expect(err.message).toMatch(/line 3: expected 3 cells like the header, got 1 \(cells separated by commas\); it holds semicolons: if they separate its cells, send \?delimiter=%3B/)
  })
})

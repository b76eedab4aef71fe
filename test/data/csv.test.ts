import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { parseCsv, csvToTable } from '../../src/data/csv.js'

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

describe('csvToTable', () => {
  it('splits iris into 4 features and one label column', () => {
    const table = csvToTable(readFileSync('test/fixtures/iris.csv', 'utf8'), { target: ['species'] })
    expect(table.features).toHaveLength(150)
    expect(table.featureNames).toHaveLength(4)
    expect(table.targetNames).toEqual(['species'])
    expect(table.features[0]).toEqual([5.1, 3.5, 1.4, 0.2])
    expect(table.targets[0]).toBe('setosa')
  })

  it('reads a numeric single target as regression and several as multi-output', () => {
    const csv = 'x,y,z\n1,2,3\n4,5,6\n'
    expect(csvToTable(csv, { target: ['z'] }).targets).toEqual([3, 6])
    expect(csvToTable(csv, { target: ['y', 'z'] })).toMatchObject({ featureNames: ['x'], targets: [[2, 3], [5, 6]] })
  })

  it('defaults the target to the last column and honours categorical=true for numeric labels', () => {
    const csv = 'x,digit\n0.5,3\n0.25,10\n'
    expect(csvToTable(csv).targets).toEqual([3, 10])
    expect(csvToTable(csv, { categorical: true }).targets).toEqual(['3', '10'])
  })

  it('names the line, column and header of a missing or non-numeric feature cell', () => {
    const missing = problemOf(() => csvToTable('a,b,label\n1,2,x\n3,,y\n', { target: ['label'] }))
    expect(missing.message).toMatch(/line 3, column 2 \("b"\): the cell is empty/)
    expect(missing.problem).toMatchObject({ line: 3, column: 2 })
    const text = problemOf(() => csvToTable('a,b,label\r\n1,2,x\r\n3,abc,y\r\n', { target: ['label'] }))
    expect(text.message).toMatch(/line 3, column 2 \("b"\): expected a number, got "abc"/)
    expect(problemOf(() => csvToTable('a,b\n0x10,1\n')).message).toMatch(/line 2, column 1/)
  })

  it('refuses an unknown target column and labels spread over several target columns', () => {
    expect(problemOf(() => csvToTable('a,b\n1,2\n', { target: ['c'] })).message).toMatch(/target column "c" is not in the header; the columns are a, b/)
    expect(problemOf(() => csvToTable('a,b,c\n1,x,y\n', { target: ['b', 'c'] })).message).toMatch(/line 2, column 2 \("b"\): expected a number/)
    expect(problemOf(() => csvToTable('a,b\n', { target: ['b'] })).message).toMatch(/no data rows/)
  })
})

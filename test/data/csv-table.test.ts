import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { csvToTable } from '../../src/data/csv-table.js'
import { buildDataset } from '../../src/data/build-dataset.js'

const problemOf = (fn: () => unknown): { message: string, problem?: Record<string, unknown>, statusCode?: number } => {
  try { fn() } catch (err) { return err as { message: string, problem?: Record<string, unknown>, statusCode?: number } }
  throw new Error('expected a throw')
}
const build = (csv: string, options: Parameters<typeof csvToTable>[1] = {}) => {
  const { input, places } = csvToTable(csv, options)
  return buildDataset(input, { maxRows: Infinity, maxClasses: 1000, maxCategories: 1000 }, places)
}

describe('csvToTable', () => {
  it('splits iris into 4 features and one label column', () => {
    const { input } = csvToTable(readFileSync('test/fixtures/iris.csv', 'utf8'), { target: ['species'] })
    expect(input.features).toHaveLength(150)
    expect(input.featureNames).toHaveLength(4)
    expect(input.targetNames).toEqual(['species'])
    expect(input.features[0]).toEqual([5.1, 3.5, 1.4, 0.2])
    expect(input.targets[0]).toBe('setosa')
  })

  it('reads a numeric single target as numbers and several as multi-output', () => {
    const csv = 'x,y,z\n1,2,3\n4,5,6\n'
    expect(csvToTable(csv, { target: ['z'] }).input.targets).toEqual([3, 6])
    expect(csvToTable(csv, { target: ['y', 'z'] }).input).toMatchObject({ featureNames: ['x'], targets: [[2, 3], [5, 6]] })
  })

  it('defaults the target to the last column and honours categorical=true for numeric labels', () => {
    const csv = 'x,digit\n0.5,3\n0.25,10\n'
    expect(csvToTable(csv).input.targets).toEqual([3, 10])
    expect(csvToTable(csv, { categorical: true }).input.targets).toEqual(['3', '10'])
  })

  it('names the line, column and header of a missing or non-numeric feature cell, with the fix', () => {
    const missing = problemOf(() => build('a,b,label\n1,2,x\n3,,y\n', { target: ['label'] }))
    expect(missing.message).toMatch(/line 3, column 2 \("b"\): the cell is missing; fill it in, or choose a missing-value strategy/)
    expect(missing.problem).toMatchObject({ line: 3, column: 2 })
    expect(missing.statusCode).toBe(400)
    const text = problemOf(() => build('a,b,label\r\n1,2,x\r\n3,abc,y\r\n', { target: ['label'] }))
    expect(text.message).toMatch(/line 3, column 2 \("b"\): expected a number like the rest of column "b", got "abc"; .*\?categorical=b/)
    // a number past float64 reads as Infinity, which the file never held: said as what it was
    const huge = problemOf(() => build('a,b,label\n1,2,x\n3,1e400,y\n', { target: ['label'] }))
    expect(huge.message).toBe('CSV line 3, column 2 ("b"): expected a finite number that fits a 32-bit float (at most ±3.4e38), got a number beyond 1.8e308')
    const past32 = problemOf(() => build('a,b,label\n1,2,x\n3,-1e39,y\n', { target: ['label'] }))
    expect(past32.message).toMatch(/line 3, column 2 \("b"\): .*\(at most ±3\.4e38\), got -1e\+39$/)
  })

  it('refuses an unknown target column and labels spread over several target columns', () => {
    expect(problemOf(() => csvToTable('a,b\n1,2\n', { target: ['c'] })).message).toBe('CSV target column "c" is not in the header; the columns are "a", "b"')
    // a slip is named, and names with commas stay readable in the list
    expect(problemOf(() => csvToTable('"note, with comma",Species\n1,x\n', { target: ['species '] })).message)
      .toBe('CSV target column "species " is not in the header (did you mean "Species"?); the columns are "note, with comma", "Species"')
    expect(problemOf(() => csvToTable('a,b,c\n1,2,3\n', { target: ['b', 'b'] })).message).toBe('CSV target column "b" is named twice in ?target; name each target column once')
    expect(problemOf(() => csvToTable('a,b\n1,2\n', { target: ['b', 'a'] })).message).toBe('CSV target columns "b", "a" are every column there is; leave at least one feature column out of ?target')
    expect(problemOf(() => csvToTable('a,b,c\n1,x,y\n', { target: ['b', 'c'] })).message).toMatch(/line 2, column 2 \("b"\): expected a number/)
    expect(problemOf(() => csvToTable('a,b\n', { target: ['b'] })).message).toMatch(/no data rows/)
  })

  it('says so when the header reads as one column', () => {
    const err = problemOf(() => csvToTable('a|b|c\n1|2|3\n'))
    expect(err.message).toMatch(/the header "a\|b\|c" reads as one column \(cells separated by commas\).*it holds no comma, semicolon or tab.*\?delimiter=/)
    expect(err.problem).toMatchObject({ line: 1 })
    // a delimiter given that is not the file's: named, with the one the header holds
    expect(problemOf(() => csvToTable('a;b;c\n1;2;3\n', { delimiter: '\t' })).message)
      .toMatch(/reads as one column \(cells separated by tabs\), .*; it holds semicolons: if they separate its cells, send \?delimiter=%3B$/)
    expect(problemOf(() => csvToTable('a\tb\n1\t2\n', { delimiter: ';' })).message).toMatch(/it holds tabs: if they separate its cells, send \?delimiter=tab$/)
  })
})

describe('a target column is read whole', () => {
  it('a numeric target with one NA is a 400 naming the cell, not a dataset of classes', () => {
    const err = problemOf(() => build('a,b,price\n1,2,10.5\n3,4,NA\n5,6,14.5\n7,8,16.0\n', { target: ['price'] }))
    expect(err.statusCode).toBe(400)
    expect(err.message).toMatch(/line 3, column 3 \("price"\): the target is missing \("NA"\); every row needs a target.*if "NA" is a class label of this column, send \?categorical=true$/)
    expect(err.problem).toMatchObject({ line: 3, column: 3, field: 'price' })
  })

  it('an empty target cell is missing whatever the column holds: no ?categorical=true hint, which would not help', () => {
    const csv = 'a,y\n1,cat\n2,\n3,dog\n'
    const err = problemOf(() => build(csv))
    expect(err.message).toBe('CSV line 3, column 2 ("y"): the target is missing (""); every row needs a target: remove the rows without one (missing-value strategies fill feature cells only)')
    // the hint it no longer gives: with it the same cell is refused again
    expect(problemOf(() => build(csv, { categorical: true })).message).toMatch(/line 3, column 2 \("y"\): the target is missing/)
  })

  it('a numeric target with a stray text is a 400 naming it; a text column with a few numbers is labels', () => {
    const stray = problemOf(() => build('a,y\n1,10\n2,11\n3,twelve\n4,13\n'))
    expect(stray.message).toMatch(/line 4, column 2 \("y"\): expected a number like the rest of column "y", got "twelve"; if it marks a missing target, remove the row .*\?categorical=true$/)
    // a target is never imputed, so its message does not offer a missing-value strategy
    expect(stray.message).not.toMatch(/choose a missing-value strategy/)
    const labels = build('a,y\n1,cat\n2,dog\n3,7\n4,cat\n')
    expect(labels.classes).toEqual(['7', 'cat', 'dog'])
  })

  it('spellings of one number in a label column are a 400 naming both', () => {
    const err = problemOf(() => build('a,y\n1,1\n2,1.0\n3,2\n4,2.0\n', { categorical: true }))
    expect(err.message).toMatch(/class labels "1" and "1.0" in column "y" are the same number written two ways/)
    expect(problemOf(() => build('a,y\n1,01\n2,1\n3,2\n', { categorical: true })).message).toMatch(/"01" and "1"|"1" and "01"/)
  })

  it('numbers stay numbers, with their distinct values kept for a classification head', () => {
    const built = build('x,digit\n0.1,0\n0.2,1\n0.3,2\n0.4,10\n0.5,2\n')
    expect(built.classes).toBeUndefined()
    expect(built.targetValues).toEqual([0, 1, 2, 10])
    expect(built.dataset.outputs).toBe(1)
  })

  it('caps the classes of a label column before allocating them (MAX_CLASSES)', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${i}.5`).join('\n')
    const { input, places } = csvToTable(`a,price\n${rows}\n`, { categorical: true })
    const err = problemOf(() => buildDataset(input, { maxRows: Infinity, maxClasses: 20, maxCategories: 10 }, places))
    expect(err.message).toMatch(/line 22, column 2 \("price"\): column "price" has more than 20 distinct class labels \(MAX_CLASSES\)/)
    // a numeric column over the cap keeps no distinct values: a softmax job on it is then refused at admission
    expect(buildDataset(csvToTable(`a,price\n${rows}\n`).input, { maxRows: Infinity, maxClasses: 20, maxCategories: 10 }).targetValues).toBeUndefined()
  })
})

describe('feature columns', () => {
  it('reads a text column as categories in natural order, and missing cells with a strategy', () => {
    const built = build('size,color,n,label\n1,red,2,a\n2,green,,b\n3,blue,4,a\n10,NA,5,b\n', { missing: { strategy: 'mean' } })
    expect(built.columns).toEqual([
      { name: 'size', kind: 'numeric', missing: 0 },
      { name: 'color', kind: 'categorical', categories: ['blue', 'green', 'red'], missing: 1 },
      { name: 'n', kind: 'numeric', missing: 1 }
    ])
    expect(Array.from(built.dataset.x.subarray(0, 6))).toEqual([1, 2, 2, 2, 1, NaN])
    expect(Number.isNaN(built.dataset.x[10])).toBe(true)
    expect(built.missing).toEqual({ strategy: 'mean' })
  })

  it('reads a numeric column as categories when declared, keeping the spelling', () => {
    const built = build('zip,y\n01234,1\n1234,2\n01234,3\n', { categorical: ['zip'] })
    expect(built.columns[0]).toMatchObject({ kind: 'categorical', categories: ['01234', '1234'] })
  })

  it('caps the categories of a column (MAX_CATEGORIES)', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `id${i},${i}`).join('\n')
    const { input, places } = csvToTable(`id,y\n${rows}\n`)
    const err = problemOf(() => buildDataset(input, { maxRows: Infinity, maxClasses: 100, maxCategories: 10 }, places))
    expect(err.message).toMatch(/column "id" has more than 10 categories \(MAX_CATEGORIES\)/)
  })
})

describe('decimal commas (semicolon CSV as European spreadsheets save it)', () => {
  const csv = 'a;b;price\n1,5;2;10\n3;NA;12\n5,25;6;14\n'

  it('are refused by default, naming ?decimal=, instead of becoming one category per value', () => {
    const err = problemOf(() => build(csv, { target: ['price'], missing: { strategy: 'mean' } }))
    expect(err.statusCode).toBe(400)
    expect(err.message).toBe('CSV line 2, column 1 ("a"): column "a" holds numbers written with a decimal comma ("1,5"), which would each become a category; ' +
      'send ?decimal=, to read them as numbers, or if they are categories, declare them: ?categorical=a')
  })

  it('commas between groups of three digits: thousands separators, or a decimal comma when no point follows', () => {
    // comma-separated, so each is quoted: ?decimal=, cannot read them here, and the message says what can
    const ambiguous = problemOf(() => build('a,y\n"1,000",1\n"2,500",2\n"12,345",3\n', {}))
    expect(ambiguous.message).toBe('CSV line 2, column 1 ("a"): column "a" holds numbers written with commas ("1,000"), which would each become a category; ' +
      'if the commas separate thousands, write the numbers without them (1000); if the comma is a decimal mark, send ?decimal=, to read them as numbers (cells separated by ; or tab), ' +
      'or if they are categories, declare them: ?categorical=a')
    // a point after the groups: thousands, and nothing else
    const thousands = problemOf(() => build('a,y\n"1,234.5",1\n"-12,000",2\n', {}))
    expect(thousands.message).toMatch(/holds numbers written with commas \("1,234\.5"\), which would each become a category; if the commas separate thousands, write the numbers without them \(1234\.5\), or if they are categories/)
  })

  it('in the target too', () => {
    expect(problemOf(() => build('a;price\n1;10,5\n2;12,25\n', {})).message).toMatch(/^CSV line 2, column 2 \("price"\): column "price" holds numbers written with a decimal comma \("10,5"\)/)
  })

  it('read as numbers with decimal ",": features, a missing cell and the target', () => {
    const { input } = csvToTable('a;b;price\n1,5;2;10,25\n3;-0,5;14,5\n5,25;;1e3\n', { target: ['price'], decimal: ',' })
    expect(input.features).toEqual([[1.5, 2], [3, -0.5], [5.25, null]])
    expect(input.targets).toEqual([10.25, 14.5, 1000])
  })

  it('a point under decimal "," is text, as in pandas, and is refused as a second decimal mark (or thousands), naming the cell', () => {
    const err = problemOf(() => build('a;y\n1,5;1\n2,5;2\n3.5;3\n', { decimal: ',' }))
    expect(err.message).toMatch(/^CSV line 4, column 1 \("a"\): column "a" holds numbers written as "3\.5", .*the file mixes two decimal marks/)
    // a text that is no number among them is the stray text it was
    expect(problemOf(() => build('a;y\n1,5;1\n2,5;2\n3.5;3\nfour;4\n', { decimal: ',' })).message).toMatch(/expected a number like the rest of column "a", got "3\.5"/)
  })

  it('decimal "," with comma-separated cells is a 400 that says why', () => {
    expect(problemOf(() => csvToTable('a,y\n1,2\n', { decimal: ',' })).message).toMatch(/decimal=, needs cells separated by something else than commas/)
  })

  it('categories that merely contain a comma are left alone', () => {
    const { input } = csvToTable('city;y\n"Paris, FR";1\n"Rome, IT";2\n', {})
    expect(input.features).toEqual([['Paris, FR'], ['Rome, IT']])
  })
})

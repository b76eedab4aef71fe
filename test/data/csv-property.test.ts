// Property tests over random CSVs (seeded, so a failure names its seed and replays): tables of random
// text (quotes, delimiters, CR/LF inside cells, unicode) written with a random delimiter, quoting,
// line ending, BOM and blank lines read back as written; damaged ones are a 400 naming a line (and the
// column where a cell is at fault); numeric tables with missing markers store exactly their numbers.
import { describe, it, expect } from 'vitest'
import { parseCsv, type Delimiter } from '../../src/data/csv.js'
import { csvToTable } from '../../src/data/csv-table.js'
import { buildDataset } from '../../src/data/build-dataset.js'
import { Rng } from '../../src/nn/random.js'

const ALPHABET = ['a', 'b', 'Z', '0', '7', ' ', ',', ';', '\t', '"', '\n', '\r', '\r\n', 'é', 'ß', '日本', '🙂', '-', '.', '\u00a0']
const DELIMITERS: Delimiter[] = [',', ';', '\t']

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]
const text = (rng: Rng, max: number): string => Array.from({ length: rng.int(max + 1) }, () => pick(rng, ALPHABET)).join('')

/** A field as a careful writer puts it: quoted when it holds a delimiter candidate, a quote or a line break (or at random). */
function field (value: string, rng: Rng): string {
  const needs = /[,;\t"\r\n]/.test(value) || value === ''
  return needs || rng.next() < 0.2 ? `"${value.replaceAll('"', '""')}"` : value
}

interface Written { readonly text: string, readonly header: string[], readonly records: string[][], readonly delimiter: Delimiter }

function writeTable (seed: number): Written {
  const rng = new Rng(seed)
  const width = 2 + rng.int(4)
  const header = Array.from({ length: width }, (_, c) => `${text(rng, 3).replace(/[\s"]/g, '')}h${c}`)
  const records = Array.from({ length: 1 + rng.int(6) }, () => Array.from({ length: width }, () => text(rng, 6)))
  const delimiter = pick(rng, DELIMITERS)
  const eol = rng.next() < 0.5 ? '\r\n' : '\n'
  const lines = [header, ...records].map((row) => row.map((v) => field(v, rng)).join(delimiter))
  let body = ''
  for (const line of lines) body += (rng.next() < 0.15 ? eol : '') + line + eol
  if (rng.next() < 0.5) body = body.slice(0, -eol.length) // no line break after the last record
  return { text: (rng.next() < 0.3 ? '\uFEFF' : '') + body, header, records, delimiter }
}

const problemOf = (fn: () => unknown): { statusCode?: number, problem?: { line?: number, column?: number } } | undefined => {
  try { fn() } catch (err) { return err as { statusCode?: number, problem?: { line?: number, column?: number } } }
  return undefined
}

describe('random CSVs', () => {
  it('read back as written, with the delimiter given or detected from the header', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const w = writeTable(seed)
      const given = parseCsv(w.text, w.delimiter)
      expect({ seed, header: given.header, records: given.records }).toEqual({ seed, header: w.header, records: w.records })
      const detected = parseCsv(w.text)
      expect({ seed, records: detected.records }).toEqual({ seed, records: w.records })
    }
  })

  it('damaged ones either still parse or are a 400 naming a line within the file (and the column of a bad quote)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const w = writeTable(seed)
      const rng = new Rng(seed * 7919)
      const at = rng.int(w.text.length)
      const damaged = w.text.slice(0, at) + pick(rng, ['"', w.delimiter, '\n', 'x"y']) + w.text.slice(at + rng.int(2))
      const err = problemOf(() => parseCsv(damaged, w.delimiter))
      if (err === undefined) continue
      const lines = damaged.split(/\r\n|\r|\n/).length
      expect({ seed, status: err.statusCode }).toEqual({ seed, status: 400 })
      expect(err.problem?.line).toBeGreaterThanOrEqual(1)
      expect(err.problem?.line).toBeLessThanOrEqual(lines)
      if (err.problem?.column !== undefined) expect(err.problem.column).toBeGreaterThanOrEqual(1)
    }
  })

  it('numeric tables with missing markers store exactly their float32 numbers, and NaN where a cell is missing', () => {
    const markers = ['', 'NA', 'n/a', '?', 'null', 'NaN']
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed)
      const width = 1 + rng.int(4)
      const rows = 2 + rng.int(8)
      const values = Array.from({ length: rows }, () => Array.from({ length: width }, () => (rng.next() < 0.2 ? null : Math.round(rng.uniform(-1e4, 1e4) * 1000) / 1000)))
      // every column keeps at least one number
      values[0] = values[0].map((v) => v ?? 1)
      const delimiter = pick(rng, DELIMITERS)
      const csv = [[...Array.from({ length: width }, (_, c) => `f${c}`), 'y'].join(delimiter),
        ...values.map((row, r) => [...row.map((v) => (v === null ? pick(rng, markers) : String(v))), String(r)].join(delimiter))].join('\r\n')
      const { input, places } = csvToTable(csv, { missing: { strategy: 'mean' } })
      const built = buildDataset(input, { maxRows: Infinity, maxClasses: 1000, maxCategories: 1000 }, places)
      const expected = values.flat().map((v) => (v === null ? NaN : Math.fround(v)))
      expect({ seed, x: Array.from(built.dataset.x) }).toEqual({ seed, x: expected })
      expect(built.columns.map((c) => c.missing)).toEqual(Array.from({ length: width }, (_, c) => values.filter((row) => row[c] === null).length))
    }
  })
})

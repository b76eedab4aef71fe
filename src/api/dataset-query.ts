/**
 * The dataset upload's query string. Its parameters are a CSV upload's options (data/csv-table.ts); a
 * JSON body carries its own name, targets, categorical columns and missing-value strategy, so on a JSON
 * upload they are a 400 that names the member to use instead: ignoring them would store a dataset
 * other than the one asked for.
 */
import type { z } from 'zod'
import type { CsvTableOptions } from '../data/csv-table.js'
import { VALIDATION, withProblem, type FieldFault } from '../errors.js'
import type { CreateDatasetQuery } from '../schemas/dataset.js'

type Query = z.output<typeof CreateDatasetQuery>
type QueryName = keyof typeof CreateDatasetQuery.shape

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '')
/** `a,b` as the JSON array a body would hold: ["a", "b"] */
const jsonList = (v: string): string => `[${list(v).map((s) => JSON.stringify(s)).join(', ')}]`

/** The CSV query's options for data/csv-table.ts. */
export function csvOptions (query: Query): CsvTableOptions {
  const listed = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : list(v))
  const categorical = query.categorical === undefined || query.categorical === 'false' ? undefined : query.categorical === 'true' ? true : list(query.categorical)
  return {
    target: listed(query.target),
    ...(categorical === undefined ? {} : { categorical }),
    ...(query.delimiter === undefined ? {} : { delimiter: query.delimiter === 'tab' ? '\t' : query.delimiter }),
    ...(query.decimal === undefined ? {} : { decimal: query.decimal }),
    ...(query.thousands === undefined ? {} : { thousands: query.thousands }),
    ...(query.missing === undefined ? {} : { missing: { strategy: query.missing, ...(query.fillValue === undefined ? {} : { fillValue: query.fillValue }) } })
  }
}

type Raw = Partial<Record<QueryName, string>>

const missingMember = (strategy: string, fillValue: string | undefined): string => {
  const fill = fillValue === undefined || !Number.isFinite(Number(fillValue)) ? '' : `, "fillValue": ${Number(fillValue)}`
  return `"missing": {"strategy": ${JSON.stringify(strategy)}${fill}}`
}

/**
 * Where a JSON body takes each parameter, filled in with the value sent. A Record over the query
 * schema's keys: a parameter added there does not compile until it says what it is in JSON.
 */
const IN_JSON: Record<QueryName, (value: string, query: Raw) => string> = {
  name: (v) => `"name": ${JSON.stringify(v)}`,
  target: (v) => `the target values as "targets" (one per row), named by "targetNames": ${jsonList(v)}`,
  categorical: (v) => v === 'true'
    ? 'send the targets as strings (class labels), and any categorical feature columns as "categorical": ["name", …]'
    : v === 'false' ? 'nothing: deciding from the values is the default; leave it out' : `"categorical": ${jsonList(v)}`,
  delimiter: () => 'nothing: a JSON body has no cells to separate; leave it out',
  decimal: () => 'nothing: JSON numbers always use "."; leave it out',
  thousands: () => 'nothing: JSON numbers have no thousands marks; leave it out',
  missing: (v, q) => missingMember(v, q.fillValue),
  fillValue: (v, q) => missingMember(q.missing ?? 'constant', v)
}

const isQueryName = (key: string): key is QueryName => Object.hasOwn(IN_JSON, key)

/** The 400 for CSV parameters on a JSON upload, or undefined when there are none. `query` as sent (before validation). */
export function csvOnlyQuery (query: unknown): Error | undefined {
  if (typeof query !== 'object' || query === null) return undefined
  // a repeated parameter arrives as a list: shown as sent, comma-joined
  const raw: Raw = Object.fromEntries(Object.entries(query).filter(([k]) => isQueryName(k)).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]))
  const names = Object.keys(raw).filter(isQueryName)
  if (names.length === 0) return undefined
  const advice = names.map((name) => ({ name, inJson: IN_JSON[name](raw[name]!, raw) }))
  const detail = `invalid querystring: ${names.join(', ')} ${names.length === 1 ? 'applies' : 'apply'} only to CSV uploads (Content-Type: text/csv), ` +
    `and this body is JSON; in a JSON body: ${advice.map((a) => `${a.name} → ${a.inJson}`).join('; ')}`
  return withProblem(new VALIDATION(detail), {
    errors: advice.map((a): FieldFault => ({ field: a.name, in: 'querystring', message: `applies only to CSV uploads; in JSON: ${a.inJson}` }))
  })
}

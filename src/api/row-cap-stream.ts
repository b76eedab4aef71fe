/**
 * A prediction body over the row cap is refused while its bytes arrive, before anything parses it:
 * a preParsing hook passes the body through a scanner that follows the JSON structure (strings and
 * escapes included) and counts the rows of the top-level `inputs` array (or the records of `instances`). The scan is a few
 * operations per byte, spread over the body's chunks, so the event loop never holds a whole large
 * body (46 MB bodies used to be JSON.parsed, ~0.8 s each, only to be refused by the schema).
 */
import type { preParsingAsyncHookHandler } from 'fastify'
import { DATASET_TOO_LARGE, VALIDATION, withProblem } from '../errors.js'
import { scanBody, type BodyScan } from './body-scan.js'
import { CLOSE_ARRAY, CLOSE_OBJECT, COMMA, isSpace, JsonStrings, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-strings.js'

/** The top-level keys whose elements are rows: `inputs` (arrays) and `instances` (arrays or records). */
const ROW_KEYS = new Set(['inputs', 'instances'])
const LONGEST_KEY = 200 // row keys are short; a column's name is kept whole for its message

/** A prediction body's refusal: a 400 naming the field. */
const predictRefusal = (maxRows: number) => (field: string): Error =>
  withProblem(new VALIDATION(`invalid body: ${field}: at most ${maxRows} rows per request; this body has more (send them in several requests)`), { field })

/**
 * A body scan (body-scan.ts) that refuses (by default with a 400; `keys` and `refusal` for other bodies) once `inputs` or `instances` holds more than `maxRows` rows:
 * the elements of its array, or, for TF Serving's columnar `inputs` object ({"input": rows}, or a list per feature
 * column), the elements of any one member's array.
 */
export function rowCapScan (maxRows: number, keys: ReadonlySet<string> = ROW_KEYS, refusal: (field: string) => Error = predictRefusal(maxRows)): BodyScan {
  let depth = 0
  const strings = new JsonStrings(LONGEST_KEY)
  let expectKey = false // the next string at depth 1 (or depth 2 in the columns object) is a key
  let inRows: string | null = null // the row key whose array is open at depth 1
  let rows = 0
  let inColumns = false // `inputs` is an object, open at depth 1: its members' arrays hold rows
  let column: string | null = null // the member whose array is open at depth 2 (its elements at depth 3)
  let expectElement = false
  const refuse = refusal
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]
      const taken = strings.take(c)
      if (taken === 'key') expectKey = false
      if (taken !== 'out') continue
      // an element of a column's array starts: a scalar's first byte, a string, an array or an object
      if (column !== null && depth === 3 && expectElement && !isSpace(c) && c !== CLOSE_ARRAY) {
        expectElement = false
        if (++rows > maxRows) return refuse(`inputs.${column}`)
      }
      if (c === QUOTE) {
        strings.open((depth === 1 || (depth === 2 && inColumns)) && expectKey)
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (depth === 1 && c === OPEN_ARRAY) inRows = keys.has(strings.lastKey) ? strings.lastKey : null
        else if (depth === 1) inColumns = strings.lastKey === 'inputs'
        else if (depth === 2 && inRows !== null && ++rows > maxRows) return refuse(inRows)
        else if (depth === 2 && inColumns && c === OPEN_ARRAY) { column = strings.lastKey; rows = 0; expectElement = true }
        depth++
        if (c === OPEN_OBJECT && (depth === 1 || (depth === 2 && inColumns))) expectKey = true
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        --depth
        if (depth === 2) column = null // a column's array ended
        if (depth === 1) { inRows = null; inColumns = false } // the value of a key ended: later arrays at depth 2 belong to other keys
      } else if (c === COMMA && (depth === 1 || (depth === 2 && inColumns))) {
        expectKey = true
      } else if (c === COMMA && depth === 3 && column !== null) {
        expectElement = true
      }
    }
    return null
  }
}

/**
 * Bodies of at most this many bytes cannot hold more than `maxRows` rows: every row the scan counts
 * takes two bytes at least (its brackets), and Node's HTTP parser reads no more of a body than its
 * Content-Length.
 */
export const unscannedBytes = (maxRows: number): number => 2 * maxRows

/**
 * The hook for a route whose body is `{ inputs: rows }` with at most `maxRows` rows. A body whose
 * Content-Length is at most unscannedBytes(maxRows) passes unscanned, since it cannot be refused:
 * that is every one-row prediction of a model with up to a few thousand inputs, whose scan (a Transform
 * and a JavaScript loop over each byte) was a fifth of the API's CPU under load (bench:http, W1 rows,
 * 2026-11-30). A chunked body (no Content-Length) is always scanned.
 */
export function rowCapHook (maxRows: number, scan: () => BodyScan = () => rowCapScan(maxRows)): preParsingAsyncHookHandler {
  return async (request, reply, payload) => {
    // a compressed body's length says nothing of its rows
    if (Number(request.headers['content-length']) <= unscannedBytes(maxRows) && request.headers['content-encoding'] === undefined) return payload
    return scanBody(payload, scan(), request.routeOptions.bodyLimit, reply)
  }
}

/**
 * The dataset upload's hook: a JSON body whose `features` holds more than MAX_DATASET_ROWS rows is refused
 * (413) while it arrives, as a CSV is at its first row past the cap (data/csv.ts), rather than parsed whole:
 * 5,000,000 one-value rows are 20 MB of JSON and millions of arrays once parsed.
 */
export function datasetRowCapHook (maxRows: number): preParsingAsyncHookHandler {
  const refusal = (field: string): Error => withProblem(new DATASET_TOO_LARGE(`dataset has more than ${maxRows} rows in ${field}`, maxRows), { field })
  const capped = rowCapHook(maxRows, () => rowCapScan(maxRows, FEATURE_KEYS, refusal))
  // CSV and forms are capped as they are parsed (data/csv.ts)
  return async function (request, reply, payload) {
    return /json/i.test(String(request.headers['content-type'] ?? '')) ? await capped.call(this, request, reply, payload) : payload
  }
}
const FEATURE_KEYS: ReadonlySet<string> = new Set(['features'])

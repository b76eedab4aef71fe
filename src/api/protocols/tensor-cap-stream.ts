/**
 * The row cap of the native predict's body (row-cap-stream.ts) for KServe v2 infer bodies, checked
 * while their bytes arrive: `{"inputs": [{"name", "shape", "datatype", "data"}, …]}`. Once a tensor's
 * `shape` has been read, a shape no model takes or a first dimension over the cap is refused (the messages are tensors.ts's), and
 * so is `data` that holds more values than the shape does, before the body is JSON.parsed on the
 * event loop (a 46 MB body took ~0.8 s there only to be refused). A tensor whose `data` comes before
 * its `shape` is left to the parsed checks: its width is not known yet.
 */
import type { preParsingAsyncHookHandler } from 'fastify'
import { VALIDATION, withProblem } from '../../errors.js'
import { scanBody, type BodyScan } from '../body-scan.js'
import { CLOSE_ARRAY, CLOSE_OBJECT, COMMA, isSpace, JsonStrings, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from '../json-strings.js'
import { HEADER_LENGTH_HEADER } from './binary-tensors.js'
import { shapeMistake } from './tensors.js'

const LONGEST_KEY = 6

/** A body scan (body-scan.ts) that refuses with a 400 when a tensor's shape or data goes over `maxRows`. */
export function tensorCapScan (maxRows: number): BodyScan {
  let depth = 0
  const strings = new JsonStrings(LONGEST_KEY)
  let expectKey = false
  let inInputs = false // the top-level `inputs` array is open (depth 2)
  let tensor = -1 // index of the tensor object open at depth 3
  let shape: number[] | null = null // the open tensor's shape, once read
  let shapeText: string | null = null // the shape's text while it is read
  let dataDepth = 0 // depth at which the open tensor's `data` array opened (0: not in data)
  let expectValue = false
  let values = 0
  let rows = 0 // rows opened directly in the open tensor's data ([[…], […]]): capped by shape[0], empty ones too
  let off = false // a shape this scanner does not follow (nested, strings): the parsed checks decide
  const refuse = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

  return (chunk) => {
    for (let i = 0; i < chunk.length && !off; i++) {
      const c = chunk[i]
      if (shapeText !== null && c !== CLOSE_ARRAY) {
        if (c === OPEN_ARRAY || c === OPEN_OBJECT || c === QUOTE) off = true
        shapeText += String.fromCharCode(c)
        continue
      }
      const taken = strings.take(c)
      if (taken === 'key') expectKey = false
      if (taken !== 'out') continue
      if (isSpace(c)) continue
      // a value inside data: a string or a scalar's first byte after '[' or ',' (an empty row's ']' then ',' is none:
      // `[[], [8 values]]` had counted 9 against a shape of 8 and said "got more")
      if (dataDepth > 0 && expectValue && c !== OPEN_ARRAY && c !== CLOSE_ARRAY && c !== COMMA) {
        expectValue = false
        if (shape !== null && ++values > shape.reduce((a, b) => a * b, 1)) {
          return refuse(`inputs[${tensor}].data`, `the shape [${shape.join(', ')}] needs ${shape.reduce((a, b) => a * b, 1)} values; got more`)
        }
      }
      if (c === QUOTE) {
        strings.open((depth === 1 || (depth === 3 && inInputs)) && expectKey)
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        const { lastKey } = strings
        if (depth === 1 && c === OPEN_ARRAY) inInputs = lastKey === 'inputs'
        else if (depth === 2 && inInputs && c === OPEN_OBJECT) { tensor++; shape = null; values = 0; rows = 0 }
        else if (depth === 3 && inInputs && c === OPEN_ARRAY && lastKey === 'shape') { shapeText = ''; depth++; continue }
        else if (depth === 3 && inInputs && c === OPEN_ARRAY && lastKey === 'data') dataDepth = depth + 1
        // an empty row holds no value, but millions of them are still a body to refuse before it is parsed
        else if (depth === dataDepth && c === OPEN_ARRAY && shape !== null && shape.length > 0 && ++rows > shape[0]) {
          return refuse(`inputs[${tensor}].data`, `the shape [${shape.join(', ')}] has ${shape[0]} rows; data nested as rows holds more`)
        }
        depth++
        if (dataDepth > 0) expectValue = true
        if (c === OPEN_OBJECT && (depth === 1 || (depth === 3 && inInputs))) expectKey = true
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        if (shapeText !== null) {
          const dims = shapeText.trim() === '' ? [] : shapeText.split(',').map(Number)
          shapeText = null
          if (dims.every((d) => Number.isInteger(d) && d >= 0)) {
            shape = dims
            const mistake = shapeMistake(dims)
            if (mistake !== null) return refuse(`inputs[${tensor}].shape`, mistake)
            // no row at all: as the parsed check says it, before data that "needs 0 values" is counted
            if (dims[0] < 1) return refuse(`inputs[${tensor}].shape[0]`, `rows must be 1 to ${maxRows}; got ${dims[0]}; send at least one row`)
            if (dims[0] > maxRows) {
              return refuse(`inputs[${tensor}].shape[0]`, `rows must be 1 to ${maxRows}; got ${dims[0]}; split larger batches`)
            }
          }
        }
        if (depth === dataDepth) dataDepth = 0
        expectValue = false
        if (--depth === 1) inInputs = false
      } else if (c === COMMA) {
        if (depth === 1 || (depth === 3 && inInputs)) expectKey = true
        if (dataDepth > 0) expectValue = true
      }
    }
    return null
  }
}

/**
 * The preParsing hook of the v2 infer routes. A body framed by the binary tensor extension was decoded by
 * the hook before it (binary-tensors.ts checks its shapes) and passes as it is.
 */
export function tensorCapHook (maxRows: number): preParsingAsyncHookHandler {
  return async (request, reply, payload) => request.headers[HEADER_LENGTH_HEADER] === undefined ? scanBody(payload, tensorCapScan(maxRows), request.routeOptions.bodyLimit, reply) : payload
}

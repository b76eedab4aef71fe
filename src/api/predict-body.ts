/**
 * The prediction body read straight from its bytes. `{"inputs": [[0, 12.5, -3], …]}`, the form clients
 * send, is scanned once into number rows: no generic JSON.parse object building and no second pass to
 * check every value's type (about a third of JSON.parse's CPU on a 784-wide row of integers).
 * Anything else returns undefined and takes the general path (JSON.parse, then the schema): another
 * key, an empty row, a string, malformed JSON, and numbers this reader does not convert itself
 * (exponents, 17 significant digits, more than 22 decimals). So what is accepted, every value and every error message are
 * exactly what they would be without this file.
 *
 * Byte values are written as literals in the loop (a module constant costs a context load and a
 * hole check per use there). Reads past the end give undefined, which equals no byte below: the scan
 * then stops and the general path reports the truncated body.
 */

/** 10^k, exact in binary64 for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k)
const KEY = [...Buffer.from('"inputs"')]

/** Bodies this reader built: the route's validator accepts them without walking every value again. */
const readHere = new WeakSet<object>()

export function wasReadFromBytes (body: unknown): boolean {
  return typeof body === 'object' && body !== null && readHere.has(body)
}

/**
 * `{ inputs }` with 1..maxRows rows of at least one number each, or undefined: use JSON.parse.
 * Numbers: `-?(0|[1-9]\d*)(\.\d+)?`, read as the integer m of all their digits and k decimals. With
 * m < 2^53 and k ≤ 22, m and 10^k are exact doubles and IEEE division rounds correctly, so m / 10^k
 * is the double nearest the decimal (Clinger's fast path): the value JSON.parse gives. (Once m grows
 * past 2^53 it may round, but never below 2^53, so the test on the final m is sound.)
 */
export function readPredictBody (b: Uint8Array, maxRows: number): { inputs: number[][] } | undefined {
  let i = 0
  let c = b[0]
  // ---- `{ "inputs" : [`   (0x20 0x0a 0x0d 0x09: JSON white space)
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
  if (c !== 0x7b) return undefined
  c = b[++i]
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
  for (const byte of KEY) { if (c !== byte) return undefined; c = b[++i] }
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
  if (c !== 0x3a) return undefined
  c = b[++i]
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
  if (c !== 0x5b) return undefined
  c = b[++i]

  const inputs: number[][] = []
  for (;;) {
    // ---- a row: `[` number (`,` number)* `]`
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
    if (c !== 0x5b || inputs.length === maxRows) return undefined
    c = b[++i]
    const row: number[] = []
    for (;;) {
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
      const negative = c === 0x2d
      if (negative) c = b[++i]
      if (!(c >= 0x30 && c <= 0x39)) return undefined
      let m = 0
      if (c === 0x30) {
        c = b[++i]
        if (c >= 0x30 && c <= 0x39) return undefined // a leading zero: not JSON
      } else {
        do { m = m * 10 + (c - 0x30); c = b[++i] } while (c >= 0x30 && c <= 0x39)
      }
      let decimals = 0
      if (c === 0x2e) {
        c = b[++i]
        if (!(c >= 0x30 && c <= 0x39)) return undefined
        do { m = m * 10 + (c - 0x30); decimals++; c = b[++i] } while (c >= 0x30 && c <= 0x39)
      }
      // beyond the fast path, or an exponent (e, E): JSON.parse reads it
      if (m >= 9007199254740992 || decimals > 22 || c === 0x65 || c === 0x45) return undefined
      const magnitude = decimals === 0 ? m : m / POW10[decimals]
      row.push(negative ? -magnitude : magnitude)
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
      if (c === 0x2c) { c = b[++i]; continue }
      if (c !== 0x5d) return undefined
      c = b[++i]
      break
    }
    inputs.push(row)
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
    if (c === 0x2c) { c = b[++i]; continue }
    if (c !== 0x5d) return undefined
    c = b[++i]
    break
  }
  // ---- `}` and nothing but white space after it
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
  if (c !== 0x7d) return undefined
  c = b[++i]
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]
  if (i < b.length) return undefined

  const body = { inputs }
  readHere.add(body)
  return body
}

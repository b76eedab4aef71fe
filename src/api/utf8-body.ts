/**
 * A JSON body must be UTF-8 (RFC 8259 §8.1). Bytes that are not were decoded to U+FFFD by Buffer's
 * toString and stored as such ("café" in Windows-1252 became the class "caf\uFFFD"): refused here,
 * with where, before any decoding. The check is Buffer's isUtf8 (SIMD, no allocation); only a body that
 * fails it is walked again to find the first bad byte.
 */
import { isUtf8 } from 'node:buffer'
import { NOT_UTF8, VALIDATION, withProblem } from '../errors.js'

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode Table 3-7:
 * no overlongs, no surrogates, nothing past U+10FFFF), or -1 when there is none.
 */
export function firstInvalidUtf8 (b: Uint8Array): number {
  let i = 0
  while (i < b.length) {
    const c = b[i]
    if (c < 0x80) { i++; continue }
    let n: number
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) n = 1
    else if (c >= 0xe0 && c <= 0xef) { n = 2; if (c === 0xe0) lo = 0xa0; else if (c === 0xed) hi = 0x9f }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; if (c === 0xf0) lo = 0x90; else if (c === 0xf4) hi = 0x8f }
    else return i
    for (let k = 1; k <= n; k++) {
      const d = b[i + k]
      // out of range, or the body ends inside the sequence (undefined compares false)
      if (!(d >= (k === 1 ? lo : 0x80) && d <= (k === 1 ? hi : 0xbf))) return i
    }
    i += n + 1
  }
  return -1
}

const SHOWN = 24

/**
 * The byte offset of the first JSON escape of half a character: a high surrogate (\\uD800–\\uDBFF) not
 * followed by a low one's escape, or a low one (\\uDC00–\\uDFFF) not after a high one; -1 when none.
 * JSON.parse takes them, and the string it makes is not Unicode: stored as a name, "\\ud83d" broke
 * every JSON reader of the list (jq, Python) until deleted. An escape is a backslash not itself escaped.
 * Bodies without "\\u" (nearly all) cost one search.
 */
export function loneSurrogateEscape (bytes: Buffer): number {
  if (bytes.indexOf('\\u') < 0) return -1
  // escapes are ASCII: latin1 keeps byte offsets
  const text = bytes.toString('latin1')
  const escape = /(\\+)u[dD]([89abAB]|[c-fC-F])[0-9a-fA-F]{2}/g
  for (let m = escape.exec(text); m !== null; m = escape.exec(text)) {
    if (m[1].length % 2 === 0) continue // "\\\\ud83d": a backslash, then the letters
    const at = m.index + m[1].length - 1
    // a low half the loop reaches is alone: a high one's pair is stepped over below
    if (!/[89abAB]/.test(m[2])) return at
    const end = m.index + m[0].length
    if (!/^\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(text.slice(end, end + 6))) return at
    escape.lastIndex = end + 6
  }
  return -1
}

/** Undefined for a body of UTF-8 with whole characters; else the 400 naming the first bad byte (or escape), its offset, line and column, and what to do. */
export function notUtf8 (bytes: Buffer): Error | undefined {
  if (isUtf8(bytes)) {
    const half = loneSurrogateEscape(bytes)
    if (half < 0) return undefined
    const { line, column } = placeOf(bytes, half)
    return withProblem(new VALIDATION(`the escape ${JSON.stringify(bytes.toString('latin1', half, half + 6)).slice(1, -1).replace('\\\\', '\\')} at byte offset ${half} ` +
      `(line ${line}, column ${column}) is half a character (a UTF-16 surrogate without its pair), which no stored text may hold: send the character ` +
      'itself, or both halves (😀 is "\\ud83d\\ude00")'), { offset: half })
  }
  const offset = firstInvalidUtf8(bytes)
  if (offset < 0) return undefined // isUtf8 and the walk disagree: let JSON.parse decide
  const { line, column, before } = placeOf(bytes, offset) // the text before is valid: the first bad byte is at offset
  const shown = [...before].slice(-SHOWN).join('')
  const byte = bytes[offset].toString(16).toUpperCase().padStart(2, '0')
  // the offset only as a member: the Problem schema's line and column are a CSV's and a matrix's
  return withProblem(new NOT_UTF8(`byte 0x${byte} at byte offset ${offset} (line ${line}, column ${column}, after ${JSON.stringify(shown)}) ` +
    'does not begin a UTF-8 character, and JSON is UTF-8 (RFC 8259): re-save the file as UTF-8 (in Latin-1 or Windows-1252 ' +
    '"é" is the one byte 0xE9; in UTF-8 it is two), or have the client encode the body as UTF-8'), { offset })
}

/** The line and column (from 1, in characters) of byte `offset`, and its line's text before it; the bytes before it are UTF-8. */
function placeOf (bytes: Buffer, offset: number): { line: number, column: number, before: string } {
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1
  const line = lineStart === 0 ? 1 : countNewlines(bytes, lineStart) + 1
  const before = bytes.toString('utf8', lineStart, offset)
  return { line, column: [...before].length + 1, before }
}

function countNewlines (bytes: Buffer, end: number): number {
  let n = 0
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++
  return n
}

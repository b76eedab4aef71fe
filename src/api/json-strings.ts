/**
 * What the streaming body scanners (row-cap-stream.ts, protocols/tensor-cap-stream.ts) share: JSON's structural
 * bytes, and the strings a scan is inside (escapes included), with the object keys it reads. The scanners decide
 * which strings are keys; this keeps the first `longest` + 1 characters of each key (longer ones are no key a
 * scanner looks for).
 */
export const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, COMMA = 0x2c
/** JSON's whitespace bytes: space, \n, \r, \t. */
export const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** Byte by byte: whether a scan is inside a string, and the last key it read. */
export class JsonStrings {
  /** the last key read, cut to `longest` + 1 characters */
  lastKey = ''
  private inString = false
  private escaped = false
  private keyChars: number[] | null = null
  constructor (private readonly longest: number) {}

  /** A string starts at the current quote; `isKey`: it is an object key, whose text is kept. */
  open (isKey: boolean): void {
    this.inString = true
    if (isKey) this.keyChars = []
  }

  /**
   * Byte c inside a string: 'in' (taken, the string goes on), 'key' (it closed a key, now lastKey), 'value' (it
   * closed another string); 'out' when no string is open (the byte is the scanner's).
   */
  take (c: number): 'out' | 'in' | 'key' | 'value' {
    if (!this.inString) return 'out'
    if (this.escaped) this.escaped = false
    else if (c === BACKSLASH) this.escaped = true
    else if (c === QUOTE) {
      this.inString = false
      if (this.keyChars === null) return 'value'
      this.lastKey = String.fromCharCode(...this.keyChars)
      this.keyChars = null
      return 'key'
    } else if (this.keyChars !== null && this.keyChars.length <= this.longest) this.keyChars.push(c)
    return 'in'
  }
}

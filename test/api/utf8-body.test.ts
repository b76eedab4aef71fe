// firstInvalidUtf8 finds the byte the 400 names; it must agree with the Encoding Standard's decoder
// (TextDecoder, fatal) on which bodies are UTF-8 at all, and point at the start of the first bad sequence.
import { describe, it, expect } from 'vitest'
import { firstInvalidUtf8 } from '../../src/api/utf8-body.js'

const strict = new TextDecoder('utf-8', { fatal: true })
const decodes = (b: Uint8Array): boolean => { try { strict.decode(b); return true } catch { return false } }

describe('firstInvalidUtf8', () => {
  it('finds the first byte of the first ill-formed sequence', () => {
    const cases: Array<[number[], number]> = [
      [[0x61, 0x62], -1],
      [[0x63, 0xc3, 0xa9], -1], // é
      [[0xe2, 0x82, 0xac], -1], // €
      [[0xf0, 0x9f, 0x98, 0x80], -1], // U+1F600
      [[0xf4, 0x8f, 0xbf, 0xbf], -1], // U+10FFFF
      [[0x63, 0xe9, 0x22], 1], // Latin-1 é
      [[0xff, 0xfe], 0], // a UTF-16LE byte order mark
      [[0xc0, 0x80], 0], // overlong NUL
      [[0xe0, 0x80, 0x80], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // a surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
      [[0xf5, 0x80, 0x80, 0x80], 0],
      [[0x61, 0xe2, 0x82], 1], // cut short at the end
      [[0x61, 0xe2, 0x82, 0x61], 1], // cut short before an ASCII byte
      [[0x61, 0x80], 1] // a continuation byte alone
    ]
    for (const [bytes, at] of cases) {
      const b = Uint8Array.from(bytes)
      expect(firstInvalidUtf8(b), bytes.map((x) => x.toString(16)).join(' ')).toBe(at)
      expect(decodes(b), bytes.map((x) => x.toString(16)).join(' ')).toBe(at < 0)
    }
  })

  it('agrees with TextDecoder on every 1- to 3-byte sequence of interesting bytes, and on random bytes', () => {
    const bytes = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff]
    const seqs: number[][] = [[]]
    for (let n = 0; n < 3; n++) for (const s of [...seqs]) if (s.length === n) for (const b of bytes) seqs.push([...s, b])
    let seed = 7
    for (let k = 0; k < 2000; k++) seqs.push(Array.from({ length: 6 }, () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return 0x80 + (seed % 0x80) }))
    for (const s of seqs) {
      const b = Uint8Array.from(s)
      const at = firstInvalidUtf8(b)
      expect(at < 0, s.join(',')).toBe(decodes(b))
      // everything before the byte it names decodes
      if (at >= 0) expect(decodes(b.subarray(0, at)), s.join(',')).toBe(true)
    }
  })
})

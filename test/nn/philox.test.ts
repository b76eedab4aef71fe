// Philox4x32-10 against the known-answer vectors published with Random123 (kat_vectors), which
// the dropout masks rest on.
import { describe, it, expect } from 'vitest'
import { philox } from '../../src/nn/philox.js'

const hex = (o: Uint32Array): string[] => Array.from(o, (v) => v.toString(16).padStart(8, '0'))

describe('philox4x32-10', () => {
  it('matches the Random123 known answers', () => {
    const o = new Uint32Array(4)
    philox(o, 0, 0, 0, 0, 0, 0)
    expect(hex(o)).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8'])
    philox(o, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)
    expect(hex(o)).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd'])
    philox(o, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0)
    expect(hex(o)).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1'])
  })
})

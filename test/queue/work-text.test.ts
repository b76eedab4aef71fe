import { describe, expect, it } from 'vitest'
import { grouped, overLimit, workText } from '../../src/queue/work-text.js'

describe('the job-size message\'s numbers', () => {
  it('group counts by thousands and write products past a billion as the limits are configured (1e15)', () => {
    expect(grouped(99_999)).toBe('99,999')
    expect(grouped(7_500_010)).toBe('7,500,010')
    expect(workText(999_999_999)).toBe('999,999,999')
    expect(workText(1e9)).toBe('1e9')
    expect(workText(2_402_250_000)).toBe('2.4e9')
    // a console user's 99,999 epochs × 1,797 rows × 7,500,010 parameters, and the default limit
    expect(workText(99_999 * 1_797 * 7_500_010)).toBe('1.35e15')
    expect(workText(1e15)).toBe('1e15')
    // rounding up carries into the exponent
    expect(workText(9.996e15)).toBe('1e16')
    // just over the limit: digits enough to tell them apart (it read "= 1e15; the limit is 1e15")
    expect(overLimit(100_000 * 1_797 * 5_568_166, 1e15)).toEqual(['1.001e15', '1e15'])
    expect(overLimit(3.07e15, 1e15)).toEqual(['3.07e15', '1e15'])
  })
})

// How the console prints numbers (ui/src/number-format.ts num): grouped digits in a readable range, exponents
// beyond it at both ends. A regression's MSE in the squared units of targets near 3e38 printed all
// 39 digits, and its column squeezed the page's other columns to one character a line.
import { describe, expect, it } from 'vitest'
import { count, num } from '../../ui/src/number-format.js'

describe('num', () => {
  it('groups digits in the readable range and rounds to 4 significant digits', () => {
    expect(num(1234)).toBe('1,234')
    expect(num(1202.31)).toBe('1,202')
    expect(num(24.5234)).toBe('24.52')
    expect(num(0.00123456)).toBe('0.001235')
    expect(num(0)).toBe('0')
  })

  it('writes very large and very small values with an exponent', () => {
    expect(num(1.3344727185665856e77)).toBe('1.33e+77')
    expect(num(-2.5e15)).toBe('-2.5e+15')
    // a log axis's decade ticks: 10, 0.1, 0.001, 1e-5, not 1.00e-5 beside 0.001
    expect([10, 0.1, 0.001, 1e-5, 1e-7].map((x) => num(x))).toEqual(['10', '0.1', '0.001', '1e-5', '1e-7'])
    expect(num(1.2e-5)).toBe('1.2e-5')
    expect(num(999_999_999_999_999)).toBe('999,999,999,999,999')
    expect(num(0.00001234)).toBe('1.23e-5')
  })

  it('says a missing or non-finite value as a dash, and counts in the right number', () => {
    expect(num(undefined)).toBe('—')
    expect(num(Infinity)).toBe('—')
    expect(count(1, 'unit')).toBe('1 unit')
    expect(count(1024, 'row')).toBe('1,024 rows')
  })
})

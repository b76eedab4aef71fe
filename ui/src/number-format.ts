/**
 * Numbers as the console prints them: grouped digits in a readable range, an exponent beyond it at
 * both ends, counts with their noun in the right number. Free of the DOM (dom.ts re-exports it).
 */

/** A number for people: 4 significant digits, thousands separated; an exponent below 1e-4 and from 1e15 up. */
export function num (x: number | undefined, digits = 4): string {
  if (x === undefined || !Number.isFinite(x)) return '—'
  // very large values (an MSE in squared units of 1e38) as exponents too: 39 digits broke the page's columns
  // trailing zeros dropped (1e-5, 2.5e+15), as the plain range drops them (0.001): a log axis's decade ticks read alike
  if (Math.abs(x) >= 1e15 || (x !== 0 && Math.abs(x) < 1e-4)) return x.toExponential(2).replace(/\.?0+e/, 'e')
  if (Number.isInteger(x)) return x.toLocaleString('en')
  return Number(x.toPrecision(digits)).toLocaleString('en', { maximumFractionDigits: 6 })
}

/** `1 row`, `2 rows`, `1,024 rows`: a count and its noun, plural but for one. */
export const count = (n: number, noun: string, nouns = `${noun}s`): string => `${num(n)} ${n === 1 ? noun : nouns}`

export const pct = (x: number | undefined): string => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`)

/**
 * The values a searched field of a sweep is given, as typed: one or more, separated by commas, semicolons
 * or spaces ("0.001, 0.01, 0.1"). Free of the DOM, so tests import it in Node. Errors say which value and
 * what to type instead; the API checks each configuration again when the sweep is admitted.
 */

/** What a field's values may be: numbers in a range (whole ones for counts), or names from a list. */
export type ValueKind =
  | { readonly kind: 'number', readonly integer?: boolean, readonly min: number, readonly minExclusive?: boolean, readonly below?: number }
  | { readonly kind: 'choice', readonly choices: readonly string[] }

export type SearchValue = number | string

/** A searched field's most values: src/schemas/sweep.ts's limit of a grid's list. */
const MAX_VALUES = 1000

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/**
 * A decimal comma read as a separator: "0,001" or "0,5" would be two values (0 and 1, 0 and 5). Said for
 * fields of fractions only, where a 0 before a comma, or a 0 after one followed by digits, is no sensible
 * list ("16,32,64" and a seed's "0,1,2" are); a real list of such values takes spaces: "0, 0.5".
 */
const DECIMAL_COMMA = /(?<![\d.])0,\d|\d,0\d/

export function parseValues (text: string, kind: ValueKind): SearchValue[] {
  if (kind.kind === 'number' && kind.integer !== true) {
    const comma = DECIMAL_COMMA.exec(text)
    if (comma !== null) {
      const word = /[^\s;]*$/.exec(text.slice(0, comma.index + 1))![0] + /^[^\s;]*/.exec(text.slice(comma.index + 1))![0]
      throw new Error(`${JSON.stringify(word)} reads as several values: a decimal comma? Write numbers with a point (0.001), and separate values with a comma and a space ("0, 0.5")`)
    }
  }
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '')
  if (parts.length > MAX_VALUES) throw new Error(`${parts.length.toLocaleString('en')} values; a field takes at most ${MAX_VALUES.toLocaleString('en')} (the API's limit)`)
  if (parts.length === 0) throw new Error(kind.kind === 'choice' ? `give one name or more, separated by commas: ${kind.choices.join(', ')}` : 'give one value or more, separated by commas')
  const values = parts.map((p) => valueOf(p, kind))
  const twice = values.findIndex((v, i) => values.indexOf(v) !== i)
  if (twice >= 0) throw new Error(`${JSON.stringify(parts[twice])} is listed twice; each value trains once`)
  return values
}

function valueOf (part: string, kind: ValueKind): SearchValue {
  if (kind.kind === 'choice') {
    const name = part.toLowerCase()
    if (!kind.choices.includes(name)) throw new Error(`${JSON.stringify(part)} is not one of ${kind.choices.join(', ')}`)
    return name
  }
  // decimal numbers only: Number() would also read "0x20" and "0b11", and "" or "Infinity"
  const n = DECIMAL.test(part) ? Number(part) : NaN
  if (!Number.isFinite(n)) throw new Error(`${JSON.stringify(part)} is not a number (a decimal point, not a comma: 0.01)`)
  if (n === 0 && /[1-9]/.test(part.replace(/e.*$/i, ''))) throw new Error(`${JSON.stringify(part)} is too small to tell from 0`)
  if (kind.integer === true && !Number.isInteger(n)) throw new Error(`${JSON.stringify(part)} is not a whole number`)
  if (kind.minExclusive === true ? !(n > kind.min) : !(n >= kind.min)) throw new Error(`${JSON.stringify(part)} must be ${kind.minExclusive === true ? 'more than' : 'at least'} ${kind.min}`)
  if (kind.below !== undefined && !(n < kind.below)) throw new Error(`${JSON.stringify(part)} must be less than ${kind.below}`)
  return n
}

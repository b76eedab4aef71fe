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

export function parseValues (text: string, kind: ValueKind): SearchValue[] {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '')
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
  const n = Number(part)
  if (!Number.isFinite(n)) throw new Error(`${JSON.stringify(part)} is not a number (a decimal point, not a comma: 0.01)`)
  if (kind.integer === true && !Number.isInteger(n)) throw new Error(`${JSON.stringify(part)} is not a whole number`)
  if (kind.minExclusive === true ? !(n > kind.min) : !(n >= kind.min)) throw new Error(`${JSON.stringify(part)} must be ${kind.minExclusive === true ? 'more than' : 'at least'} ${kind.min}`)
  if (kind.below !== undefined && !(n < kind.below)) throw new Error(`${JSON.stringify(part)} must be less than ${kind.below}`)
  return n
}

/** Small schemas every resource shares: id path parameters, list envelopes, timestamps. */
import { z } from 'zod'
import { sentValue } from './messages.js'
import { PROBLEM_CONTENT_TYPE, Problem } from './problem.js'
import { NUMBER } from '../data/cells.js' // a number as CSV cells are read: the same decimal form

/** Ids are looked up, never trusted: a malformed one is simply not found (404), so only the length is bounded here. */
export const IdParams = z.object({
  id: z.string().min(1).max(200).describe('Resource id, as returned when it was created')
})

/** A model by id, or by name (store/model-ref.ts): `name@3`, `name@latest`, or the bare name (its newest version). */
export const ModelRefParams = z.object({
  id: z.string().min(1).max(200).describe('A model id (mdl_…), `name@<version>` (e.g. iris@2), `name@latest`, or a bare name (e.g. iris: its newest version, as name@latest; DELETE refuses a bare name and needs one version)')
})

/**
 * Whether a string is whole characters: no lone UTF-16 surrogate (JSON's "\ud83d" alone is half of 😀).
 * Stored, one broke every JSON reader of the list it was in (jq refuses it; Python cannot encode it).
 */
export const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s)
export const HALF_A_CHARACTER = 'holds half a character (a lone UTF-16 surrogate, e.g. "\\ud83d" without its pair); send whole characters'

export const Name = z.string().trim().min(1).max(200).refine(wellFormed, { message: HALF_A_CHARACTER })

/**
 * Characters a name never holds: C0 and C1 controls (NUL, ESC's terminal sequences), the bidirectional marks, overrides
 * and isolates, zero-width spaces and joiners, the line and paragraph separators, and the byte order mark.
 */
const unprintable = (code: number): boolean => code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x2028 && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code === 0x061c || code === 0xfeff
export const printable = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (unprintable(s.charCodeAt(i))) return false
  return true
}
/**
 * A name given to something new (a dataset, a network): a Name with nothing that prints as something else. NUL, a
 * terminal's escape sequences and right-to-left overrides had been stored in names (a hostile trial), and a log
 * reader or a console list showed them as other text. Stored names are read with Name, which still takes those older ones.
 */
export const NewName = Name.refine(printable, { message: 'holds a control character, a bidirectional mark or an invisible one (U+0000–U+001F, U+007F–U+009F, U+200B–U+200F, U+2028–U+202E, U+2066–U+2069, U+061C, U+FEFF), which print as something else or as nothing; send printable characters' })

/** A number the service stores as float32 (a feature cell, a filler): finite there too, so it never turns into ±Infinity. */
const fitsFloat32 = (v: number): boolean => Number.isFinite(Math.fround(v))
const FLOAT32_RANGE = 'a finite number that fits a 32-bit float (|x| ≤ 3.4028235e38)'
export const Float32Value = z.number().refine(fitsFloat32, `expected ${FLOAT32_RANGE}`)
/** Float32Value from a query string, written as a decimal number (coercion read '' as 0 and '0x10' as 16) */
export const Float32Query = z.string().regex(NUMBER, 'expected a decimal number, e.g. -1 or 0.5').transform(Number).refine(fitsFloat32, `expected ${FLOAT32_RANGE}`)

export const Timestamp = z.string().describe('ISO 8601 time in UTC')

/** `{ items: [...] }`, so a list can gain paging fields later without breaking clients. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item),
  total: z.number().int().optional().describe('How many there are in all (paged lists)'),
  offset: z.number().int().optional(),
  limit: z.number().int().optional()
})

/**
 * A whole number in a query string, in [min, max]; an empty value (`?limit=`) is the default. Read from its
 * text, so a message can say what was sent (`got the string "abc"`), which z.coerce's NaN could not.
 */
const queryInt = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === '' ? undefined : v),
    z.string({ error: (iss) => (Array.isArray(iss.input) ? 'given more than once: give it once' : undefined) })
      // a sign is read, so that -1 is told its bound ("must be ≥ 0, got -1"), not that it is no whole number
      .regex(/^-?\d+$/, { error: (iss) => `expected a whole number, got ${sentValue(iss.input)}` })
      .transform(Number).pipe(z.number().int().min(min).max(max)).optional())
    .transform((v) => v ?? fallback)
    // documented as what it reads: an integer in [min, max], not the text it is parsed from
    .meta({ type: 'integer', minimum: min, ...(max < Number.MAX_SAFE_INTEGER ? { maximum: max } : {}), default: fallback })

/** ?offset=&limit= on paged lists, newest first; any other key is a 400 naming it (a misspelt filter must not list everything). */
export const PageQuery = z.object({
  offset: queryInt(0, Number.MAX_SAFE_INTEGER, 0).describe('Records to skip (default 0)'),
  limit: queryInt(1, 1000, 100).describe('Records to return, at most 1000 (default 100)')
}).strict()

const ProblemResponse = {
  description: 'Problem details (RFC 9457)',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } }
}

/** The error responses a route may send, declared per status, under application/problem+json. */
export const problems = (...statuses: number[]): Record<number, typeof ProblemResponse> =>
  Object.fromEntries(statuses.map((s) => [s, ProblemResponse]))

export const NoContent = z.undefined().describe('No content')

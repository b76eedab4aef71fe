/**
 * zod's messages where its defaults do not say what to fix. Imported by every schema module, so each
 * thread that validates (API, worker, dataset thread) configures its own copy of zod.
 *
 * An unknown key of a strict object: zod says `Unrecognized key: "epoch"`. This names the key the user
 * most likely meant (`epochs`: a typo, a case slip, a singular) and the keys the object accepts, as
 * git and npm do for a mistyped command.
 */
import { z } from 'zod'

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive. */
export function editDistance (a: string, b: string): number {
  const s = a.toLowerCase(), t = b.toLowerCase()
  const d = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[s.length][t.length]
}

/** The known key nearest to `key`, if near enough to be a slip: at most 2 edits and a third of its length (so "lr" is not taken for "l2"). */
export function nearestKey (key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const k of known) {
    const d = editDistance(key, k)
    if (d < bestDistance) { best = k; bestDistance = d }
  }
  return bestDistance <= Math.min(2, Math.floor(key.length / 3)) ? best : undefined
}

/** The message for keys a strict object does not accept, given the keys it does. */
export function unknownKeysMessage (keys: readonly string[], known: readonly string[]): string {
  const each = keys.map((key) => {
    const near = nearestKey(key, known)
    return near === undefined ? `"${key}"` : `"${key}" (did you mean "${near}"?)`
  })
  const accepted = known.length > 0 ? `; the keys here are ${known.join(', ')}` : ''
  return `unknown key${keys.length > 1 ? 's' : ''} ${each.join(', ')}${accepted}`
}

interface WithShape { _zod?: { def?: { shape?: Record<string, unknown> } } }

z.config({
  customError: (issue) => {
    if (issue.code !== 'unrecognized_keys') return undefined
    const shape = (issue.inst as WithShape | undefined)?._zod?.def?.shape
    return unknownKeysMessage(issue.keys, shape ? Object.keys(shape) : [])
  }
})

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
    // two edits at most: lengths further apart than that are no slip, and a 1 MB key's table against each known
    // key had held the event loop 23 s (a hostile retrial)
    if (Math.abs(key.length - k.length) > 2) continue
    const d = editDistance(key, k)
    if (d < bestDistance) { best = k; bestDistance = d }
  }
  return bestDistance <= Math.min(2, Math.floor(key.length / 3)) ? best : undefined
}

/**
 * The known name a sent one most likely meant: a slip (nearestKey), or the name without its unit or
 * note in brackets (`Size` for "Size (m²)", `price` for "price [EUR]"), case aside.
 */
export function nearestName (name: string, known: readonly string[]): string | undefined {
  const near = nearestKey(name, known)
  if (near !== undefined) return near
  const bare = (k: string): string => k.replace(/\s*[([{].*$/, '').trim().toLowerCase()
  const wanted = bare(name)
  return wanted === '' ? undefined : known.find((k) => k !== name && bare(k) === wanted)
}

/** Names listed in a message, each quoted: a name with a comma in it stays one name. */
export const quotedList = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ')

/**
 * Keys that belong to another choice of the object they were sent in (PyTorch's SGD takes momentum and
 * weight_decay; here each is an optimizer of its own): what to send instead, said where the key is refused.
 */
/** Weight decay, wherever it is sent: PyTorch's weight_decay on SGD and Adam adds λ·W to the gradient, the L2 penalty. */
const DECAY = 'PyTorch\'s weight_decay on SGD and Adam is an L2 penalty, here the network\'s "l2" (on weights, not biases), for any optimizer; ' +
  'decoupled weight decay is AdamW\'s: send training.optimizer as {"type": "adamw", "weightDecay": 0.01}'
const DECAY_KEYS: ReadonlySet<string> = new Set(['weightDecay', 'weight_decay'])
const OTHER_CHOICE: Readonly<Record<string, string>> = {
  momentum: 'momentum is its own optimizer here, {"type": "momentum", "momentum": 0.9} or "nesterov" (PyTorch\'s SGD(momentum=0.9))',
  weightDecay: DECAY,
  weight_decay: DECAY
}

/**
 * Options of the optimizer sent in the training options themselves (Keras' and scikit-learn's
 * learning_rate sit beside the epochs): where they go instead.
 */
const OPTIMIZER_OPTIONS: ReadonlySet<string> = new Set(['lr', 'learningRate', 'learning_rate', 'learning_rate_init', 'momentum', 'weightDecay', 'weight_decay', 'betas', 'eps'])
const inOptimizer = (key: string): string => DECAY_KEYS.has(key)
  ? DECAY
  : `${key} is the optimizer's: send it in training.optimizer, as {"type": "adam", "learningRate": 0.001}`

/** L2 regularisation under scikit-learn's or Keras' names, sent to the training options or the network: the network's `l2`. */
const L2_NAMES: ReadonlySet<string> = new Set(['alpha', 'l2', 'lambda', 'l2_regularization', 'regularization'])
const inNetworkL2 = (key: string, inNetwork: boolean): string =>
  `${inNetwork ? '' : `${key} is the network's: `}send "l2" in network, as {"layers": […], "l2": 0.0001} (λ/2·‖W‖² on the mean loss; scikit-learn's alpha is l2 × batchSize)`

/**
 * PyTorch's, scikit-learn's and Keras' names of options these objects hold under their own names: the key to
 * send instead (said when the object accepts it; a dotted one names the key within it).
 */
const SYNONYMS: ReadonlyMap<string, { readonly whose: string, readonly here: string }> = new Map(Object.entries({
  lr: { whose: 'PyTorch\'s', here: 'learningRate' },
  learning_rate: { whose: 'Keras\' and scikit-learn\'s', here: 'learningRate' },
  learning_rate_init: { whose: 'scikit-learn\'s', here: 'learningRate' },
  eps: { whose: 'PyTorch\'s', here: 'epsilon' },
  beta_1: { whose: 'Keras\' and scikit-learn\'s', here: 'beta1' },
  beta_2: { whose: 'Keras\' and scikit-learn\'s', here: 'beta2' },
  max_iter: { whose: 'scikit-learn\'s', here: 'epochs' },
  n_epochs: { whose: 'a common', here: 'epochs' },
  batch_size: { whose: 'PyTorch\'s, Keras\' and scikit-learn\'s', here: 'batchSize' },
  validation_fraction: { whose: 'scikit-learn\'s', here: 'validationSplit' },
  validation_split: { whose: 'Keras\'', here: 'validationSplit' },
  early_stopping: { whose: 'scikit-learn\'s', here: 'earlyStopping' },
  n_iter_no_change: { whose: 'scikit-learn\'s', here: 'earlyStopping.patience' },
  tol: { whose: 'scikit-learn\'s', here: 'earlyStopping.minDelta' },
  random_state: { whose: 'scikit-learn\'s', here: 'seed' },
  class_weight: { whose: 'scikit-learn\'s', here: 'classWeight' },
  min_delta: { whose: 'Keras\'', here: 'minDelta' },
  min_lr: { whose: 'PyTorch\'s and Keras\'', here: 'minLearningRate' },
  step_size: { whose: 'PyTorch\'s', here: 'stepSize' },
  eta_min: { whose: 'PyTorch\'s', here: 'minLearningRate' },
  T_max: { whose: 'PyTorch\'s', here: 'epochs' },
  negative_slope: { whose: 'PyTorch\'s', here: 'alpha' },
  hidden_layer_sizes: { whose: 'scikit-learn\'s', here: 'layers' },
  p: { whose: 'PyTorch\'s Dropout', here: 'dropout' },
  weight_decay: { whose: 'PyTorch\'s', here: 'weightDecay' }
})) // a Map: a key such as "__proto__" must find nothing, not Object.prototype
const synonymOf = (key: string, known: readonly string[]): string | undefined => {
  const s = SYNONYMS.get(key)
  return s !== undefined && known.includes(s.here.split('.')[0]) ? `${s.whose} name; here it is "${s.here}"` : undefined
}

const KEYS_HERE_LEAD = '; the keys here are '
/** The end of an unknown key's message, the keys its object accepts: said once for a run of such messages. */
export const KEYS_HERE = new RegExp(`${KEYS_HERE_LEAD}(.+)$`)

/** The message for keys a strict object does not accept, given the keys it does. */
/** The longest text a message quotes whole; a longer one is said by its first 60 characters and its length. */
const QUOTED_WHOLE = 80

/**
 * `text` as a message quotes it, with `quote` (JSON's, by default), its start alone when long: `"KKKK…" (1000000
 * characters)`. A 30 MB cell and a 1 MB key had come back whole, in the answer and the log (a hostile trial).
 */
export const quotedStart = (text: string, quote: (s: string) => string = JSON.stringify): string =>
  text.length <= QUOTED_WHOLE ? quote(text) : `${quote(`${text.slice(0, QUOTED_WHOLE - 20)}…`)} (${text.length} characters)`

/** A key quoted in a message, as sent. */
const quotedKey = (key: string): string => quotedStart(key, (s) => `"${s}"`)

export function unknownKeysMessage (keys: readonly string[], known: readonly string[]): string {
  const each = keys.map((key) => {
    const near = nearestKey(key, known)
    // an optimizer's key that another optimizer takes; AdamW's own weight_decay is only a synonym
    const elsewhere = known.includes('learningRate')
      ? (Object.hasOwn(OTHER_CHOICE, key) && synonymOf(key, known) === undefined ? OTHER_CHOICE[key] : undefined) // "toString" must find nothing, not Object.prototype's
      : known.includes('optimizer') && OPTIMIZER_OPTIONS.has(key)
        ? inOptimizer(key)
        : L2_NAMES.has(key) && (known.includes('optimizer') || (known.includes('layers') && key !== 'l2')) ? inNetworkL2(key, known.includes('layers')) : undefined
    const said = elsewhere ?? synonymOf(key, known)
    const shown = quotedKey(key)
    if (said !== undefined) return `${shown} (${said})`
    return near === undefined ? shown : `${shown} (did you mean "${near}"?)`
  })
  const accepted = known.length > 0 ? `${KEYS_HERE_LEAD}${known.join(', ')}` : ''
  return `unknown key${keys.length > 1 ? 's' : ''} ${each.join(', ')}${accepted}`
}

/** What an unknown keys issue carries besides zod's `keys`: the keys its object accepts. */
export interface UnknownKeysParams { readonly accepted: readonly string[] }

interface WithShape { _zod?: { def?: { shape?: Record<string, unknown> } } }

/**
 * A list (or text) shorter or longer than a schema allows: zod says `Too small: expected array to have
 * >=1 items`. This says what was sent and what to send, in the units of what was sent:
 * `empty: send at least one item`, `12 items: at most 10 are accepted`, `empty: send at least one character`.
 */
export function sizeMessage (what: 'array' | 'string', sent: number | undefined, bound: { min: number } | { max: number }): string {
  const unit = what === 'array' ? 'item' : 'character'
  const units = (n: number): string => `${n} ${unit}${n === 1 ? '' : 's'}`
  const had = sent === undefined ? '' : sent === 0 ? 'empty' : units(sent)
  const want = 'min' in bound ? `send at least ${bound.min === 1 ? `one ${unit}` : units(bound.min)}` : `at most ${units(bound.max)} ${bound.max === 1 ? 'is' : 'are'} accepted`
  return had === '' ? want : `${had}: ${want}`
}

/** What a schema wanted, in words: `a string`, `an integer`, `a list`. */
function wanted (expected: string): string {
  switch (expected) {
    case 'array': return 'a list'
    case 'object': return 'an object'
    case 'int': return 'an integer'
    case 'boolean': return 'true or false'
    default: return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
  }
}

/** What was sent instead, in words: `the string "abc"`, `the number 3`, `null`, `a list`. */
export function sentValue (input: unknown): string {
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'a list'
  if (typeof input === 'string') return `the string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`
  // a coerced text that was not a number (a setting such as PORT=abc): its text is shown by the caller
  if (typeof input === 'number' && Number.isNaN(input)) return 'something that is not a number'
  // JSON.parse reads 1e400 as Infinity, which the body never held: said as what it was
  if (input === Infinity || input === -Infinity) return `a number beyond ${input > 0 ? '' : '-'}1.8e308`
  if (typeof input === 'number' || typeof input === 'boolean') return `${typeof input === 'number' ? 'the number ' : ''}${String(input)}`
  return typeof input === 'object' ? 'an object' : typeof input
}

/** A value that is none of an enum's (or a tagged union's) options: the options quoted, and the one a slip most likely meant. */
function oneOfMessage (input: unknown, values: readonly unknown[]): string {
  const listed = values.map((v) => JSON.stringify(v)).join(', ')
  if (input === undefined) return `required: send one of ${listed}`
  const near = typeof input === 'string' ? nearestKey(input, values.map(String)) : undefined
  return `${sentValue(input)} is not one of ${listed}${near === undefined ? '' : ` (did you mean "${near}"?)`}`
}

/**
 * A value of the wrong type: zod says `Invalid input: expected string, received undefined`. This says
 * `required: send a string` for a missing one and `expected a number, got the string "3"` otherwise.
 * Numbers out of range: `must be ≤ 1000, got 5000`, not `Too big: expected number to be <=1000`.
 */
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      const want = wanted(String(issue.expected))
      return issue.input === undefined ? `required: send ${want}` : `expected ${want}, got ${sentValue(issue.input)}`
    }
    if (issue.code === 'invalid_union') {
      // a discriminated union whose tag matches no option: zod says `Invalid discriminator value. Expected 'grid' | 'choice'`
      const u = issue as unknown as { note?: string, discriminator?: string, options?: unknown[], input?: unknown }
      if (u.note === 'No matching discriminator' && u.discriminator !== undefined && u.options !== undefined) {
        const value = typeof u.input === 'object' && u.input !== null ? (u.input as Record<string, unknown>)[u.discriminator] : undefined
        return oneOfMessage(value, u.options)
      }
    }
    if (issue.code === 'invalid_value' && issue.values.length > 1) return oneOfMessage(issue.input, issue.values)
    // a literal (TF Serving's only signature_name, "serving_default"): the one value it takes
    if (issue.code === 'invalid_value' && issue.values.length === 1) {
      const only = JSON.stringify(issue.values[0])
      return issue.input === undefined ? `required: send ${only}` : `expected ${only}, got ${sentValue(issue.input)}`
    }
    if ((issue.code === 'too_small' || issue.code === 'too_big') && (issue.origin === 'number' || issue.origin === 'int') && typeof issue.input === 'number') {
      const bound = issue.code === 'too_small' ? `${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}` : `${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`
      return `must be ${bound}, got ${issue.input}`
    }
    if (issue.code === 'unrecognized_keys') {
      const shape = (issue.inst as WithShape | undefined)?._zod?.def?.shape
      const accepted = shape ? Object.keys(shape) : []
      // zod copies an issue's own keys into the one it reports, and the shape is gone by then: the error
      // handler splits the issue per key (api/error-handler.ts) and words each from these
      Object.assign(issue, { params: { accepted } satisfies UnknownKeysParams })
      return unknownKeysMessage(issue.keys, accepted)
    }
    // a record's key its key schema refuses: zod says `Invalid key in record`; this says what the key schema does (a hostile trial)
    if (issue.code === 'invalid_key') {
      const said = issue.issues.map((i) => i.message).filter((m) => m !== '')
      return `expected ${said.length > 0 ? said.join('; ') : 'another key'}, got ${JSON.stringify(String(issue.input))}`
    }
    if ((issue.code === 'too_small' || issue.code === 'too_big') && (issue.origin === 'array' || issue.origin === 'string')) {
      const input: unknown = issue.input
      const sent = Array.isArray(input) || typeof input === 'string' ? input.length : undefined
      return sizeMessage(issue.origin === 'array' ? 'array' : 'string', sent, issue.code === 'too_small' ? { min: Number(issue.minimum) } : { max: Number(issue.maximum) })
    }
    return undefined
  }
})
